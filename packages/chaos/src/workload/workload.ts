import { type FixMessage, formatUtcTimestamp } from '@venue/gateway';
import { FixClient, type FixSeqNums } from '@venue/venue';
import type { History, InvokeEvent, OpKind } from '../history/history.js';
import type { Prng } from '../random/prng.js';
import { CLIENTS_MAX, loginOf } from './accounts.js';

export { CLIENTS_MAX, loginOf } from './accounts.js';

/** Instruments the workload trades: reference price in ticks (0.01) and a band the orders stay well inside. */
export const WORKLOAD_INSTRUMENTS = [
  { symbol: 'ZVZZT', refTicks: 10_000 },
  { symbol: 'ACME', refTicks: 5_000 },
] as const;

/** Prices within ±OFFSET_TICKS_MAX of the reference: inside the 10% band, and buys and sells cross. */
export const OFFSET_TICKS_MAX = 20;
export const QTY_MAX = 10;

export interface WorkloadOptions {
  readonly clients: number;
  readonly fixPort: number;
  readonly fixWsUrl: string;
  readonly durationMs: number;
  readonly opsPerClientMax: number;
  readonly opTimeoutMs: number;
  readonly thinkMs: number;
  /**
   * Resume mode (FIX sequence numbers continued across connections, Logon 141=N, gaps recovered by
   * ResendRequest): needed when the gateway restarts during the run. Default: reset mode (141=Y).
   */
  readonly resume?: boolean;
  /**
   * A second gateway (`venue start`'s own, while `fixPort`/`fixWsUrl` are the separate gateway
   * process the nemesis restarts): processes 2 and 3 (CLIENT3 on TCP, CLIENT4 on WebSocket) trade
   * through it, so fills cross between gateways and each gateway's own reports are checked.
   */
  readonly secondGateway?: { readonly fixPort: number; readonly fixWsUrl: string };
}

/** FIX workload processes from this one on trade through `WorkloadOptions.secondGateway` when given. */
export const SECOND_GATEWAY_FROM_PROCESS = 2;

/** Which gateway a FIX workload process trades through (see `WorkloadOptions.secondGateway`). */
export function gatewayOf(process: number, options: WorkloadOptions): { fixPort: number; fixWsUrl: string } {
  return process >= SECOND_GATEWAY_FROM_PROCESS && options.secondGateway !== undefined
    ? options.secondGateway
    : options;
}

const RECONNECT_PAUSE_MS = 200;

/** An order a workload process placed and may still operate on (FIX or direct). */
export interface LiveOrder {
  readonly clOrdId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly priceTicks: number;
}

/** Workload prices are in ticks of 0.01 (both workload instruments). */
export const priceText = (ticks: number): string => (ticks / 100).toFixed(2);

/** A new limit order: a workload instrument, either side, 1..QTY_MAX lots, near the reference price. */
export function randomOrder(rng: Prng, clOrdId: string): LiveOrder {
  const inst = rng.pick(WORKLOAD_INSTRUMENTS);
  return {
    clOrdId,
    symbol: inst.symbol,
    side: rng.next() < 0.5 ? 'buy' : 'sell',
    qty: rng.int(1, QTY_MAX),
    priceTicks: inst.refTicks + rng.int(-OFFSET_TICKS_MAX, OFFSET_TICKS_MAX),
  };
}

/** What a cancel/replace of `target` asks for: a new quantity and price, same symbol and side. */
export function randomReplacement(rng: Prng, target: LiveOrder, clOrdId: string): LiveOrder {
  const inst = WORKLOAD_INSTRUMENTS.find((i) => i.symbol === target.symbol);
  if (inst === undefined) throw new Error(`unknown workload symbol ${target.symbol}`);
  return {
    ...target,
    clOrdId,
    qty: rng.int(1, QTY_MAX),
    priceTicks: inst.refTicks + rng.int(-OFFSET_TICKS_MAX, OFFSET_TICKS_MAX),
  };
}

/** The history's `invoke` event of one operation (every workload process records the same shape). */
export function invokeEvent(
  process: number,
  opId: number,
  timeMs: number,
  kind: OpKind,
  order: LiveOrder,
  origClOrdId: string,
): InvokeEvent {
  return {
    type: 'invoke',
    process,
    opId,
    timeMs,
    kind,
    clOrdId: order.clOrdId,
    origClOrdId,
    symbol: order.symbol,
    side: order.side,
    qty: order.qty,
    price: priceText(order.priceTicks),
  };
}

interface Outcome {
  readonly type: 'ok' | 'fail';
  readonly msg: FixMessage;
}

const num = (m: FixMessage, tag: number): number => {
  const n = Number(m.get(tag) ?? '0');
  return Number.isFinite(n) ? n : 0;
};
const price = priceText;

/**
 * One workload process: a FIX session (TCP or WebSocket) for one account, issuing one operation at a
 * time (like a Jepsen process) and recording each invocation, completion and report it receives.
 */
export class WorkloadClient {
  private readonly live = new Map<string, LiveOrder>();
  /**
   * ClOrdIDs reported filled or canceled. A fill can arrive in the same read as the acknowledgement,
   * before the operation's continuation runs: without this the client would think the order live.
   */
  private readonly done = new Set<string>();
  /** Every order this client created (by its latest ClOrdID): what the final reads ask about. */
  readonly chains: LiveOrder[] = [];
  private opSeq = 0;
  private seq = 0;
  /** Sessions opened again after the connection dropped (gateway restarts). */
  reconnects = 0;
  /** Resume mode: the sequence numbers the next connection continues from. */
  private seqNums: FixSeqNums | undefined;

  private constructor(
    readonly process: number,
    readonly transport: 'tcp' | 'ws',
    private fix: FixClient,
    private readonly history: History,
    private readonly rng: Prng,
  ) {}

  static async connect(
    process: number,
    options: WorkloadOptions,
    history: History,
    rng: Prng,
  ): Promise<WorkloadClient> {
    const transport = process % 2 === 0 ? 'tcp' : 'ws';
    const seqNums: FixSeqNums | undefined = options.resume === true ? { nextOut: 1, nextIn: 1 } : undefined;
    // Messages that arrive with the Logon answer are kept until the client exists (see `open`).
    let client: WorkloadClient | undefined;
    const early: FixMessage[] = [];
    const fix = await WorkloadClient.open(process, transport, options, seqNums, (m) => {
      if (client === undefined) early.push(m);
      else client.onMessage(m);
    });
    client = new WorkloadClient(process, transport, fix, history, rng);
    client.seqNums = seqNums;
    for (const m of early) client.onMessage(m);
    return client;
  }

  /**
   * Connects and logs on (resume mode: the same sequence numbers object on every connection).
   * `onMessage` is attached BEFORE the Logon: a report that arrives in the same read as the Logon
   * answer is delivered synchronously with it, before any code after `await logon()` runs; a
   * listener attached afterwards never sees it (the FixClient has already moved its sequence
   * number past it, so no resend brings it back). That is how one 10-minute run "lost" a fill.
   */
  private static async open(
    process: number,
    transport: 'tcp' | 'ws',
    options: WorkloadOptions,
    seqNums: FixSeqNums | undefined,
    onMessage: (m: FixMessage) => void,
  ): Promise<FixClient> {
    if (process >= CLIENTS_MAX) throw new Error(`at most ${CLIENTS_MAX} FIX clients`);
    const login = loginOf(process);
    const credentials = {
      username: login,
      password: 'demo',
      onMessage, // attached before anything arrives (see FixClientOptions.onMessage)
      ...(seqNums === undefined ? {} : { seqNums }),
    };
    const fix =
      transport === 'tcp'
        ? await FixClient.tcp('127.0.0.1', gatewayOf(process, options).fixPort, credentials)
        : await FixClient.ws(gatewayOf(process, options).fixWsUrl, credentials);
    let logon: FixMessage;
    try {
      logon = await fix.logon();
    } catch (e) {
      fix.close();
      throw e;
    }
    if (logon.msgType !== 'A') {
      fix.close();
      throw new Error(`${login}: logon refused: ${logon.get(58) ?? ''}`);
    }
    return fix;
  }

  /**
   * Resume mode: after the connection dropped (the gateway was killed), connects and logs on again
   * with the same sequence numbers until it works or the deadline passes. The venue resends what
   * the client missed (PossDupFlag=Y) when the client's ResendRequest asks for it.
   */
  private async reconnect(options: WorkloadOptions, deadlineMs: number): Promise<boolean> {
    if (this.seqNums === undefined) return false;
    while (Date.now() < deadlineMs) {
      try {
        this.fix = await WorkloadClient.open(this.process, this.transport, options, this.seqNums, (m) =>
          this.onMessage(m),
        );
        this.reconnects += 1;
        return true;
      } catch {
        await new Promise((r) => setTimeout(r, RECONNECT_PAUSE_MS));
      }
    }
    return false;
  }

  close(): void {
    this.fix.close();
  }

  /** Runs operations until the deadline or the op budget, one at a time. */
  async run(options: WorkloadOptions, deadlineMs: number): Promise<void> {
    for (let i = 0; i < options.opsPerClientMax; i++) {
      if (Date.now() >= deadlineMs || this.history.isFull) return;
      if (this.fix.isClosed && !(await this.reconnect(options, deadlineMs))) return;
      await this.step(options.opTimeoutMs);
      await new Promise((r) => setTimeout(r, this.rng.int(0, options.thinkMs)));
    }
  }

  private async step(timeoutMs: number): Promise<void> {
    const r = this.rng.next();
    const orders = [...this.live.values()];
    if (orders.length === 0 || r < 0.5) return this.newOrder(timeoutMs);
    const target = this.rng.pick(orders);
    if (r < 0.7) return this.cancel(target, timeoutMs);
    if (r < 0.9) return this.replace(target, timeoutMs);
    await this.status(target.clOrdId, target.symbol, target.side, timeoutMs);
  }

  private setLive(order: LiveOrder): void {
    if (!this.done.has(order.clOrdId)) this.live.set(order.clOrdId, order);
  }

  private nextClOrdId(): string {
    this.seq += 1;
    return `P${this.process}-${this.seq}`;
  }

  private async newOrder(timeoutMs: number): Promise<void> {
    const order = randomOrder(this.rng, this.nextClOrdId());
    this.chains.push(order);
    const outcome = await this.invoke('new', order, '', timeoutMs, (m) =>
      m.msgType === '8' && m.get(11) === order.clOrdId
        ? m.get(150) === '8'
          ? 'fail'
          : m.get(150) === '0' || m.get(150) === 'F'
            ? 'ok'
            : undefined
        : undefined,
    );
    if (outcome !== 'fail') this.setLive(order);
  }

  private async cancel(target: LiveOrder, timeoutMs: number): Promise<void> {
    const clOrdId = this.nextClOrdId();
    const outcome = await this.invoke('cancel', { ...target, clOrdId }, target.clOrdId, timeoutMs, (m) =>
      m.get(11) !== clOrdId
        ? undefined
        : m.msgType === '9'
          ? 'fail'
          : m.msgType === '8' && m.get(150) === '4'
            ? 'ok'
            : undefined,
    );
    if (outcome === 'ok') this.live.delete(target.clOrdId);
    else if (outcome === 'fail') this.forgetIfUnknown(target.clOrdId);
  }

  /**
   * After a cancel/replace was refused: an order the venue does not know by that ClOrdID (never
   * applied, or done, or replaced by a report that came after the operation's time-out) is not
   * picked again; without this one stale ClOrdID drew hundreds of "unknown order" rejects a run.
   */
  private forgetIfUnknown(clOrdId: string): void {
    if (this.lastFailText === 'unknown order') this.live.delete(clOrdId);
  }

  private async replace(target: LiveOrder, timeoutMs: number): Promise<void> {
    const next = randomReplacement(this.rng, target, this.nextClOrdId());
    const outcome = await this.invoke('replace', next, target.clOrdId, timeoutMs, (m) =>
      m.get(11) !== next.clOrdId
        ? undefined
        : m.msgType === '9'
          ? 'fail'
          : m.msgType === '8' && m.get(150) === '5'
            ? 'ok'
            : undefined,
    );
    if (outcome === 'ok') {
      this.live.delete(target.clOrdId);
      this.setLive(next);
    } else if (outcome === 'fail') this.forgetIfUnknown(target.clOrdId);
  }

  /** An OrderStatusRequest (H): `ok` with the order's state, `fail` when the venue does not know it. */
  async status(
    clOrdId: string,
    symbol: string,
    side: 'buy' | 'sell',
    timeoutMs: number,
  ): Promise<FixMessage | 'unknown' | 'timeout'> {
    const order: LiveOrder = { clOrdId, symbol, side, qty: 0, priceTicks: 0 };
    let reply: FixMessage | undefined;
    const outcome = await this.invoke('status', order, clOrdId, timeoutMs, (m) => {
      if (m.msgType !== '8' || (m.get(11) !== clOrdId && m.get(41) !== clOrdId)) return undefined;
      if (m.get(150) === 'I') {
        reply = m;
        return 'ok';
      }
      return m.get(150) === '8' ? 'fail' : undefined;
    });
    if (outcome === 'info') return 'timeout';
    return reply ?? 'unknown';
  }

  /** Every ClOrdID this client used for orders (new and replace), with the order's symbol and side. */
  orderClOrdIds(): LiveOrder[] {
    return this.replacedIds.concat(this.chains);
  }

  private readonly replacedIds: LiveOrder[] = [];
  /** Text(58) of the last operation that completed `fail`. */
  private lastFailText = '';

  private async invoke(
    kind: OpKind,
    order: LiveOrder,
    origClOrdId: string,
    timeoutMs: number,
    classify: (m: FixMessage) => 'ok' | 'fail' | undefined,
  ): Promise<'ok' | 'fail' | 'info'> {
    const opId = ++this.opSeq;
    if (kind === 'replace') this.replacedIds.push(order);
    this.history.add(invokeEvent(this.process, opId, this.history.nowMs(), kind, order, origClOrdId));
    let outcome: Outcome | undefined;
    const waiting = this.fix
      .waitFor((m) => {
        const c = classify(m);
        if (c !== undefined) outcome = { type: c, msg: m };
        return c !== undefined;
      }, timeoutMs)
      .catch(() => undefined);
    this.send(kind, order, origClOrdId);
    await waiting;
    const msg = outcome?.msg;
    if (outcome?.type === 'fail') this.lastFailText = msg?.get(58) ?? '';
    this.history.add({
      type: outcome?.type ?? 'info',
      process: this.process,
      opId,
      timeMs: this.history.nowMs(),
      orderId: msg?.get(37) ?? '',
      ordStatus: kind === 'status' && outcome?.type === 'ok' ? (msg?.get(39) ?? '') : '',
      cumQty: msg === undefined ? 0 : num(msg, 14),
      text: msg?.get(58) ?? (outcome === undefined ? `no answer within ${timeoutMs} ms` : ''),
    });
    return outcome?.type ?? 'info';
  }

  private send(kind: OpKind, order: LiveOrder, origClOrdId: string): void {
    const side = order.side === 'buy' ? 1 : 2;
    const transactTime: [number, string] = [60, formatUtcTimestamp(Date.now())];
    switch (kind) {
      case 'new':
        this.fix.send('D', [
          [11, order.clOrdId],
          [55, order.symbol],
          [54, side],
          [38, order.qty],
          [40, 2],
          [44, price(order.priceTicks)],
          [59, 1],
          transactTime,
        ]);
        return;
      case 'cancel':
        this.fix.send('F', [
          [41, origClOrdId],
          [11, order.clOrdId],
          [55, order.symbol],
          [54, side],
          transactTime,
        ]);
        return;
      case 'replace':
        this.fix.send('G', [
          [41, origClOrdId],
          [11, order.clOrdId],
          [55, order.symbol],
          [54, side],
          [38, order.qty],
          [40, 2],
          [44, price(order.priceTicks)],
          [59, 1],
          transactTime,
        ]);
        return;
      case 'status':
        this.fix.send('H', [
          [11, order.clOrdId],
          [55, order.symbol],
          [54, side],
        ]);
        return;
    }
  }

  private onMessage(m: FixMessage): void {
    if (m.msgType !== '8' && m.msgType !== '9') return;
    const ordStatus = m.get(39) ?? '';
    const clOrdId = m.get(11) ?? '';
    const execType = m.get(150) ?? '';
    if (
      m.msgType === '8' &&
      execType !== '8' &&
      (ordStatus === '2' || ordStatus === '4' || ordStatus === 'C')
    ) {
      // A cancel's report carries the cancel's ClOrdID (11) and the order's (41): both are done.
      for (const id of [clOrdId, m.get(41) ?? '']) {
        this.live.delete(id);
        this.done.add(id);
      }
    } else if (m.msgType === '8' && execType === '5') {
      // Replaced (also when the report came after the replace operation timed out): the order
      // lives on under its new ClOrdID.
      const old = this.live.get(m.get(41) ?? '');
      if (old !== undefined && clOrdId !== '' && !this.live.has(clOrdId)) {
        this.live.delete(old.clOrdId);
        this.setLive({ ...old, clOrdId, qty: num(m, 38) });
      }
    }
    this.history.add({
      type: 'report',
      process: this.process,
      timeMs: this.history.nowMs(),
      msgType: m.msgType,
      execType: m.get(150) ?? '',
      ordStatus,
      clOrdId,
      origClOrdId: m.get(41) ?? '',
      orderId: m.get(37) ?? '',
      execId: m.get(17) ?? '',
      symbol: m.get(55) ?? '',
      side: m.get(54) ?? '',
      orderQty: num(m, 38),
      lastQty: num(m, 32),
      lastPx: m.get(31) ?? '',
      cumQty: num(m, 14),
      leavesQty: num(m, 151),
    });
  }
}
