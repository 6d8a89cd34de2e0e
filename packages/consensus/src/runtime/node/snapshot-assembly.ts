/**
 * Joining a streamed snapshot image on a member's consensus thread (I/O shell, not the pure core):
 * the copy yields to the event loop between slices, so heartbeats and commits keep flowing while a
 * 100 MB image is assembled.
 */
/** Bytes copied between yields to the event loop when a snapshot image is assembled (about 1-3 ms). */
export const SNAPSHOT_COPY_SLICE_BYTES = 4 * 1024 * 1024;

/** Concatenates snapshot pieces, yielding to the event loop between slices of the copy. */
export async function concatPiecesYielding(pieces: readonly Uint8Array[]): Promise<Uint8Array> {
  let total = 0;
  for (const p of pieces) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  let sinceYield = 0;
  for (const p of pieces) {
    for (let from = 0; from < p.length; ) {
      const n = Math.min(p.length - from, SNAPSHOT_COPY_SLICE_BYTES - sinceYield);
      out.set(p.subarray(from, from + n), at);
      at += n;
      from += n;
      sinceYield += n;
      if (sinceYield >= SNAPSHOT_COPY_SLICE_BYTES) {
        sinceYield = 0;
        await new Promise<void>((r) => setImmediate(r));
      }
    }
  }
  return out;
}
