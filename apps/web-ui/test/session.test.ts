import { describe, expect, it } from 'vitest';
import { decodeFix, encodeFix, type FixField } from '../src/lib/fix.js';
import { FixSessionCore } from '../src/lib/session.js';

const cfg = { username: 'CLIENT1', password: 'demo', targetCompId: 'VENUE', heartBtIntSec: 10 };

function fromVenue(seq: number, fields: FixField[]): string {
  const [first, ...rest] = fields;
  return encodeFix([
    first!,
    [49, 'VENUE'],
    [56, 'CLIENT1'],
    [34, String(seq)],
    [52, '20261126-14:00:00.000'],
    ...rest,
  ]);
}

function parse(frame: string) {
  const r = decodeFix(frame);
  if (!r.ok) throw new Error(r.error);
  return r.msg;
}

describe('FIX session core', () => {
  it('logs on with credentials, resets only on a fresh start, continues sequences on reconnect', () => {
    const s = new FixSessionCore(cfg);
    const logon = parse(s.logon(0, true));
    expect(logon.msgType).toBe('A');
    expect([logon.get(34), logon.get(553), logon.get(554), logon.get(98), logon.get(141)]).toEqual([
      '1',
      'CLIENT1',
      'demo',
      '0',
      'Y',
    ]);
    s.receive(
      fromVenue(1, [
        [35, 'A'],
        [98, '0'],
        [108, '10'],
      ]),
      0,
    );
    expect(s.loggedOn).toBe(true);
    s.app(
      [
        [35, 'D'],
        [11, 'a'],
      ],
      0,
    );
    s.app(
      [
        [35, 'D'],
        [11, 'b'],
      ],
      0,
    );
    // Reconnect: no reset flag, next seq continues at 4.
    const again = parse(s.logon(1, false));
    expect(again.get(34)).toBe('4');
    expect(again.get(141)).toBeUndefined();
    expect(s.nextInSeq).toBe(2);
  });

  it('answers TestRequest with Heartbeat(112) and measures its own TestRequest round trip', () => {
    const s = new FixSessionCore(cfg);
    s.logon(0, true);
    s.receive(fromVenue(1, [[35, 'A']]), 0);
    const { replies } = s.receive(
      fromVenue(2, [
        [35, '1'],
        [112, 'abc'],
      ]),
      5,
    );
    expect(replies).toHaveLength(1);
    const hb = parse(replies[0]!);
    expect([hb.msgType, hb.get(112)]).toEqual(['0', 'abc']);
    const tr = parse(s.testRequest(1000));
    const id = tr.get(112)!;
    const { events } = s.receive(
      fromVenue(3, [
        [35, '0'],
        [112, id],
      ]),
      1023,
    );
    expect(events).toEqual([{ kind: 'latency', rttMs: 23 }]);
    // An unsolicited heartbeat gives no sample.
    expect(s.receive(fromVenue(4, [[35, '0']]), 1100).events).toEqual([]);
  });

  it('on a gap asks for a resend once, queues, and applies in order after the replay', () => {
    const s = new FixSessionCore(cfg);
    s.logon(0, true);
    s.receive(fromVenue(1, [[35, 'A']]), 0);
    const r5 = s.receive(
      fromVenue(5, [
        [35, '8'],
        [17, 'e5'],
      ]),
      0,
    );
    expect(r5.events).toEqual([]);
    expect(r5.replies).toHaveLength(1);
    const rr = parse(r5.replies[0]!);
    expect([rr.msgType, rr.get(7), rr.get(16)]).toEqual(['2', '2', '0']);
    const r6 = s.receive(
      fromVenue(6, [
        [35, '8'],
        [17, 'e6'],
      ]),
      0,
    );
    expect(r6.replies).toEqual([]); // no second ResendRequest
    // Replay 2 and 3, then a gap fill over 4.
    const a = s.receive(
      fromVenue(2, [
        [35, '8'],
        [17, 'e2'],
        [43, 'Y'],
      ]),
      0,
    );
    const b = s.receive(
      fromVenue(3, [
        [35, '8'],
        [17, 'e3'],
        [43, 'Y'],
      ]),
      0,
    );
    const c = s.receive(
      fromVenue(4, [
        [35, '4'],
        [123, 'Y'],
        [36, '5'],
        [43, 'Y'],
      ]),
      0,
    );
    const ids = [...a.events, ...b.events, ...c.events].map((e) =>
      e.kind === 'app' ? e.msg.get(17) : e.kind,
    );
    expect(ids).toEqual(['e2', 'e3', 'e5', 'e6']);
    expect(s.nextInSeq).toBe(7);
    // Duplicates below the expected seq are ignored.
    expect(
      s.receive(
        fromVenue(3, [
          [35, '8'],
          [17, 'e3'],
          [43, 'Y'],
        ]),
        0,
      ).events,
    ).toEqual([]);
  });

  it('follows a Logout that says which sequence the venue expects', () => {
    const s = new FixSessionCore(cfg);
    s.logon(0, false);
    const { events } = s.receive(
      fromVenue(9, [
        [35, '5'],
        [58, 'MsgSeqNum too low, expecting 42 but received 1'],
      ]),
      0,
    );
    expect(events).toEqual([{ kind: 'logout', text: 'MsgSeqNum too low, expecting 42 but received 1' }]);
    expect(parse(s.logon(0, false)).get(34)).toBe('42');
  });

  it('answers a ResendRequest from the venue with a gap fill', () => {
    const s = new FixSessionCore(cfg);
    s.logon(0, true);
    s.receive(fromVenue(1, [[35, 'A']]), 0);
    s.app(
      [
        [35, 'D'],
        [11, 'x'],
      ],
      0,
    ); // seq 2
    const { replies } = s.receive(
      fromVenue(2, [
        [35, '2'],
        [7, '2'],
        [16, '0'],
      ]),
      0,
    );
    const gf = parse(replies[0]!);
    expect([gf.msgType, gf.get(34), gf.get(123), gf.get(36), gf.get(43)]).toEqual(['4', '2', 'Y', '3', 'Y']);
    expect(s.nextOutSeq).toBe(3);
    // A BeginSeqNo beyond what we sent is answered at our next number, consuming nothing.
    const odd = s
      .receive(
        fromVenue(3, [
          [35, '2'],
          [7, '999'],
          [16, '0'],
        ]),
        0,
      )
      .replies.map(parse)[0]!;
    expect([odd.get(34), odd.get(36)]).toEqual(['3', '3']);
    expect(s.nextOutSeq).toBe(3);
  });

  it('reports garbled frames without changing state', () => {
    const s = new FixSessionCore(cfg);
    s.logon(0, true);
    const before = s.nextInSeq;
    expect(s.receive('garbage', 0).events[0]?.kind).toBe('garbled');
    expect(s.nextInSeq).toBe(before);
  });
});
