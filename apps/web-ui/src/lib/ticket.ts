// Which ticket field a venue reject concerns, so its Text(58) is shown next to that field.

export type TicketField = 'price' | 'quantity' | 'stopPx' | 'general';

const TAG_FIELD: Readonly<Record<string, TicketField>> = { '44': 'price', '38': 'quantity', '99': 'stopPx' };

/**
 * The field of a reject: RefTagID(371) of a session Reject when it names one, otherwise the tag
 * named in the venue's text ("Price(44) 100.005 is not a multiple ..." -> price), otherwise general.
 */
export function fieldOfText(text: string, refTag?: string): TicketField {
  if (refTag !== undefined) {
    const byTag = TAG_FIELD[refTag];
    if (byTag !== undefined) return byTag;
  }
  if (/StopPx\(99\)/.test(text)) return 'stopPx';
  if (/\bPrice\(44\)/.test(text)) return 'price';
  if (/OrderQty\(38\)/.test(text)) return 'quantity';
  if (/\bstop price\b/i.test(text)) return 'stopPx';
  if (/\bprice\b|\btick\b/i.test(text)) return 'price';
  if (/\bquantity\b|\blot\b|\bqty\b/i.test(text)) return 'quantity';
  return 'general';
}
