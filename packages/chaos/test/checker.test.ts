import {
  check,
  type FinalOrderRead,
  type HistoryEvent,
  type ReplicaState,
  type ReportEvent,
} from '@venue/chaos';
import { describe, expect, it } from 'vitest';

// Hand-made histories: one that is valid, then each broken in one way the checker must catch.

const replicas: ReplicaState[] = [1, 2, 3].map((id) => ({
  id,
  stateHash: 'abc',
  hashIndex: 40,
  commitIndex: 40,
}));

const report = (
  r: Partial<ReportEvent> & Pick<ReportEvent, 'clOrdId' | 'execType' | 'ordStatus'>,
): ReportEvent => ({
  type: 'report',
  process: 0,
  timeMs: 1,
  msgType: '8',
  origClOrdId: '',
  orderId: '1',
  execId: '1',
  symbol: 'ZVZZT',
  side: '1',
  orderQty: 5,
  lastQty: 0,
  lastPx: '',
  cumQty: 0,
  leavesQty: 5,
  ...r,
});

const newOrder = (process: number, opId: number, clOrdId: string, side: 'buy' | 'sell'): HistoryEvent[] => [
  {
    type: 'invoke',
    process,
    opId,
    timeMs: opId * 10,
    kind: 'new',
    clOrdId,
    origClOrdId: '',
    symbol: 'ZVZZT',
    side,
    qty: 5,
    price: '100.00',
  },
];

const ok = (process: number, opId: number, orderId: string): HistoryEvent => ({
  type: 'ok',
  process,
  opId,
  timeMs: opId * 10 + 5,
  orderId,
  ordStatus: '',
  cumQty: 0,
  text: '',
});

const read = (
  clOrdId: string,
  found: boolean,
  orderId = '',
  cumQty = 0,
  ordStatus = '1',
): FinalOrderRead => ({
  process: 0,
  clOrdId,
  found,
  orderId,
  ordStatus: found ? ordStatus : '',
  cumQty,
  leavesQty: found ? 5 - cumQty : 0,
});

/** A buy (order 1, rests, partly filled 2) and a sell (order 2, 2 lots, filled) that trade at 100.00. */
function validHistory(): HistoryEvent[] {
  return [
    ...newOrder(0, 1, 'B1', 'buy'),
    report({ clOrdId: 'B1', execType: '0', ordStatus: '0', orderId: '1', execId: '1' }),
    ok(0, 1, '1'),
    ...newOrder(1, 2, 'S1', 'sell'),
    report({
      process: 1,
      clOrdId: 'S1',
      execType: '0',
      ordStatus: '0',
      orderId: '2',
      execId: '2',
      side: '2',
      orderQty: 2,
    }),
    ok(1, 2, '2'),
    report({
      clOrdId: 'B1',
      execType: 'F',
      ordStatus: '1',
      orderId: '1',
      execId: '3',
      lastQty: 2,
      lastPx: '100',
      cumQty: 2,
      leavesQty: 3,
    }),
    report({
      process: 1,
      clOrdId: 'S1',
      execType: 'F',
      ordStatus: '2',
      orderId: '2',
      execId: '4',
      side: '2',
      orderQty: 2,
      lastQty: 2,
      lastPx: '100',
      cumQty: 2,
      leavesQty: 0,
    }),
  ];
}

const validReads = (): FinalOrderRead[] => [read('B1', true, '1', 2), read('S1', false)];

describe('checker', () => {
  it('accepts a consistent history: acknowledged orders present or done, fills matched, replicas equal', () => {
    const r = check(validHistory(), { reads: validReads(), replicas });
    expect(r.violations).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.stats.ordersAcknowledged).toBe(2);
    expect(r.stats.ordersLive).toBe(1);
    expect(r.stats.ordersTerminal).toBe(1);
    expect(r.stats.fills).toBe(2);
    expect(r.stats.replicasAgreeing).toBe(3);
  });

  it('catches a lost acknowledged order (acknowledged, never done, missing at the end)', () => {
    const reads = [read('B1', false), read('S1', false)];
    const r = check(validHistory(), { reads, replicas });
    expect(r.valid).toBe(false);
    expect(r.violations.map((v) => v.property)).toContain('ack-lost');
    expect(r.violations.find((v) => v.property === 'ack-lost')?.subject).toBe('B1');
  });

  it('does not judge an order whose final read did not complete (unread), and still catches it when read', () => {
    const unread = check(validHistory(), { reads: [read('S1', false)], replicas });
    expect(unread.valid).toBe(true);
    expect(unread.stats.ordersUnread).toBe(1);
    const readMissing = check(validHistory(), { reads: [read('B1', false), read('S1', false)], replicas });
    expect(readMissing.valid).toBe(false);
  });

  it('does not call an order lost when a cancel for it is indeterminate', () => {
    const history: HistoryEvent[] = [
      ...validHistory(),
      {
        type: 'invoke',
        process: 0,
        opId: 9,
        timeMs: 90,
        kind: 'cancel',
        clOrdId: 'C1',
        origClOrdId: 'B1',
        symbol: 'ZVZZT',
        side: 'buy',
        qty: 5,
        price: '100.00',
      },
      {
        type: 'info',
        process: 0,
        opId: 9,
        timeMs: 99,
        orderId: '',
        ordStatus: '',
        cumQty: 0,
        text: 'timeout',
      },
    ];
    const r = check(history, { reads: [read('B1', false), read('S1', false)], replicas });
    expect(r.valid).toBe(true);
    expect(r.stats.ordersUndecided).toBe(1);
  });

  it('catches a doubled fill: the same ExecID with different quantities, and fills beyond CumQty', () => {
    const history = [
      ...validHistory(),
      report({
        clOrdId: 'B1',
        execType: 'F',
        ordStatus: '1',
        orderId: '1',
        execId: '3',
        lastQty: 3,
        lastPx: '100',
        cumQty: 2,
      }),
    ];
    const r = check(history, { reads: validReads(), replicas });
    expect(r.valid).toBe(false);
    expect(r.violations.filter((v) => v.property === 'fill-doubled').map((v) => v.subject)).toEqual(['3']);

    const extra = [
      ...validHistory(),
      report({
        clOrdId: 'B1',
        execType: 'F',
        ordStatus: '1',
        orderId: '1',
        execId: '5',
        lastQty: 2,
        lastPx: '100',
        cumQty: 2,
      }),
    ];
    const r2 = check(extra, { reads: validReads(), replicas });
    const props = r2.violations.map((v) => v.property);
    expect(props).toContain('fill-doubled'); // order 1 got 4 in fills, the venue says 2
    expect(props).toContain('fill-unmatched'); // buyers 4 at 100, sellers 2
  });

  it('catches a lost fill: the venue reports more filled than the owner was told', () => {
    const reads = [read('B1', true, '1', 3), read('S1', false)];
    const r = check(validHistory(), { reads, replicas });
    expect(r.violations.map((v) => v.property)).toEqual(['fill-lost']);
  });

  it('catches a duplicated order: one ClOrdID accepted twice as two orders', () => {
    const history = [
      ...validHistory(),
      report({ clOrdId: 'B1', execType: '0', ordStatus: '0', orderId: '7', execId: '9' }),
    ];
    const r = check(history, { reads: validReads(), replicas });
    expect(r.violations.map((v) => v.property)).toContain('order-duplicated');
  });

  it('catches an order that reads as live after its owner was told it was canceled', () => {
    const history = [
      ...validHistory(),
      report({
        clOrdId: 'B1',
        execType: '4',
        ordStatus: '4',
        orderId: '1',
        execId: '8',
        cumQty: 2,
        leavesQty: 0,
      }),
    ];
    const r = check(history, { reads: validReads(), replicas });
    expect(r.violations.map((v) => v.property)).toEqual(['order-status-inconsistent']);
  });

  it('catches hash divergence and a replica that is behind', () => {
    const diverged = replicas.map((x) => (x.id === 2 ? { ...x, stateHash: 'abd' } : x));
    const r = check(validHistory(), { reads: validReads(), replicas: diverged });
    expect(r.violations.map((v) => v.property)).toEqual(['replica-divergence']);
    expect(r.stats.replicasAgreeing).toBe(2);

    const behind = replicas.map((x) => (x.id === 3 ? { ...x, hashIndex: 39 } : x));
    expect(check(validHistory(), { reads: validReads(), replicas: behind }).valid).toBe(false);

    const down = replicas.map((x) => (x.id === 1 ? { ...x, stateHash: null } : x));
    expect(check(validHistory(), { reads: validReads(), replicas: down }).valid).toBe(false);
  });

  it('does not read a rejected request about a live order (status of an old ClOrdID) as the order ending', () => {
    const history = [
      ...validHistory(),
      report({
        clOrdId: 'B1',
        execType: '8',
        ordStatus: '8',
        orderId: 'NONE',
        execId: '8',
        cumQty: 0,
        leavesQty: 0,
      }),
    ];
    expect(check(history, { reads: validReads(), replicas }).violations).toEqual([]);
  });

  it('catches an acknowledgement while a majority of members was down (kill-two window)', () => {
    const fault = (timeMs: number, phase: 'start' | 'stop'): HistoryEvent => ({
      type: 'fault',
      timeMs,
      fault: 'kill-two',
      nodes: [1, 2],
      phase,
    });
    const during: HistoryEvent[] = [fault(0, 'start'), ...validHistory(), fault(100, 'stop')];
    expect(check(during, { reads: validReads(), replicas }).violations.map((v) => v.property)).toEqual([
      'ack-without-quorum',
      'ack-without-quorum',
    ]);
    const after: HistoryEvent[] = [fault(0, 'start'), fault(5, 'stop'), ...validHistory()];
    expect(check(after, { reads: validReads(), replicas }).valid).toBe(true);
  });

  it('power-loss-all opens a no-quorum window; a member refusing to start after a power loss is a violation', () => {
    const fault = (timeMs: number, phase: 'start' | 'stop', detail?: string): HistoryEvent => ({
      type: 'fault',
      timeMs,
      fault: 'power-loss-all',
      nodes: [1, 2, 3],
      phase,
      ...(detail === undefined ? {} : { detail }),
    });
    const during: HistoryEvent[] = [fault(0, 'start'), ...validHistory(), fault(100, 'stop', 'restarted')];
    expect(check(during, { reads: validReads(), replicas }).violations.map((v) => v.property)).toEqual([
      'ack-without-quorum',
      'ack-without-quorum',
    ]);
    const refused: HistoryEvent[] = [
      fault(0, 'start'),
      fault(5, 'stop', 'REFUSED TO START after power loss: node(s) 2; data deleted, re-synced from peers'),
      ...validHistory(),
    ];
    expect(check(refused, { reads: validReads(), replicas }).violations.map((v) => v.property)).toEqual([
      'power-loss-refused',
    ]);
    const fine: HistoryEvent[] = [fault(0, 'start'), fault(5, 'stop', 'restarted'), ...validHistory()];
    expect(check(fine, { reads: validReads(), replicas }).valid).toBe(true);
  });

  it('catches a rejected order that exists at the end', () => {
    const history: HistoryEvent[] = [
      ...validHistory(),
      ...newOrder(0, 5, 'R1', 'buy'),
      {
        type: 'fail',
        process: 0,
        opId: 5,
        timeMs: 55,
        orderId: 'NONE',
        ordStatus: '',
        cumQty: 0,
        text: 'no',
      },
    ];
    const r = check(history, { reads: [...validReads(), read('R1', true, '9', 0, '0')], replicas });
    expect(r.violations.map((v) => v.property)).toEqual(['rejected-order-exists']);
  });
});

describe('checker: order-status reads are linearizable per order', () => {
  const inv = (opId: number, timeMs: number, kind: 'new' | 'cancel' | 'status', clOrdId: string, orig = '') =>
    ({
      type: 'invoke',
      process: 0,
      opId,
      timeMs,
      kind,
      clOrdId,
      origClOrdId: orig,
      symbol: 'ZVZZT',
      side: 'buy',
      qty: 5,
      price: '100.00',
    }) as const;
  const done = (opId: number, timeMs: number, ordStatus = '', cumQty = 0) =>
    ({ type: 'ok', process: 0, opId, timeMs, orderId: '1', ordStatus, cumQty, text: '' }) as const;
  const base: HistoryEvent[] = [
    inv(1, 0, 'new', 'N1'),
    report({ clOrdId: 'N1', execType: '0', ordStatus: '0' }),
    done(1, 5),
  ];
  const finalState = { reads: [read('N1', false)], replicas };
  const cancelReport = report({
    clOrdId: 'X1',
    origClOrdId: 'N1',
    execType: '4',
    ordStatus: '4',
    execId: '2',
  });

  it('accepts a read that overlaps the cancel (it may linearize before it)', () => {
    const history: HistoryEvent[] = [
      ...base,
      inv(2, 10, 'cancel', 'X1', 'N1'),
      inv(3, 11, 'status', 'N1', 'N1'),
      done(3, 14, '0', 0),
      cancelReport,
      done(2, 15),
    ];
    const r = check(history, finalState);
    expect(r.violations).toEqual([]);
    expect(r.stats.ordersReadChecked).toBe(1);
  });

  it('catches a stale read: the order reads as live after its cancel was acknowledged', () => {
    const history: HistoryEvent[] = [
      ...base,
      inv(2, 10, 'cancel', 'X1', 'N1'),
      cancelReport,
      done(2, 15),
      inv(3, 20, 'status', 'N1', 'N1'),
      done(3, 25, '0', 0),
    ];
    const r = check(history, finalState);
    expect(r.violations.map((v) => v.property)).toEqual(['read-not-linearizable']);
  });

  it('catches a read that goes back in time (less filled than an earlier read)', () => {
    const history: HistoryEvent[] = [
      ...base,
      inv(2, 10, 'status', 'N1', 'N1'),
      done(2, 12, '1', 3),
      inv(3, 20, 'status', 'N1', 'N1'),
      done(3, 22, '0', 0),
    ];
    const r = check(history, { reads: [read('N1', true, '1', 0, '0')], replicas });
    expect(r.violations.map((v) => v.property)).toContain('read-not-linearizable');
  });
});
