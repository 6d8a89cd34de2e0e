/** Where a progress bar is drawn: a terminal (isTTY), else nothing is drawn at all. */
export interface ProgressOut {
  write(text: string): void;
  readonly isTTY?: boolean;
}

const BAR_WIDTH = 25;
/** Redraw at most this often: a terminal is slow, and a long operation calls update() a lot. */
const REDRAW_INTERVAL_MS = 100;

/** One line: `label [#####....] done/total unit (pct%)`. Pure, for tests. */
export function progressLine(label: string, done: number, total: number, unit: string): string {
  const clamped = Math.max(0, Math.min(done, total));
  const pct = total <= 0 ? 100 : Math.floor((100 * clamped) / total);
  const filled = Math.floor((pct * BAR_WIDTH) / 100);
  return `${label} [${'#'.repeat(filled).padEnd(BAR_WIDTH, '.')}] ${clamped}/${total} ${unit} (${pct}%)`;
}

/**
 * A one-line progress bar for long operations (replay, recovery, benchmarks), redrawn in place with
 * `\r`. Draws only on a terminal: piped or redirected output gets no bar and no control characters.
 */
export class ProgressBar {
  private lastDrawMs = 0;
  private drawn = false;
  private readonly tty: boolean;

  constructor(
    private readonly out: ProgressOut,
    private readonly label: string,
    private total: number,
    private readonly unit = 'entries',
  ) {
    this.tty = out.isTTY === true;
  }

  /** Whether anything will be drawn (callers may skip work that only feeds the bar). */
  get active(): boolean {
    return this.tty;
  }

  setTotal(total: number): void {
    this.total = total;
  }

  update(done: number, suffix = ''): void {
    if (!this.tty) return;
    // nondeterminism-ok: terminal output pacing only
    const now = Date.now();
    if (done < this.total && now - this.lastDrawMs < REDRAW_INTERVAL_MS) return;
    this.lastDrawMs = now;
    this.drawn = true;
    // \x1b[K clears what a longer previous line left behind.
    this.out.write(`\r${progressLine(this.label, done, this.total, this.unit)}${suffix}\x1b[K`);
  }

  /** Ends the bar's line (if one was drawn) so the next output starts on a fresh line. */
  finish(text = ''): void {
    if (!this.tty || !this.drawn) return;
    this.drawn = false;
    this.out.write(`${text === '' ? '' : ` ${text}`}\n`);
  }
}
