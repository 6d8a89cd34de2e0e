import {
  ExecType,
  type ExecutionReportMessage,
  OrderType,
  OrdStatus,
  Side,
  TimeInForce,
} from '@venue/matching';
import { describe, expect, it } from 'vitest';
import { formatOrders } from '../src/commands/orders.js';
import { DEFAULT_CONFIG } from '../src/config/config.js';

const report = (p: Partial<ExecutionReportMessage>): ExecutionReportMessage => ({
  type: 'execution',
  execType: ExecType.OrderStatus,
  ordStatus: OrdStatus.New,
  execId: 0,
  orderId: 1,
  clOrdId: '',
  origClOrdId: '',
  accountId: 1,
  instrumentId: 1,
  side: Side.Buy,
  orderType: OrderType.Limit,
  tif: TimeInForce.GTC,
  priceTicks: 0,
  stopPriceTicks: 0,
  orderQtyLots: 0,
  displayQtyLots: 0,
  lastPxTicks: 0,
  lastQtyLots: 0,
  cumQtyLots: 0,
  leavesQtyLots: 0,
  cumNotional: 0,
  tradeId: 0,
  aggressor: false,
  reason: 0,
  text: '',
  rejectedCommand: 0,
  timestampMs: 0,
  ...p,
});

describe('venue orders table', () => {
  it("prints decimals in the instrument's units, aligned, and raw units for an instrument not in the config", () => {
    const text = formatOrders(DEFAULT_CONFIG, 'CLIENT1 (account 1)', [
      report({
        orderId: 7,
        clOrdId: 'btc-1',
        instrumentId: 1, // BTC-USD: tick 0.01, lot 0.0001
        priceTicks: 6_000_012,
        orderQtyLots: 15_000,
        cumQtyLots: 5_000,
        leavesQtyLots: 10_000,
        ordStatus: OrdStatus.PartiallyFilled,
      }),
      report({
        orderId: 12,
        instrumentId: 4, // ZVZZT: tick 0.01, lot 1
        side: Side.Sell,
        orderType: OrderType.Stop,
        tif: TimeInForce.Day,
        stopPriceTicks: 9_500,
        orderQtyLots: 3,
        leavesQtyLots: 3,
      }),
      report({ orderId: 13, instrumentId: 99, priceTicks: 5, orderQtyLots: 2, leavesQtyLots: 2 }),
    ]);
    expect(text.split('\n')).toEqual([
      'CLIENT1 (account 1): 3 open orders',
      'ORDER  CLORDID  SYMBOL   SIDE  TYPE   TIF     PRICE   STOP     QTY  FILLED  LEAVES  STATUS',
      '7      btc-1    BTC-USD  buy   limit  gtc  60000.12      -  1.5000  0.5000  1.0000  partial',
      '12     -        ZVZZT    sell  stop   day         -  95.00       3       0       3  new',
      '13     -        #99      buy   limit  gtc        5t      -      2l      0l      2l  new',
      '',
    ]);
  });

  it('says when there is nothing, and when the list was cut', () => {
    expect(formatOrders(DEFAULT_CONFIG, 'account 5', [])).toBe('account 5: no open orders\n');
    const cut = formatOrders(DEFAULT_CONFIG, 'account 5', [
      report({ instrumentId: 4, orderQtyLots: 1, leavesQtyLots: 1, text: 'first 1 of 9 live orders' }),
    ]);
    expect(cut.split('\n')[0]).toBe('account 5: 1 open order (first 1 of 9 live orders)');
  });
});
