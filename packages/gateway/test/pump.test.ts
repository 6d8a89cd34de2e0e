import { ConnectionPump, type FixGateway, type WireSink } from '@venue/gateway';
import { describe, expect, it } from 'vitest';

/** A gateway whose store syncs complete only when the test says so. */
function fakeGateway() {
  const syncs: ((err?: Error) => void)[] = [];
  const logs: string[] = [];
  const gateway = {
    syncStoresAsync: (done: (err?: Error) => void) => syncs.push(done),
    isBackedUp: () => false,
    log: (line: string) => logs.push(line),
    acceptor: { connectionClosed: () => {} },
  } as unknown as FixGateway;
  return { gateway, syncs, logs };
}

function fakeSink() {
  const written: string[][] = [];
  const sink: WireSink & { ended: boolean } = {
    ended: false,
    writeBatch: (messages) => written.push([...messages]),
    bufferedBytes: () => 0,
    pauseReading: () => {},
    resumeReading: () => {},
    end() {
      this.ended = true;
    },
  };
  return { sink, written };
}

const turn = () => new Promise((r) => setImmediate(r));
const options = { writeBufferBytesHigh: 1 << 20, pendingMessagesMax: 100, render: (s: string) => s };

describe('ConnectionPump group commit', () => {
  it('writes a batch only once its store sync completed; later messages wait for the next round, in order', async () => {
    const { gateway, syncs } = fakeGateway();
    const { sink, written } = fakeSink();
    const pump = new ConnectionPump(gateway, sink, options, 'test');
    pump.send('m1');
    pump.send('m2');
    await turn();
    expect(syncs.length).toBe(1);
    expect(written).toEqual([]); // not durable yet: nothing on the wire
    pump.send('m3');
    await turn();
    expect(syncs.length).toBe(1); // one round at a time per connection
    syncs.shift()?.();
    expect(written).toEqual([['m1', 'm2']]);
    expect(syncs.length).toBe(1); // m3's round started at once
    syncs.shift()?.();
    expect(written).toEqual([['m1', 'm2'], ['m3']]);
  });

  it('a failed sync sends nothing and closes the connection', async () => {
    const { gateway, syncs, logs } = fakeGateway();
    const { sink, written } = fakeSink();
    const pump = new ConnectionPump(gateway, sink, options, 'test');
    pump.send('m1');
    await turn();
    syncs.shift()?.(new Error('EIO'));
    expect(written).toEqual([]);
    expect(sink.ended).toBe(true);
    expect(logs.join('\n')).toMatch(/store sync failed/);
  });

  it('close() during a sync flushes the batch first, then ends', async () => {
    const { gateway, syncs } = fakeGateway();
    const { sink, written } = fakeSink();
    const pump = new ConnectionPump(gateway, sink, options, 'test');
    pump.send('logout');
    await turn();
    pump.close('done');
    await turn();
    expect(sink.ended).toBe(false);
    syncs.shift()?.();
    expect(written).toEqual([['logout']]);
    expect(sink.ended).toBe(true);
  });
});
