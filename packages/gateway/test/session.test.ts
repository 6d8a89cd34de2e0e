import { encodeFix, Tag } from '@venue/gateway';
import { describe, expect, it } from 'vitest';
import { Harness, order } from './fakes/session-harness.js';

describe('session: logon', () => {
  it('accepts valid demo credentials and answers Logon with seq 1', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    const r = c.last();
    expect(r.msgType).toBe('A');
    expect(r.get(Tag.HeartBtInt)).toBe('30');
    expect(r.get(Tag.EncryptMethod)).toBe('0');
    expect(r.getInt(Tag.MsgSeqNum)).toBe(1);
    expect(r.get(Tag.SenderCompID)).toBe('VENUE');
    expect(r.get(Tag.TargetCompID)).toBe('CLIENT1');
    expect(c.session.state).toBe('active');
    expect(h.app.logons).toEqual(['VENUE-CLIENT1']);
  });

  const logonCases: Array<[string, Array<[number, string | number]>, RegExp]> = [
    [
      'wrong password',
      [
        [98, 0],
        [108, 30],
        [553, 'CLIENT1'],
        [554, 'nope'],
      ],
      /Invalid username or password/,
    ],
    [
      'unknown user',
      [
        [98, 0],
        [108, 30],
        [553, 'CLIENT1'],
        [554, 'demo2'],
      ],
      /Invalid username or password/,
    ],
    [
      'Username != SenderCompID',
      [
        [98, 0],
        [108, 30],
        [553, 'CLIENT2'],
        [554, 'demo'],
      ],
      /must equal SenderCompID/,
    ],
    [
      'HeartBtInt out of range',
      [
        [98, 0],
        [108, 0],
        [553, 'CLIENT1'],
        [554, 'demo'],
      ],
      /HeartBtInt/,
    ],
    [
      'missing HeartBtInt',
      [
        [98, 0],
        [553, 'CLIENT1'],
        [554, 'demo'],
      ],
      /HeartBtInt\(108\)/,
    ],
    [
      'EncryptMethod 1',
      [
        [98, 1],
        [108, 30],
        [553, 'CLIENT1'],
        [554, 'demo'],
      ],
      /EncryptMethod/,
    ],
  ];
  it.each(logonCases)(
    'refuses a Logon with %s: Logout with Text, disconnect, no session',
    (_name, body, text) => {
      const h = new Harness();
      const c = h.client();
      c.send('A', body);
      expect(c.received.map((m) => m.msgType)).toEqual(['5']);
      expect(c.last().get(Tag.Text)).toMatch(text);
      expect(c.closed).toBeDefined();
      expect(h.app.logons).toEqual([]);
      expect(h.acceptor.session('VENUE-CLIENT1')).toBeUndefined();
    },
  );

  it('sends Logout with the reason on bad credentials and closes', () => {
    const h = new Harness();
    const c = h.client();
    c.logon([], 'wrong');
    expect(c.last().msgType).toBe('5');
    expect(c.last().get(Tag.Text)).toMatch(/Invalid username or password/);
    expect(c.last().get(Tag.TargetCompID)).toBe('CLIENT1');
    expect(c.closed).toMatch(/logon refused/);
    expect(c.session.state).toBe('closed');
  });

  it('refuses a wrong TargetCompID', () => {
    const h = new Harness();
    const c = h.client();
    c.session.onFrame(
      encodeFix([
        { tag: 35, value: 'A' },
        { tag: 49, value: 'CLIENT1' },
        { tag: 56, value: 'OTHER' },
        { tag: 34, value: '1' },
        { tag: 52, value: '20260105-09:00:00' },
        { tag: 98, value: '0' },
        { tag: 108, value: '30' },
        { tag: 553, value: 'CLIENT1' },
        { tag: 554, value: 'demo' },
      ]),
    );
    expect(c.last().get(Tag.Text)).toMatch(/TargetCompID\(56\) must be VENUE/);
    expect(c.closed).toBeDefined();
  });

  it('disconnects silently when the first message is not a Logon', () => {
    const h = new Harness();
    const c = h.client();
    c.send('D', order('x'));
    expect(c.received).toEqual([]);
    expect(c.closed).toMatch(/not a Logon/);
    expect(h.app.messages).toEqual([]);
  });

  it('refuses a second connection for a logged-on session', () => {
    const h = new Harness();
    h.client().logon();
    const c2 = h.client();
    c2.logon();
    expect(c2.last().get(Tag.Text)).toMatch(/already logged on/);
    expect(c2.closed).toBeDefined();
  });

  it('disconnects a connection that never logs on', () => {
    const h = new Harness({ logonTimeoutMs: 5000 });
    const c = h.client();
    h.clock.advance(4999);
    h.acceptor.onTimer();
    expect(c.closed).toBeUndefined();
    h.clock.advance(1);
    h.acceptor.onTimer();
    expect(c.closed).toMatch(/no Logon/);
  });

  it('ResetSeqNumFlag=Y resets both directions to 1 and is echoed', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.send('D', order('a'));
    c.send('5');
    const c2 = h.client();
    c2.logon([[141, 'Y']]);
    expect(c2.last().get(Tag.ResetSeqNumFlag)).toBe('Y');
    expect(c2.last().getInt(Tag.MsgSeqNum)).toBe(1);
    expect(c2.session.expectedTargetSeq).toBe(2);
  });

  it('logs out when the Logon MsgSeqNum is too low', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.send('0');
    c.send('5');
    const c2 = h.client();
    c2.logon(); // seq 1, expected 4
    expect(c2.last().msgType).toBe('5');
    expect(c2.last().get(Tag.Text)).toBe('MsgSeqNum too low, expecting 4 but received 1');
    expect(c2.closed).toBeDefined();
  });
});

describe('session: heartbeats and TestRequest', () => {
  it('answers TestRequest with a Heartbeat carrying TestReqID', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.send('1', [[112, 'ping-7']]);
    expect(c.last().msgType).toBe('0');
    expect(c.last().get(Tag.TestReqID)).toBe('ping-7');
  });

  it('sends Heartbeat after HeartBtInt of output silence', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.clear();
    h.clock.advance(29_000);
    c.send('0'); // keep input alive
    h.acceptor.onTimer();
    expect(c.ofType('0')).toHaveLength(0);
    h.clock.advance(1_000);
    h.acceptor.onTimer();
    expect(c.ofType('0')).toHaveLength(1);
  });

  it('sends TestRequest after 1.2 x HeartBtInt of input silence, then logs out without an answer', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.clear();
    h.clock.advance(35_999);
    h.acceptor.onTimer();
    expect(c.ofType('1')).toHaveLength(0);
    h.clock.advance(1);
    h.acceptor.onTimer();
    expect(c.ofType('1')).toHaveLength(1);
    h.clock.advance(35_999);
    h.acceptor.onTimer();
    expect(c.closed).toBeUndefined();
    h.clock.advance(1);
    h.acceptor.onTimer();
    expect(c.last().msgType).toBe('5');
    expect(c.last().get(Tag.Text)).toMatch(/No response to TestRequest/);
    expect(c.closed).toBeDefined();
    expect(h.app.disconnects).toHaveLength(1);
  });

  it('keeps the session when the TestRequest is answered', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    h.clock.advance(36_000);
    h.acceptor.onTimer();
    const id = c.ofType('1')[0]?.get(Tag.TestReqID);
    expect(id).toBeDefined();
    c.send('0', [[112, id ?? '']]);
    h.clock.advance(30_000);
    h.acceptor.onTimer();
    expect(c.closed).toBeUndefined();
  });
});

describe('session: sequence numbers and resends', () => {
  it('answers ResendRequest: app messages replayed with PossDupFlag and OrigSendingTime, admin gap-filled', () => {
    const h = new Harness();
    const c = h.client();
    c.logon(); // out 1 = Logon
    c.session.sendApp(
      '8',
      [
        [37, 'O1'],
        [17, 'E1'],
        [150, '0'],
        [39, '0'],
        [55, 'X'],
        [54, '1'],
        [151, '1'],
        [14, '0'],
        [6, '0'],
      ].map(([tag, value]) => ({ tag: Number(tag), value: String(value) })),
    ); // 2
    c.send('1', [[112, 't']]); // out 3 = Heartbeat
    c.session.sendApp('8', [
      { tag: 37, value: 'O2' },
      { tag: 17, value: 'E2' },
    ]); // 4
    c.send('1', [[112, 'u']]); // out 5 = Heartbeat
    const origTime = c.received[1]?.get(Tag.SendingTime);
    h.clock.advance(5000);
    c.clear();
    c.send('2', [
      [7, 1],
      [16, 0],
    ]);
    const seqs = c.received.map((m) => [
      m.msgType,
      m.getInt(Tag.MsgSeqNum),
      m.get(Tag.NewSeqNo),
      m.get(Tag.PossDupFlag),
    ]);
    expect(seqs).toEqual([
      ['4', 1, '2', 'Y'],
      ['8', 2, undefined, 'Y'],
      ['4', 3, '4', 'Y'],
      ['8', 4, undefined, 'Y'],
      ['4', 5, '6', 'Y'],
    ]);
    expect(c.received[0]?.get(Tag.GapFillFlag)).toBe('Y');
    expect(c.received[1]?.get(Tag.OrigSendingTime)).toBe(origTime);
    expect(c.received[1]?.get(Tag.SendingTime)).not.toBe(origTime);
    expect(c.received[1]?.get(Tag.OrderID)).toBe('O1');
    // Replays do not consume new sequence numbers.
    c.send('1', [[112, 'v']]);
    expect(c.last().getInt(Tag.MsgSeqNum)).toBe(6);
  });

  it('honours EndSeqNo and clamps past the last sent message', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.session.sendApp('8', [{ tag: 37, value: 'A' }]);
    c.session.sendApp('8', [{ tag: 37, value: 'B' }]);
    c.clear();
    c.send('2', [
      [7, 2],
      [16, 2],
    ]);
    expect(c.received.map((m) => m.get(Tag.OrderID))).toEqual(['A']);
    c.clear();
    c.send('2', [
      [7, 3],
      [16, 99],
    ]);
    expect(c.received.map((m) => m.get(Tag.OrderID))).toEqual(['B']);
  });

  it('sends ResendRequest on an inbound gap, once, and resumes after the gap is filled', () => {
    const h = new Harness();
    const c = h.client();
    c.logon(); // 1
    c.send('D', order('a'), 5); // expected 2
    expect(c.last().msgType).toBe('2');
    expect(c.last().get(Tag.BeginSeqNo)).toBe('2');
    expect(c.last().get(Tag.EndSeqNo)).toBe('0');
    c.send('D', order('b'), 6);
    expect(c.ofType('2')).toHaveLength(1);
    expect(h.app.messages).toHaveLength(0);
    // Peer answers: gap fill 2..4, then resends 5 and 6.
    c.send(
      '4',
      [
        [43, 'Y'], // no OrigSendingTime: accepted on gap fills
        [123, 'Y'],
        [36, 5],
      ],
      2,
    );
    c.send('D', [[43, 'Y'], [122, '20260105-09:00:00'], ...order('a')], 5);
    c.send('D', [[43, 'Y'], [122, '20260105-09:00:00'], ...order('b')], 6);
    expect(h.app.messages.map((m) => m.get(Tag.ClOrdID))).toEqual(['a', 'b']);
    expect(c.session.expectedTargetSeq).toBe(7);
  });

  it('re-sends an unanswered ResendRequest after HeartBtInt without progress', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.send('D', order('a'), 5);
    expect(c.ofType('2')).toHaveLength(1);
    h.clock.advance(29_000);
    c.send('0', [], 6); // traffic keeps the session alive, but the gap is still open
    h.acceptor.onTimer();
    expect(c.ofType('2')).toHaveLength(1);
    h.clock.advance(1_000);
    h.acceptor.onTimer();
    expect(c.ofType('2')).toHaveLength(2);
    expect(c.last().get(Tag.BeginSeqNo)).toBe('2');
    // Once the gap is filled, no more ResendRequests.
    c.send(
      '4',
      [
        [43, 'Y'],
        [123, 'Y'],
        [36, 7],
      ],
      2,
    );
    h.clock.advance(60_000);
    c.send('0', [], 7);
    h.acceptor.onTimer();
    expect(c.ofType('2')).toHaveLength(2);
  });

  it('sends ResendRequest after a Logon with a too-high MsgSeqNum', () => {
    const h = new Harness();
    const c = h.client();
    c.seq = 10;
    c.logon();
    expect(c.received.map((m) => m.msgType)).toEqual(['A', '2']);
    expect(c.last().get(Tag.BeginSeqNo)).toBe('1');
  });

  it('logs out on a too-low MsgSeqNum without PossDupFlag', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.send('0');
    c.send('0', [], 2);
    expect(c.last().msgType).toBe('5');
    expect(c.last().get(Tag.Text)).toBe('MsgSeqNum too low, expecting 3 but received 2');
    expect(c.closed).toBeDefined();
  });

  it('rejects a PossDupFlag=Y application message without OrigSendingTime (373=1, 371=122)', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.send('D', [[43, 'Y'], ...order('a')]);
    expect(c.last().msgType).toBe('3');
    expect([c.last().get(Tag.SessionRejectReason), c.last().get(Tag.RefTagID)]).toEqual(['1', '122']);
    expect(h.app.messages).toHaveLength(0);
  });

  it('silently ignores a too-low duplicate with PossDupFlag=Y', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.send('D', order('a'));
    c.clear();
    c.send('D', [[43, 'Y'], [122, '20260105-09:00:00'], ...order('a')], 2);
    expect(c.received).toEqual([]);
    expect(h.app.messages).toHaveLength(1);
    expect(c.closed).toBeUndefined();
  });

  it('SequenceReset-Reset moves the expected seq forward whatever its MsgSeqNum', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.send('4', [[36, 20]], 99);
    expect(c.session.expectedTargetSeq).toBe(20);
    c.send('4', [[36, 5]], 20);
    expect(c.last().msgType).toBe('3');
    expect(c.last().get(Tag.SessionRejectReason)).toBe('5');
    expect(c.last().get(Tag.RefTagID)).toBe('36');
  });
});

describe('session: rejects', () => {
  it('Reject 373=1 with RefTagID/RefMsgType for a missing required tag; seq consumed', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.send(
      'D',
      order('a').filter(([t]) => t !== 54),
    );
    const r = c.last();
    expect(r.msgType).toBe('3');
    expect(r.get(Tag.RefSeqNum)).toBe('2');
    expect(r.get(Tag.SessionRejectReason)).toBe('1');
    expect(r.get(Tag.RefTagID)).toBe('54');
    expect(r.get(Tag.RefMsgType)).toBe('D');
    expect(r.get(Tag.Text)).toMatch(/Side\(54\)/);
    expect(c.session.expectedTargetSeq).toBe(3);
    expect(h.app.messages).toHaveLength(0);
  });

  it('Reject 373=6 for a bad data format, 373=4 for an empty value', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.send('D', [...order('a').filter(([t]) => t !== 44), [44, 'abc']]);
    expect(c.last().get(Tag.SessionRejectReason)).toBe('6');
    expect(c.last().get(Tag.RefTagID)).toBe('44');
    c.send('D', [...order('b').filter(([t]) => t !== 44), [44, '']]);
    expect(c.last().get(Tag.SessionRejectReason)).toBe('4');
    expect(h.app.messages).toHaveLength(0);
  });

  it('Reject 373=11 for a MsgType FIX 4.4 does not define; BusinessMessageReject 380=3 for an unsupported one', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.send('ZZ', []);
    expect(c.last().msgType).toBe('3');
    expect(c.last().get(Tag.SessionRejectReason)).toBe('11');
    c.send('AE', []);
    expect(c.last().msgType).toBe('j');
    expect(c.last().get(Tag.BusinessRejectReason)).toBe('3');
    expect(c.last().get(Tag.RefMsgType)).toBe('AE');
    expect(c.session.state).toBe('active');
  });

  it('ignores garbled messages (bad checksum) without consuming the seq', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.clear();
    const good = c.build('D', order('a'));
    const bad = `${good.slice(0, -4)}${good.slice(-4, -1) === '000' ? '001' : '000'}\x01`;
    c.session.onFrame(bad);
    expect(c.received).toEqual([]);
    expect(c.session.expectedTargetSeq).toBe(2);
    c.session.onFrame(good);
    expect(h.app.messages).toHaveLength(1);
  });

  it('logs out with a Text on an oversized message', () => {
    const h = new Harness({ frameBytesMax: 512 });
    const c = h.client();
    c.logon();
    c.send('D', [...order('a'), [58, 'x'.repeat(600)]]);
    expect(c.last().msgType).toBe('5');
    expect(c.last().get(Tag.Text)).toMatch(/exceeds the limit of 512 bytes/);
    expect(h.app.messages).toHaveLength(0);
  });

  it('logs out on a well-framed message with another BeginString', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    const other = c.build('0', []).replace('8=FIX.4.4', '8=FIX.4.2');
    const body = other.slice(other.indexOf('\x01', other.indexOf('9=')) + 1, other.lastIndexOf('10='));
    const head = `8=FIX.4.2\x019=${body.length}\x01`;
    let sum = 0;
    for (const ch of head + body) sum += ch.charCodeAt(0);
    c.session.onFrame(`${head}${body}10=${String(sum % 256).padStart(3, '0')}\x01`);
    expect(c.last().msgType).toBe('5');
    expect(c.last().get(Tag.Text)).toMatch(/Incorrect BeginString/);
    expect(c.closed).toBeDefined();
  });

  it('rejects (373=9) and logs out on a CompID mismatch', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.session.onFrame(
      encodeFix([
        { tag: 35, value: '0' },
        { tag: 49, value: 'CLIENT2' },
        { tag: 56, value: 'VENUE' },
        { tag: 34, value: '2' },
        { tag: 52, value: '20260105-09:00:00' },
      ]),
    );
    expect(c.ofType('3')[0]?.get(Tag.SessionRejectReason)).toBe('9');
    expect(c.last().msgType).toBe('5');
    expect(c.closed).toBeDefined();
  });

  it('rejects (373=10) and logs out when SendingTime is far off', () => {
    const h = new Harness({ sendingTimeToleranceMs: 1000 });
    const c = h.client();
    c.logon();
    h.clock.advance(-5000);
    const msg = c.build('0', []);
    h.clock.advance(5000);
    c.session.onFrame(msg);
    expect(c.ofType('3')[0]?.get(Tag.SessionRejectReason)).toBe('10');
    expect(c.closed).toBeDefined();
  });
});

describe('session: throttle, logout, offline journal', () => {
  it('rejects application messages over the per-session limit with a reject naming the limit', () => {
    const h = new Harness({ throttleMsgsPerSec: 5 });
    const c = h.client();
    c.logon();
    for (let i = 0; i < 8; i++) c.send('D', order(`o${i}`));
    expect(h.app.messages).toHaveLength(5);
    const rejects = c.ofType('j');
    expect(rejects).toHaveLength(3);
    expect(rejects[0]?.get(Tag.Text)).toBe('Throttle limit exceeded: at most 5 messages per second');
    h.clock.advance(1000);
    c.send('D', order('later'));
    expect(h.app.messages).toHaveLength(6);
    expect(c.session.state).toBe('active');
  });

  it('logs out a flood far over the throttle', () => {
    const h = new Harness({ throttleMsgsPerSec: 2, throttleLogoutFactor: 3 });
    const c = h.client();
    c.logon();
    for (let i = 0; i < 20 && c.closed === undefined; i++) c.send('D', order(`o${i}`));
    expect(c.closed).toMatch(/throttle limit of 2/);
    expect(c.last().msgType).toBe('5');
  });

  it('answers a Logout with a Logout, disconnects and reports the disconnect', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.send('5', [[58, 'bye']]);
    expect(c.last().msgType).toBe('5');
    expect(c.closed).toMatch(/peer logged out: bye/);
    expect(h.app.disconnects).toEqual(['VENUE-CLIENT1: peer logged out: bye']);
    expect(h.acceptor.session('VENUE-CLIENT1')).toBeUndefined();
  });

  it('graceful venue logout waits for the peer Logout, or times out', () => {
    const h = new Harness({ logoutTimeoutMs: 2000 });
    const c = h.client();
    c.logon();
    c.session.logout('shutting down');
    expect(c.last().get(Tag.Text)).toBe('shutting down');
    expect(c.closed).toBeUndefined();
    h.clock.advance(2000);
    h.acceptor.onTimer();
    expect(c.closed).toBe('no Logout reply');
  });

  it('journals messages for an offline session; the client recovers them by ResendRequest', () => {
    const h = new Harness();
    const c = h.client();
    c.logon();
    c.send('5');
    expect(h.acceptor.sendToSession('CLIENT1', '8', [{ tag: 37, value: 'LATE' }])).toBe('journaled');
    const c2 = h.client();
    c2.seq = c.seq;
    c2.logon();
    expect(c2.last().getInt(Tag.MsgSeqNum)).toBe(4); // 1 logon, 2 logout, 3 the journaled ER
    c2.send('2', [
      [7, 3],
      [16, 3],
    ]);
    expect(c2.last().get(Tag.OrderID)).toBe('LATE');
    expect(c2.last().get(Tag.PossDupFlag)).toBe('Y');
  });
});

describe('credentials', () => {
  it('production mode refuses short passwords; SHA-256 digests are accepted', async () => {
    const { ConfiguredCredentials } = await import('@venue/gateway');
    expect(
      () => new ConfiguredCredentials([{ username: 'A', password: 'short' }], { production: true }),
    ).toThrow(/shorter than 12 characters/);
    const digest = (await import('node:crypto'))
      .createHash('sha256')
      .update('correct horse battery')
      .digest('hex');
    const creds = new ConfiguredCredentials([{ username: 'A', passwordSha256: digest, account: 'ACC-A' }], {
      production: true,
    });
    expect(creds.authenticate('A', 'correct horse battery')).toMatchObject({
      username: 'A',
      account: 'ACC-A',
    });
    expect(creds.authenticate('A', 'wrong')).toBeUndefined();
    expect(creds.authenticate('B', 'correct horse battery')).toBeUndefined();
    expect(() => new ConfiguredCredentials([{ username: 'bad name', password: 'x' }])).toThrow(
      /invalid username/,
    );
  });
});
