import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  EverythingDecoder,
  EverythingEncoder,
  Grade,
  MESSAGE_HEADER_LENGTH,
  MessageDispatcher,
  OnlyDataEncoder,
  Perms,
  Shade,
} from './generated/kitchen_sink/index.js';

function encode(buffer: Uint8Array): number {
  const e = new EverythingEncoder().wrapAndApplyHeader(buffer, 0);
  e.ch(0x7a)
    .optCh(null)
    .grade(Grade.Mid)
    .optGrade(null)
    .perms(Perms.read | Perms.admin)
    .permsSet('write');
  const box = e
    .box()
    .codes(0, 1)
    .codes(2, 65535)
    .label('boxed')
    .shade(Shade.Light)
    .marks(1)
    .late(-5)
    .grade(Grade.Low);
  box.inner().a(-8).b(0.25);
  e.optU64AsNumber(null).addedU64(2n ** 64n - 2n);
  const outer = e.outerCount(2);
  for (let i = 0; i < 2; i++) {
    const inner = outer
      .next()
      .n(i)
      .innerCount(i + 1);
    for (let j = 0; j <= i; j++) {
      const element = inner.next();
      element.box().label(`b${i}${j}`);
      element.innerNote(j === 0 ? '' : `note ${i}${j}`); // data of an element follows its block
    }
    outer.outerText(`outer ${i}`);
  }
  e.laterCount(1).next().v(-3);
  e.tail('the end').tail2('añadido');
  return MESSAGE_HEADER_LENGTH + e.encodedLength();
}

describe('a kitchen-sink schema (big-endian, reordered header, nested groups with data)', () => {
  it('writes the header in the order the schema declares it', () => {
    const buffer = new Uint8Array(1024);
    encode(buffer);
    const v = new DataView(buffer.buffer);
    expect([v.getUint16(0), v.getUint16(2), v.getUint16(4), v.getUint16(6)]).toEqual([1, 77, 2, 80]);
  });

  it('round-trips every kind of member', () => {
    const buffer = new Uint8Array(1024);
    const length = encode(buffer);
    const d = new MessageDispatcher().wrap(buffer, 0);
    if (d?.sbeName !== 'Everything') throw new Error('dispatch failed');
    expect([d.ch(), d.optCh(), d.big(), d.venue(), d.grade(), d.optGrade(), d.optGradeRaw()]).toEqual([
      0x7a,
      null,
      -9000000000n,
      'XLON',
      Grade.Mid,
      null,
      0,
    ]);
    expect([d.perms(), d.permsHas('write'), d.permsHas('admin')]).toEqual([1 | 512 | 32768, true, true]);
    const box = d.box();
    expect([
      box.codes(0),
      box.codes(2),
      box.label(),
      box.shade(),
      box.marksHas('x'),
      box.k(),
      box.late(),
    ]).toEqual([1, 65535, 'boxed', Shade.Light, true, 7, -5]);
    expect([box.inner().a(), box.inner().b(), box.grade()]).toEqual([-8, 0.25, Grade.Low]);
    expect([d.optU64(), d.optU64AsNumber(), d.addedU64()]).toEqual([null, null, 2n ** 64n - 2n]);
    const seen: string[] = [];
    for (const o of d.outer()) {
      for (const i of o.inner()) seen.push(`${o.n()}:${i.box().label()}:${i.innerNote()}`);
      seen.push(o.outerText());
    }
    expect(seen).toEqual(['0:b00:', 'outer 0', '1:b10:', '1:b11:note 11', 'outer 1']);
    expect([...d.later()].length).toBe(1);
    expect([d.tail(), d.tail2()]).toEqual(['the end', 'añadido']);
    expect(MESSAGE_HEADER_LENGTH + d.encodedLength()).toBe(length);
  });

  it('hides what an older acting version does not have', () => {
    const buffer = new Uint8Array(1024);
    encode(buffer);
    const d = new EverythingDecoder().wrap(buffer, MESSAGE_HEADER_LENGTH, 80, 0);
    expect(d.addedU64()).toBeNull();
    expect(d.box().late()).toBeNull();
    expect(d.grade()).toBe(Grade.Mid); // enum values are not hidden: 'M' is known to this decoder
    for (const o of d.outer()) {
      for (const i of o.inner()) i.skipInnerNote();
      o.skipOuterText();
    }
    expect(d.later().count()).toBe(0);
  });

  it('rejects counts above the dimension maxValue and data longer than its length maxValue', () => {
    const buffer = new Uint8Array(4096);
    const e = new EverythingEncoder().wrap(buffer, 0);
    expect(() => e.outerCount(1001)).toThrow(/count 1001 is not in 0..1000/);
    const o = new OnlyDataEncoder().wrap(buffer, 0);
    expect(() => o.payload('x'.repeat(101))).toThrow(RangeError);
    expect(() => o.putPayload(new Uint8Array(101))).toThrow(/length 101 is not in 0..100/);
  });
});

describe('generated code under the strictest compiler options', () => {
  it('type-checks with noUnused*, exactOptionalPropertyTypes and noPropertyAccessFromIndexSignature', () => {
    const root = fileURLToPath(new URL('./generated/', import.meta.url));
    const files = readdirSync(root).flatMap((dir) =>
      readdirSync(join(root, dir))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(root, dir, f)),
    );
    expect(files.length).toBeGreaterThan(20);
    const program = ts.createProgram(files, {
      strict: true,
      noUncheckedIndexedAccess: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts'],
      noUnusedLocals: true,
      noUnusedParameters: true,
      exactOptionalPropertyTypes: true,
      noImplicitReturns: true,
      noImplicitOverride: true,
      noPropertyAccessFromIndexSignature: true,
      noFallthroughCasesInSwitch: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  });
});
