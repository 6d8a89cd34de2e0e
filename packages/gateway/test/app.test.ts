import { DEMO_INSTRUMENTS, InstrumentCatalog, Tag } from '@venue/gateway';
import { describe, expect, it } from 'vitest';
import { GatewayHarness } from './fakes/gateway-harness.js';

const T = '20260105-09:00:00';
const nos = (id: string, side: '1' | '2', qty: string, px: string, extra: Array<[number, string]> = []) =>
  [[11, id], [55, 'BTC-USD'], [54, side], [60, T], [38, qty], [40, '2'], [44, px], ...extra] as Array<
    [number, string]
  >;

describe('decimal conversion (decimal.js) at the edge', () => {
  const cat = new InstrumentCatalog(DEMO_INSTRUMENTS);
  it('converts on-grid prices and quantities exactly', () => {
    expect(cat.priceToTicks('BTC-USD', '100.01')).toEqual({ ok: true, value: 10001 });
    expect(cat.priceToTicks('BTC-USD', '0.3')).toEqual({ ok: true, value: 30 });
    expect(cat.qtyToLots('BTC-USD', '0.0003')).toEqual({ ok: true, value: 3 });
    expect(cat.ticksToPrice('BTC-USD', 10001)).toBe('100.01');
    expect(cat.lotsToQty('ETH-USD', 1500)).toBe('1.5');
    expect(cat.avgPrice('BTC-USD', 10001 * 1 + 10003 * 1, 2)).toBe('100.02');
  });
  it('refuses off-grid values with a clear text', () => {
    expect(cat.priceToTicks('BTC-USD', '100.005', 'Price(44)')).toEqual({
      ok: false,
      text: 'Price(44) 100.005 is not a multiple of the tick size 0.01 for BTC-USD',
    });
    expect(cat.qtyToLots('ACME', '1.5', 'OrderQty(38)')).toMatchObject({
      ok: false,
      text: expect.stringMatching(/lot size 1 for ACME/),
    });
    expect(cat.qtyToLots('ACME', '0')).toMatchObject({
      ok: false,
      text: expect.stringMatching(/must be positive/),
    });
    expect(cat.priceToTicks('NOPE', '1')).toMatchObject({ ok: false });
  });
});

describe('application messages end to end through the session layer', () => {
  it('NewOrderSingle -> ExecutionReport New with the required fields, then a trade against a second session', () => {
    const h = new GatewayHarness();
    const a = h.client('CLIENT1');
    const b = h.client('CLIENT2');
    a.send('D', nos('a1', '2', '0.5', '100.10'));
    const [ack] = a.take();
    expect(ack?.msgType).toBe('8');
    for (const tag of [37, 17, 150, 39, 55, 54, 151, 14, 6]) expect(ack?.has(tag)).toBe(true);
    expect([ack?.get(150), ack?.get(39), ack?.get(11), ack?.get(151), ack?.get(14)]).toEqual([
      '0',
      '0',
      'a1',
      '0.5',
      '0',
    ]);
    expect(ack?.get(Tag.Price)).toBe('100.1');
    b.send('D', nos('b1', '1', '0.2', '100.20'));
    const bMsgs = b.take();
    expect(bMsgs.map((m) => [m.get(150), m.get(39)])).toEqual([
      ['0', '0'],
      ['F', '2'],
    ]);
    expect([bMsgs[1]?.get(31), bMsgs[1]?.get(32), bMsgs[1]?.get(6), bMsgs[1]?.get(151)]).toEqual([
      '100.1',
      '0.2',
      '100.1',
      '0',
    ]);
    const aFill = a.take()[0];
    expect([aFill?.get(150), aFill?.get(39), aFill?.get(14), aFill?.get(151)]).toEqual([
      'F',
      '1',
      '0.2',
      '0.3',
    ]);
  });

  it('rejects price off tick and qty off lot with a clear Text (ExecutionReport 8/8), handler untouched', () => {
    const h = new GatewayHarness();
    const a = h.client('CLIENT1');
    a.send('D', nos('x1', '1', '1', '100.005'));
    a.send('D', nos('x2', '1', '0.00005', '100'));
    const [r1, r2] = a.take();
    expect([r1?.get(150), r1?.get(39), r1?.get(58)]).toEqual([
      '8',
      '8',
      'Price(44) 100.005 is not a multiple of the tick size 0.01 for BTC-USD',
    ]);
    expect(r2?.get(58)).toBe('OrderQty(38) 0.00005 is not a multiple of the lot size 0.0001 for BTC-USD');
    expect(r2?.get(Tag.OrdRejReason)).toBe('13');
    expect(h.handler.received).toHaveLength(0);
  });

  it.each([
    ['unknown symbol', [[55, 'DOGE']], /Unknown symbol DOGE/],
    ['limit without price', [[44, undefined]], /Price\(44\) is required/],
    ['unsupported TIF', [[59, '2']], /TimeInForce\(59\)=2 is not supported/],
    ['another account', [[1, 'CLIENT2']], /not this session's account/],
    ['bad OrdType', [[40, 'P']], /OrdType\(40\)/],
  ] as Array<[string, Array<[number, string | undefined]>, RegExp]>)(
    'rejects NewOrderSingle with %s',
    (_n, changes, text) => {
      const h = new GatewayHarness();
      const a = h.client('CLIENT1');
      let body = nos('q', '1', '1', '100');
      for (const [tag, value] of changes) {
        body = body.filter(([t]) => t !== tag);
        if (value !== undefined) body.push([tag, value]);
      }
      a.send('D', body);
      const r = a.take()[0];
      expect(r?.msgType).toBe('8');
      expect(r?.get(150)).toBe('8');
      expect(r?.get(58)).toMatch(text);
      expect(h.handler.received).toHaveLength(0);
    },
  );

  it('GTD with ExpireTime and iceberg MaxFloor reach the handler in ms and lots; bad ones are rejected', () => {
    const h = new GatewayHarness();
    const a = h.client('CLIENT1');
    a.send(
      'D',
      nos('g1', '1', '1', '100', [
        [59, '6'],
        [126, '20260105-17:30:00'],
        [111, '0.1'],
      ]),
    );
    const req = h.handler.received[0]?.req as {
      timeInForce: string;
      expireAtMs: number;
      displayQtyLots: number;
    };
    expect([req.timeInForce, req.expireAtMs, req.displayQtyLots]).toEqual([
      'gtd',
      Date.UTC(2026, 0, 5, 17, 30),
      1000,
    ]);
    a.take();
    a.send('D', nos('g2', '1', '1', '100', [[59, '6']]));
    expect(a.take()[0]?.get(58)).toMatch(/ExpireTime\(126\) is required/);
    a.send('D', nos('g3', '1', '1', '100', [[111, '2']]));
    expect(a.take()[0]?.get(58)).toMatch(/MaxFloor\(111\) must not exceed/);
    a.send('D', nos('x'.repeat(33), '1', '1', '100'));
    expect(a.take()[0]?.get(58)).toMatch(/ClOrdID\(11\) must be 1 to 32 printable/);
    expect(h.handler.received).toHaveLength(1);
  });

  it('duplicate ClOrdID on a live order is rejected', () => {
    const h = new GatewayHarness();
    const a = h.client('CLIENT1');
    a.send('D', nos('dup', '1', '1', '100'));
    a.send('D', nos('dup', '1', '1', '100'));
    const msgs = a.take();
    expect(msgs[1]?.get(150)).toBe('8');
    expect(msgs[1]?.get(Tag.OrdRejReason)).toBe('6');
    expect(msgs[1]?.get(58)).toMatch(/Duplicate ClOrdID/);
  });

  it('cancel, replace, status; a session cannot touch another account', () => {
    const h = new GatewayHarness();
    const a = h.client('CLIENT1');
    const b = h.client('CLIENT2');
    a.send('D', nos('o1', '1', '1', '100'));
    a.take();
    b.send('F', [
      [41, 'o1'],
      [11, 'steal'],
      [55, 'BTC-USD'],
      [54, '1'],
      [60, T],
      [38, '1'],
    ]);
    const stolen = b.take()[0];
    expect([stolen?.msgType, stolen?.get(Tag.CxlRejReason), stolen?.get(Tag.CxlRejResponseTo)]).toEqual([
      '9',
      '1',
      '1',
    ]);
    a.send('G', [
      [41, 'o1'],
      [11, 'o2'],
      [55, 'BTC-USD'],
      [54, '1'],
      [60, T],
      [38, '2'],
      [40, '2'],
      [44, '99.5'],
    ]);
    const rep = a.take()[0];
    expect([rep?.get(150), rep?.get(39), rep?.get(11), rep?.get(41), rep?.get(44), rep?.get(38)]).toEqual([
      '5',
      '0',
      'o2',
      'o1',
      '99.5',
      '2',
    ]);
    a.send('H', [
      [11, 'o2'],
      [55, 'BTC-USD'],
      [54, '1'],
    ]);
    const st = a.take()[0];
    expect([st?.get(150), st?.get(39), st?.get(151)]).toEqual(['I', '0', '2']);
    a.send('F', [
      [41, 'o2'],
      [11, 'o3'],
      [55, 'BTC-USD'],
      [54, '1'],
      [60, T],
      [38, '2'],
    ]);
    const cx = a.take()[0];
    expect([cx?.get(150), cx?.get(39), cx?.get(41), cx?.get(151)]).toEqual(['4', '4', 'o2', '0']);
    a.send('F', [
      [41, 'o3'],
      [11, 'o4'],
      [55, 'BTC-USD'],
      [54, '1'],
      [60, T],
      [38, '2'],
    ]);
    expect(a.take()[0]?.msgType).toBe('9');
  });

  it('replace with an off-tick price is answered by OrderCancelReject 434=2 with Text', () => {
    const h = new GatewayHarness();
    const a = h.client('CLIENT1');
    a.send('G', [
      [41, 'o1'],
      [11, 'o2'],
      [55, 'BTC-USD'],
      [54, '1'],
      [60, T],
      [38, '2'],
      [40, '2'],
      [44, '99.999'],
    ]);
    const r = a.take()[0];
    expect([r?.msgType, r?.get(434), r?.get(37)]).toEqual(['9', '2', 'NONE']);
    expect(r?.get(58)).toMatch(/not a multiple of the tick size/);
  });

  it('mass cancel (q -> r) cancels only own orders', () => {
    const h = new GatewayHarness();
    const a = h.client('CLIENT1');
    const b = h.client('CLIENT2');
    a.send('D', nos('a1', '1', '1', '90'));
    a.send('D', nos('a2', '1', '1', '91'));
    b.send('D', nos('b1', '1', '1', '92'));
    a.take();
    b.take();
    a.send('q', [
      [11, 'mc'],
      [530, '7'],
      [60, T],
    ]);
    const msgs = a.take();
    expect(msgs.filter((m) => m.get(150) === '4')).toHaveLength(2);
    const r = msgs.find((m) => m.msgType === 'r');
    expect([r?.get(530), r?.get(531), r?.get(533)]).toEqual(['7', '7', '2']);
    expect(b.take()).toEqual([]);
    a.send('q', [
      [11, 'mc2'],
      [530, '3'],
      [60, T],
    ]);
    const rej = a.take()[0];
    expect([rej?.msgType, rej?.get(531), rej?.get(532)]).toEqual(['r', '0', '0']);
  });

  it('security list (x -> y) with tick and lot sizes', () => {
    const h = new GatewayHarness();
    const a = h.client('CLIENT1');
    a.send('x', [
      [320, 's1'],
      [559, '4'],
    ]);
    const y = a.take()[0];
    expect(y?.msgType).toBe('y');
    expect(y?.get(560)).toBe('0');
    const g = y?.group(146, 55, [107, 15, 561, 58]);
    expect(g?.ok && g.entries.map((e) => [e.get(55), e.get(58), e.get(561)])).toEqual([
      ['BTC-USD', 'tickSize=0.01 lotSize=0.0001', '0.0001'],
      ['ETH-USD', 'tickSize=0.01 lotSize=0.001', '0.001'],
      ['ACME', 'tickSize=0.01 lotSize=1', '1'],
      ['ZVZZT', 'tickSize=0.01 lotSize=1', '1'],
    ]);
  });

  it('market data: V -> W snapshot, then X incremental; bad requests -> Y', () => {
    const h = new GatewayHarness();
    const a = h.client('CLIENT1');
    const b = h.client('CLIENT2');
    a.send('D', nos('a1', '1', '1', '99'));
    a.take();
    b.send('V', [
      [262, 'md1'],
      [263, '1'],
      [264, '0'],
      [267, 2],
      [269, '0'],
      [269, '1'],
      [146, 1],
      [55, 'BTC-USD'],
    ]);
    const w = b.take()[0];
    expect(w?.msgType).toBe('W');
    const entries = w?.group(268, 269, [270, 271]);
    expect(entries?.ok && entries.entries.map((e) => [e.get(269), e.get(270), e.get(271)])).toEqual([
      ['0', '99', '1'],
    ]);
    a.send('D', nos('a2', '2', '2', '101'));
    const x = b.take()[0];
    expect(x?.msgType).toBe('X');
    const xe = x?.group(268, 279, [269, 55, 270, 271, 346]);
    expect(xe?.ok && xe.entries.map((e) => [e.get(279), e.get(269), e.get(270), e.get(271)])).toEqual([
      ['0', '1', '101', '2'],
    ]);
    b.send('V', [
      [262, 'md2'],
      [263, '1'],
      [264, '0'],
      [267, 1],
      [269, '9'],
      [146, 1],
      [55, 'BTC-USD'],
    ]);
    const y = b.take()[0];
    expect([y?.msgType, y?.get(281)]).toEqual(['Y', '8']);
    b.send('V', [
      [262, 'md3'],
      [263, '1'],
      [264, '0'],
      [267, 1],
      [269, '0'],
      [146, 1],
      [55, 'NOPE'],
    ]);
    expect(b.take()[0]?.get(281)).toBe('0');
  });

  it('reports cancel-on-disconnect to the handler, which cancels the resting orders', () => {
    const h = new GatewayHarness();
    const a = h.client('CLIENT1');
    a.send('D', nos('a1', '1', '1', '99'));
    a.take();
    h.gateway.acceptor.connectionClosed(a.session, 'socket reset');
    expect(h.handler.disconnects).toEqual([
      { username: 'CLIENT1', info: { reason: 'socket reset', cancelOnDisconnect: true } },
    ]);
    // The cancel went to the offline journal: seq 1 logon, 2 ack, 3 the cancel.
    const store = h.gateway.acceptor.stores.open('VENUE-CLIENT1');
    expect(store.nextSenderSeq).toBe(4);
    expect(store.range(3, 3)[0]?.wire).toContain('\x01150=4\x01');
  });
});

describe('rendering details', () => {
  it('puts LastMsgSeqNumProcessed(369) of a snapshot into the standard header', async () => {
    const { decodeFix } = await import('@venue/gateway');
    const h = new GatewayHarness();
    h.gateway.events.emit('CLIENT4', {
      kind: 'marketDataSnapshot',
      mdReqId: 'm',
      symbol: 'ETH-USD',
      lastSeqProcessed: 42,
      entries: [{ type: 'offer', priceTicks: 250_001, sizeLots: 1500, numberOfOrders: 2 }],
    });
    const wire = h.gateway.acceptor.stores.open('VENUE-CLIENT4').range(1, 1)[0]?.wire ?? '';
    const r = decodeFix(wire);
    expect(r.kind).toBe('ok');
    if (r.kind !== 'ok') return;
    expect(r.msg.fields.map((f) => f.tag)).toEqual([
      8, 9, 35, 49, 56, 34, 52, 369, 262, 55, 268, 269, 270, 271, 346, 10,
    ]);
    expect([r.msg.get(270), r.msg.get(271)]).toEqual(['2500.01', '1.5']);
  });

  it('drops (and counts) an event the integration got wrong instead of crashing', () => {
    const h = new GatewayHarness();
    h.gateway.events.emit('CLIENT1', {
      kind: 'marketDataSnapshot',
      mdReqId: 'm',
      symbol: 'NOPE',
      entries: [{ type: 'bid', priceTicks: 1, sizeLots: 1 }],
    });
    expect(h.gateway.app.stats.renderErrors).toBe(1);
    expect(h.gateway.acceptor.stores.open('VENUE-CLIENT1').nextSenderSeq).toBe(1);
  });

  it('a throwing handler costs one request (BusinessMessageReject 380=4), not the session', () => {
    const h = new GatewayHarness();
    const a = h.client('CLIENT1');
    h.handler.onNewOrder = () => {
      throw new Error('boom');
    };
    a.send('D', nos('t1', '1', '1', '100'));
    const j = a.take()[0];
    expect([j?.msgType, j?.get(380), j?.get(379)]).toEqual(['j', '4', 't1']);
    expect(h.gateway.app.stats.handlerErrors).toBe(1);
    expect(a.session.state).toBe('active');
  });
});
