import type { ChannelName, FeedMessage } from '../messages/messages.js';
import { CHANNELS } from '../messages/messages.js';

/** The last `capacity` messages of one stream, oldest first (a circular buffer). */
export class StreamRing {
  private readonly buf: (FeedMessage | undefined)[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity ${capacity}`);
    this.buf = new Array<FeedMessage | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  /** Seq of the oldest message held (0 when empty). */
  get firstSeq(): number {
    return this.count === 0 ? 0 : this.buf[this.start]!.seq;
  }

  /** Seq of the newest message held (0 when empty). */
  get lastSeq(): number {
    return this.count === 0 ? 0 : this.buf[(this.start + this.count - 1) % this.capacity]!.seq;
  }

  push(m: FeedMessage): void {
    if (this.count > 0 && m.seq !== this.lastSeq + 1) {
      throw new Error(`invariant: stream seq ${m.seq} after ${this.lastSeq}`);
    }
    if (this.count < this.capacity) {
      this.buf[(this.start + this.count) % this.capacity] = m;
      this.count++;
    } else {
      this.buf[this.start] = m;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Messages with seq >= fromSeq, oldest first; undefined if fromSeq is no longer held. */
  from(fromSeq: number): FeedMessage[] | undefined {
    if (this.count === 0 || fromSeq < this.firstSeq) return undefined;
    const out: FeedMessage[] = [];
    for (let i = fromSeq - this.firstSeq; i < this.count; i++) {
      out.push(this.buf[(this.start + i) % this.capacity]!);
    }
    return out;
  }
}

/** Bounded rings of recent messages per instrument and channel, for gap recovery (replay). */
export class FeedRing {
  private readonly streams = new Map<number, StreamRing[]>();

  /** capacityPerStream messages are kept for each (instrument, channel). */
  constructor(readonly capacityPerStream: number = 1024) {
    if (!Number.isSafeInteger(capacityPerStream) || capacityPerStream < 1) {
      throw new RangeError(`ring capacity ${capacityPerStream}`);
    }
  }

  push(m: FeedMessage): void {
    let rings = this.streams.get(m.instrumentId);
    if (rings === undefined) {
      rings = CHANNELS.map(() => new StreamRing(this.capacityPerStream));
      this.streams.set(m.instrumentId, rings);
    }
    rings[CHANNELS.indexOf(m.channel)]!.push(m);
  }

  stream(instrumentId: number, channel: ChannelName): StreamRing | undefined {
    return this.streams.get(instrumentId)?.[CHANNELS.indexOf(channel)];
  }

  /**
   * Messages of a stream with seq >= fromSeq up to the newest. Undefined when fromSeq is older than
   * what the ring holds (ask for a snapshot instead). Empty when fromSeq is past the newest.
   */
  replay(
    instrumentId: number,
    channel: ChannelName,
    fromSeq: number,
    lastSeq: number,
  ): FeedMessage[] | undefined {
    if (fromSeq > lastSeq) return [];
    const r = this.stream(instrumentId, channel);
    if (r === undefined) return undefined;
    return r.from(fromSeq);
  }
}
