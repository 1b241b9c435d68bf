/**
 * A one-line progress bar on stderr (redrawn in place on a TTY, a line every few seconds
 * otherwise) with the loss, steps/s and the time left.
 */
export interface ProgressState {
  label: string;
  done: number;
  total: number;
  loss?: number;
}

export class ProgressBar {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastLine = 0;
  private label = '';
  private labelStarted = performance.now();

  constructor(private readonly enabled = true) {}

  update(state: ProgressState): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (state.label !== this.label) {
      this.label = state.label;
      this.labelStarted = now;
    }
    if (!this.tty && now - this.lastLine < 5000 && state.done < state.total) return;
    if (this.tty && now - this.lastLine < 100 && state.done < state.total) return;
    this.lastLine = now;
    const fraction = state.total > 0 ? Math.min(1, state.done / state.total) : 0;
    const width = 24;
    const filled = Math.round(fraction * width);
    const seconds = (now - this.labelStarted) / 1000;
    const rate = seconds > 0 ? state.done / seconds : 0;
    const eta = rate > 0 ? (state.total - state.done) / rate : 0;
    const line =
      `${state.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${state.done}/${state.total}` +
      (state.loss === undefined ? '' : ` loss ${state.loss.toFixed(4)}`) +
      ` ${rate.toFixed(1)} it/s ETA ${formatSeconds(eta)}`;
    if (this.tty) process.stderr.write(`\r\x1b[K${line}`);
    else process.stderr.write(`${line}\n`);
  }

  /** Ends the current line (TTY). */
  done(message?: string): void {
    if (!this.enabled) return;
    if (this.tty) process.stderr.write('\r\x1b[K');
    if (message) process.stderr.write(`${message}\n`);
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  const r = Math.round(s % 60);
  return m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
}
