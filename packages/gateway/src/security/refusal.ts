import { encodeFix, formatUtcTimestamp } from '../fix/codec.js';
import { MsgType, Tag } from '../fix/tags.js';

/** A Logout with Text for a connection refused before any session exists (a limit is reached). */
export function refusalLogout(venueCompId: string, text: string, nowMs = Date.now()): string {
  return encodeFix([
    { tag: Tag.MsgType, value: MsgType.Logout },
    { tag: Tag.SenderCompID, value: venueCompId },
    { tag: Tag.TargetCompID, value: 'UNKNOWN' },
    { tag: Tag.MsgSeqNum, value: '1' },
    { tag: Tag.SendingTime, value: formatUtcTimestamp(nowMs) },
    { tag: Tag.Text, value: text },
  ]);
}
