import {
  type ClientSession,
  type ClusteredService,
  decodeServiceControlResponse,
  defaultServiceHostConfig,
  type Entry,
  encodeActivateServiceVersion,
  SERVICE_CONTROL_INDEX,
  type ServiceContext,
  ServiceHost,
  SnapshotFormatError,
  UnsupportedServiceVersionError,
} from '@venue/consensus';
import { describe, expect, it } from 'vitest';

/** Records the service version each message was applied under, and version changes. */
class Versioned implements ClusteredService {
  readonly name = 'v';
  ctx: ServiceContext | undefined;
  seen: string[] = [];
  onStart(ctx: ServiceContext): void {
    this.ctx = ctx;
  }
  onSessionOpen(): void {}
  onSessionMessage(_s: ClientSession, _ts: number, pos: number): void {
    this.seen.push(`${pos}:v${this.ctx?.serviceVersion?.()}`);
  }
  onTimerEvent(): void {}
  onSessionClose(): void {}
  onTakeSnapshot(): void {}
  onRoleChange(): void {}
  onServiceVersion(version: number, ts: number): void {
    this.seen.push(`activate v${version}@${ts}`);
  }
  stateHash(): string {
    return this.seen.join(',');
  }
}

function entry(index: number, type: Entry['type'], fields: Partial<Entry> = {}): Entry {
  return {
    term: 1,
    index,
    timestampMs: index * 10,
    type,
    sessionId: 0,
    requestSeq: 0,
    correlationId: 0,
    serviceIndex: 0,
    payload: new Uint8Array(0),
    ...fields,
  };
}

function host(max: number, controlPrincipals?: string[]) {
  let svc: Versioned | undefined;
  const h = new ServiceHost(
    () => {
      svc = new Versioned();
      return [svc];
    },
    {
      ...defaultServiceHostConfig,
      serviceVersionMax: max,
      ...(controlPrincipals ? { controlPrincipals } : {}),
    },
  );
  h.start(undefined);
  h.apply(entry(1, 'session-open', { correlationId: 1, payload: new TextEncoder().encode('admin') }));
  return { h, svc: () => svc as Versioned };
}

const control = (index: number, seq: number, version: number) =>
  entry(index, 'session-message', {
    sessionId: 1,
    requestSeq: seq,
    serviceIndex: SERVICE_CONTROL_INDEX,
    payload: encodeActivateServiceVersion(version),
  });
const message = (index: number, seq: number) =>
  entry(index, 'session-message', { sessionId: 1, requestSeq: seq, payload: new Uint8Array([1]) });

describe('service version through the log', () => {
  it('switches behaviour at the activation entry; the version is in the hash and the snapshot', () => {
    const { h, svc } = host(2);
    h.apply(message(2, 1));
    const hashV1 = h.stateHash();
    const out = h.apply(control(3, 2, 2));
    const r = decodeServiceControlResponse(out[0]?.payload as Uint8Array);
    expect(r).toEqual({
      accepted: true,
      serviceVersion: 2,
      sinceIndex: 3,
      detail: 'service version 2 in force from log position 4',
    });
    h.apply(message(4, 3));
    expect(svc().seen).toEqual(['2:v1', 'activate v2@30', '4:v2']);
    expect(h.serviceVersion).toBe(2);
    expect(h.serviceVersionSince).toBe(3);
    // The control request is not a service message: the service never saw its payload.
    expect(h.stateHash()).not.toBe(hashV1);
    // A snapshot carries it; a restored replica applies later entries under version 2.
    const snap = h.takeSnapshot();
    const { h: restored, svc: svc2 } = host(2);
    restored.start(snap);
    expect(restored.serviceVersion).toBe(2);
    expect(restored.serviceVersionSince).toBe(3);
    restored.apply(message(5, 4));
    expect(svc2().seen).toEqual(['5:v2']);
  });

  it('refuses a version not above the active one, a malformed request and a principal not allowed', () => {
    const { h } = host(3, ['admin']);
    const answer = (e: Entry) => decodeServiceControlResponse(h.apply(e)[0]?.payload as Uint8Array);
    expect(answer(control(2, 1, 1))).toMatchObject({ accepted: false, serviceVersion: 1 });
    expect(
      answer(
        entry(3, 'session-message', {
          sessionId: 1,
          requestSeq: 2,
          serviceIndex: SERVICE_CONTROL_INDEX,
          payload: new Uint8Array([1, 2]),
        }),
      ),
    ).toMatchObject({
      accepted: false,
      detail: 'malformed service-control request',
    });
    h.apply(entry(4, 'session-open', { correlationId: 2, payload: new TextEncoder().encode('gateway') }));
    const other = decodeServiceControlResponse(
      h.apply(
        entry(5, 'session-message', {
          sessionId: 4,
          requestSeq: 1,
          serviceIndex: SERVICE_CONTROL_INDEX,
          payload: encodeActivateServiceVersion(2),
        }),
      )[0]?.payload as Uint8Array,
    );
    expect(other).toMatchObject({ accepted: false, serviceVersion: 1 });
    expect(other.detail).toMatch(/principal gateway may not/);
    expect(h.serviceVersion).toBe(1);
  });

  it('a build that cannot run the version stops at that entry instead of diverging', () => {
    const { h, svc } = host(1);
    let thrown: unknown;
    try {
      h.apply(control(2, 1, 2));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(UnsupportedServiceVersionError);
    expect(String(thrown)).toMatch(
      /log position 2 activates service version 2, this build runs versions 1\.\.1/,
    );
    expect(svc().seen).toEqual([]);
  });

  it('reads an older snapshot format (VSN1, before service versions) and refuses a newer one clearly', () => {
    const { h } = host(1);
    h.apply(message(2, 1));
    const v2 = h.takeSnapshot();
    // The VSN1 layout is VSN2 without the two version fields after the applied position and time.
    const v1 = new Uint8Array(v2.length - 12);
    v1.set(v2.subarray(0, 4 + 16));
    v1.set(v2.subarray(4 + 16 + 12), 4 + 16);
    new DataView(v1.buffer).setUint32(0, 0x56534e31, true);
    const old = host(1).h;
    old.start(v1);
    expect(old.appliedIndex).toBe(2);
    expect(old.serviceVersion).toBe(1);
    const v3 = v2.slice();
    new DataView(v3.buffer).setUint32(0, 0x56534e33, true);
    expect(() => host(1).h.start(v3)).toThrow(SnapshotFormatError);
    expect(() => host(1).h.start(v3)).toThrow(/format VSN3 is newer than this build reads/);
  });
});
