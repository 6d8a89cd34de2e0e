/**
 * Length-prefixed framing on a byte stream: u32 little-endian length of the body, then the body (one
 * SBE message). The reader enforces a size limit before buffering, so a peer can never make us hold
 * more than `frameBytesMax` + one socket chunk.
 */

export const FRAME_PREFIX_BYTES = 4;
/** Default limit: an append of 64 entries of 64 KiB plus headers fits with room to spare. */
export const FRAME_BYTES_MAX_DEFAULT = 8 * 1024 * 1024;

export class FrameTooLargeError extends Error {
  constructor(
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(`frame of ${sizeBytes} bytes exceeds the limit of ${limitBytes} bytes`);
    this.name = 'FrameTooLargeError';
  }
}

/** Prefix + body in one buffer (one write). */
export function frame(body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_PREFIX_BYTES + body.length);
  out.writeUInt32LE(body.length, 0);
  out.set(body, FRAME_PREFIX_BYTES);
  return out;
}

/** Incremental parser: push socket chunks, get whole frame bodies (views valid until the next push). */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly frameBytesMax: number = FRAME_BYTES_MAX_DEFAULT) {}

  /** Bytes held waiting for the rest of a frame. */
  get bufferedBytes(): number {
    return this.buf.length;
  }

  /** Calls `onFrame` for every complete frame; throws FrameTooLargeError (the stream is then unusable). */
  push(chunk: Buffer, onFrame: (body: Uint8Array) => void): void {
    let data = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let offset = 0;
    while (data.length - offset >= FRAME_PREFIX_BYTES) {
      const size = data.readUInt32LE(offset);
      if (size > this.frameBytesMax) throw new FrameTooLargeError(size, this.frameBytesMax);
      if (data.length - offset - FRAME_PREFIX_BYTES < size) break;
      const start = offset + FRAME_PREFIX_BYTES;
      offset = start + size;
      onFrame(data.subarray(start, offset));
    }
    // Copy the remainder so the (possibly large) chunk it came from can be freed.
    this.buf = offset === data.length ? Buffer.alloc(0) : Buffer.from(data.subarray(offset));
    data = this.buf;
  }
}
