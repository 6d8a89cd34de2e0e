import { readFileSync } from 'node:fs';
import { generate, parseSchema, SchemaError } from '@venue/sbe-ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const HEADER = `  <types>
    <composite name="messageHeader">
      <type name="blockLength" primitiveType="uint16"/>
      <type name="templateId" primitiveType="uint16"/>
      <type name="schemaId" primitiveType="uint16"/>
      <type name="version" primitiveType="uint16"/>
    </composite>
    <composite name="groupSizeEncoding">
      <type name="blockLength" primitiveType="uint16"/>
      <type name="numInGroup" primitiveType="uint16"/>
    </composite>
    <composite name="varString">
      <type name="length" primitiveType="uint16"/>
      <type name="varData" primitiveType="uint8" length="0" characterEncoding="UTF-8"/>
    </composite>
  </types>`;

/** A schema with the standard header and the given types and messages. */
function schema(body: string, { header = HEADER, version = 0 } = {}): string {
  return `<?xml version="1.0"?>
<messageSchema package="t" id="1" version="${version}">
${header}
${body}
</messageSchema>
`;
}

/** The 1-based line of the first line containing marker. */
function lineOf(xml: string, marker: string): number {
  const i = xml.split('\n').findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`marker ${marker} not in schema`);
  return i + 1;
}

function errorOf(xml: string, file = 'bad.xml'): SchemaError {
  try {
    generate(parseSchema(xml, file));
  } catch (e) {
    if (e instanceof SchemaError) return e;
    throw e;
  }
  throw new Error('the schema was accepted');
}

interface Case {
  readonly name: string;
  readonly xml: string;
  readonly marker: string;
  readonly problem: RegExp;
}

const cases: Case[] = [
  {
    name: 'unknown field type',
    xml: schema(`  <message name="Car" id="1">
    <field name="serialNumber" id="1" type="uint64"/>
    <field name="modelYear" id="2" type="Uint16X"/>
  </message>`),
    marker: 'name="modelYear"',
    problem: /^field 'modelYear' references unknown type 'Uint16X'$/,
  },
  {
    name: 'unknown ref type in a composite',
    xml: schema(`  <types>
    <composite name="Engine">
      <ref name="booster" type="Nope"/>
    </composite>
  </types>`),
    marker: 'name="booster"',
    problem: /ref 'booster' references unknown type 'Nope'/,
  },
  {
    name: 'overlapping offsets',
    xml: schema(`  <message name="M" id="1">
    <field name="a" id="1" type="int64"/>
    <field name="b" id="2" type="int32" offset="4"/>
  </message>`),
    marker: 'name="b"',
    problem: /'b' offset 4 is smaller than the end 8 of the previous field 'a' \(they overlap\)/,
  },
  {
    name: 'overlapping offsets in a composite',
    xml: schema(`  <types>
    <composite name="P">
      <type name="x" primitiveType="int32"/>
      <type name="y" primitiveType="int32" offset="2"/>
    </composite>
  </types>`),
    marker: 'name="y"',
    problem: /'y' offset 2 is smaller than the end 4 of the previous field 'x'/,
  },
  {
    name: 'blockLength smaller than the fields',
    xml: schema(`  <message name="M" id="1" blockLength="4">
    <field name="a" id="1" type="int64"/>
  </message>`),
    marker: 'name="M"',
    problem: /message 'M' blockLength 4 is smaller than its fields' end 8/,
  },
  {
    name: 'enum value that does not fit the encodingType',
    xml: schema(`  <types>
    <enum name="E" encodingType="uint8">
      <validValue name="A">1</validValue>
      <validValue name="Big">300</validValue>
    </enum>
  </types>`),
    marker: 'name="Big"',
    problem: /enum 'E' value 'Big' = '300' does not fit uint8/,
  },
  {
    name: 'char enum value of two characters',
    xml: schema(`  <types>
    <enum name="E" encodingType="char">
      <validValue name="AB">AB</validValue>
    </enum>
  </types>`),
    marker: 'name="AB"',
    problem: /enum 'E' value 'AB' = 'AB' is not a single char/,
  },
  {
    name: 'enum value equal to the null value',
    xml: schema(`  <types>
    <enum name="E" encodingType="uint8">
      <validValue name="N">255</validValue>
    </enum>
  </types>`),
    marker: 'name="N"',
    problem: /equals the null value of uint8/,
  },
  {
    name: 'group without dimensions',
    xml: schema(
      `  <message name="M" id="1">
    <group name="g" id="2">
      <field name="a" id="3" type="int8"/>
    </group>
  </message>`,
      { header: HEADER.replace(/<composite name="groupSizeEncoding">[\s\S]*?<\/composite>/, '') },
    ),
    marker: 'name="g"',
    problem: /group 'g' has no dimensionType and the schema defines no 'groupSizeEncoding'/,
  },
  {
    name: 'group with an unknown dimensionType',
    xml: schema(`  <message name="M" id="1">
    <group name="g" id="2" dimensionType="dims">
      <field name="a" id="3" type="int8"/>
    </group>
  </message>`),
    marker: 'name="g"',
    problem: /group 'g' dimensionType references unknown type 'dims'/,
  },
  {
    name: 'dimension without numInGroup',
    xml: schema(`  <types>
    <composite name="dims">
      <type name="blockLength" primitiveType="uint16"/>
    </composite>
  </types>
  <message name="M" id="1">
    <group name="g" id="2" dimensionType="dims">
      <field name="a" id="3" type="int8"/>
    </group>
  </message>`),
    marker: 'name="g"',
    problem: /dimension 'dims' has no 'numInGroup' member/,
  },
  {
    name: 'duplicate field id',
    xml: schema(`  <message name="M" id="1">
    <field name="a" id="1" type="int8"/>
    <field name="b" id="1" type="int8"/>
  </message>`),
    marker: 'name="b"',
    problem: /duplicate id 1 of 'b' \(already used by 'a'\)/,
  },
  {
    name: 'duplicate field name',
    xml: schema(`  <message name="M" id="1">
    <field name="a" id="1" type="int8"/>
    <field name="a" id="2" type="int8"/>
  </message>`),
    marker: 'id="2"',
    problem: /duplicate name 'a' in message 'M'/,
  },
  {
    name: 'duplicate message id',
    xml: schema(`  <message name="M" id="1"/>
  <message name="N" id="1"/>`),
    marker: 'name="N"',
    problem: /duplicate message id 1/,
  },
  {
    name: 'duplicate type name',
    xml: schema(`  <types>
    <type name="T" primitiveType="int8"/>
    <type name="T" primitiveType="int16"/>
  </types>`),
    marker: 'primitiveType="int16"',
    problem: /duplicate type name 'T'/,
  },
  {
    name: 'field after a group',
    xml: schema(`  <message name="M" id="1">
    <group name="g" id="2">
      <field name="a" id="3" type="int8"/>
    </group>
    <field name="late" id="4" type="int8"/>
  </message>`),
    marker: 'name="late"',
    problem: /field 'late' comes after a group or data field in message 'M'/,
  },
  {
    name: 'data before a group',
    xml: schema(`  <message name="M" id="1">
    <data name="d" id="2" type="varString"/>
    <group name="late" id="3">
      <field name="a" id="4" type="int8"/>
    </group>
  </message>`),
    marker: 'name="late"',
    problem: /group 'late' comes after a data field in message 'M'/,
  },
  {
    name: 'data of a type that is not a var-data composite',
    xml: schema(`  <message name="M" id="1">
    <data name="d" id="2" type="groupSizeEncoding"/>
  </message>`),
    marker: 'name="d"',
    problem: /data 'd' type 'groupSizeEncoding' needs 'length' and 'varData' members/,
  },
  {
    name: 'unknown primitiveType',
    xml: schema(`  <types>
    <type name="T" primitiveType="int128"/>
  </types>`),
    marker: 'name="T"',
    problem: /type 'T' has unknown primitiveType 'int128'/,
  },
  {
    name: 'set choice bit out of range',
    xml: schema(`  <types>
    <set name="S" encodingType="uint8">
      <choice name="a">8</choice>
    </set>
  </types>`),
    marker: 'name="a"',
    problem: /set 'S' choice 'a' bit '8' is not in 0..7/,
  },
  {
    name: 'sinceVersion newer than the schema',
    xml: schema(`  <message name="M" id="1">
    <field name="a" id="1" type="int8" sinceVersion="2"/>
  </message>`),
    marker: 'name="a"',
    problem: /sinceVersion 2 is greater than the schema version 0/,
  },
  {
    name: 'missing message header',
    xml: schema('  <message name="M" id="1"/>', { header: '' }),
    marker: '<messageSchema',
    problem: /schema defines no 'messageHeader' composite/,
  },
  {
    name: 'missing id',
    xml: schema(`  <message name="M" id="1">
    <field name="a" type="int8"/>
  </message>`),
    marker: 'name="a"',
    problem: /'a' has no 'id' attribute/,
  },
  {
    name: 'constant without a value',
    xml: schema(`  <types>
    <type name="K" primitiveType="int32" presence="constant"/>
  </types>`),
    marker: 'name="K"',
    problem: /constant type 'K' has no value/,
  },
  {
    name: 'nullValue that does not fit',
    xml: schema(`  <types>
    <type name="K" primitiveType="uint8" presence="optional" nullValue="256"/>
  </types>`),
    marker: 'name="K"',
    problem: /nullValue '256' of type 'K' does not fit uint8/,
  },
  {
    name: 'a type that refers to itself',
    xml: schema(`  <types>
    <composite name="Loop">
      <ref name="again" type="Loop"/>
    </composite>
  </types>`),
    marker: 'name="Loop"',
    problem: /type 'Loop' refers to itself/,
  },
  {
    name: 'generated names that collide',
    xml: schema(`  <types>
    <type name="Code" primitiveType="char" length="4"/>
  </types>
  <message name="M" id="1">
    <field name="code" id="1" type="Code"/>
    <field name="codeLength" id="2" type="int8"/>
  </message>`),
    marker: 'name="codeLength"',
    problem: /'codeLength' generates member 'codeLength' that collides with 'code'/,
  },
  {
    name: 'a field name reserved for generated code',
    xml: schema(`  <message name="M" id="1">
    <field name="wrap" id="1" type="int8"/>
  </message>`),
    marker: 'name="wrap"',
    problem: /generates member 'wrap' that collides with a generated method/,
  },
  {
    name: 'a message whose module name sbe-ts uses',
    xml: schema(`  <message name="types" id="1"/>`),
    marker: 'name="types"',
    problem: /message 'types' would generate Types.ts, which sbe-ts needs for itself/,
  },
  {
    name: 'malformed XML',
    xml: schema(`  <message name="M" id="1">
    <field name="a" id="1" type="int8">
  </message>`),
    marker: '</message>',
    problem: /^malformed XML: /,
  },
  {
    name: 'bad byteOrder',
    xml: schema('').replace('version="0"', 'version="0" byteOrder="middleEndian"'),
    marker: '<messageSchema',
    problem: /byteOrder 'middleEndian' is neither 'littleEndian' nor 'bigEndian'/,
  },
];

describe('invalid schemas', () => {
  for (const c of cases) {
    it(`reports ${c.name} with its line`, () => {
      const e = errorOf(c.xml);
      expect(e.problem).toMatch(c.problem);
      expect(e.line).toBe(lineOf(c.xml, c.marker));
      expect(e.file).toBe('bad.xml');
      expect(e.message).toBe(`bad.xml:${e.line}: ${e.problem}`);
    });
  }

  it('formats the message as file:line: problem', () => {
    const e = errorOf(cases[0]!.xml, 'car.xml');
    expect(e.message).toBe(
      `car.xml:${lineOf(cases[0]!.xml, 'modelYear')}: field 'modelYear' references unknown type 'Uint16X'`,
    );
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('SchemaError');
  });

  it('accepts a valid minimal schema', () => {
    const ir = parseSchema(schema('  <message name="M" id="1"/>'), 'ok.xml');
    expect(ir.messages[0]?.blockLength).toBe(0);
  });
});

describe('mutated schemas', () => {
  const lines = ['car.xml', 'kitchen_sink.xml', 'evolution_v1.xml'].map((f) =>
    readFileSync(new URL(`./schemas/${f}`, import.meta.url), 'utf8').split('\n'),
  );
  const tokens = [
    '',
    '0',
    '-1',
    '65536',
    'uint8',
    'char',
    'int64',
    'X',
    'optional',
    'constant',
    '1.5',
    'a b',
    '0x10',
  ];

  it('either generate or fail with a SchemaError naming a line of the file, never another error', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: lines.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...tokens), fc.boolean()), {
          minLength: 1,
          maxLength: 3,
        }),
        (which, mutations) => {
          const copy = [...lines[which]!];
          for (const [lineIndex, attrIndex, token, drop] of mutations) {
            const i = lineIndex % copy.length;
            if (drop) {
              copy.splice(i, 1);
              continue;
            }
            const values = [...copy[i]!.matchAll(/="([^"]*)"/g)];
            const hit = values[attrIndex % Math.max(1, values.length)];
            if (hit?.index !== undefined) {
              const line = copy[i]!;
              copy[i] = `${line.slice(0, hit.index)}="${token}"${line.slice(hit.index + hit[0].length)}`;
            }
          }
          const xml = copy.join('\n');
          try {
            generate(parseSchema(xml, 'mutated.xml'));
          } catch (e) {
            expect(e).toBeInstanceOf(SchemaError);
            const err = e as SchemaError;
            expect(err.line).toBeGreaterThanOrEqual(1);
            expect(err.line).toBeLessThanOrEqual(copy.length + 1);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
