/**
 * A one-line progress bar on stderr (bytes, rate, ETA), redrawn at most 5 times a second; only when
 * stderr is a terminal and --quiet is not given, so nothing is printed into pipes or logs.
 */
import { Transform, type TransformCallback } from 'node:stream';

const REDRAW_MS = 200;

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '--';
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.ceil(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export class Progress {
  private done = 0;
  private label = '';
  private lastDraw = 0;
  private readonly started = Date.now();
  private drawn = false;

  /** `total` is the number of input bytes expected, when known (regular files). */
  constructor(
    private readonly out: NodeJS.WriteStream | undefined,
    private total: number | undefined,
  ) {}

  static forTerminal(quiet: boolean, total: number | undefined): Progress {
    return new Progress(!quiet && process.stderr.isTTY ? process.stderr : undefined, total);
  }

  setLabel(label: string): void {
    this.label = label;
  }

  /** A pass-through stream that counts the bytes flowing through it. */
  counter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) => {
        this.advance(chunk.length);
        cb(null, chunk);
      },
    });
  }

  advance(n: number): void {
    this.done += n;
    const now = Date.now();
    if (this.out && now - this.lastDraw >= REDRAW_MS) {
      this.lastDraw = now;
      this.draw(now);
    }
  }

  private draw(now: number): void {
    const secs = Math.max((now - this.started) / 1000, 1e-3);
    const rate = this.done / secs;
    const width = this.out!.columns || 80;
    let line: string;
    if (this.total !== undefined && this.total > 0) {
      const frac = Math.min(this.done / this.total, 1);
      const eta = rate > 0 ? (this.total - this.done) / rate : Infinity;
      const stats = ` ${(frac * 100).toFixed(0).padStart(3)}% ${formatBytes(this.done)}/${formatBytes(this.total)} ${formatBytes(rate)}/s ETA ${formatSeconds(eta)} ${this.label}`;
      const barWidth = Math.max(10, Math.min(30, width - stats.length - 3));
      const filled = Math.round(frac * barWidth);
      line = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${stats}`;
    } else {
      line = `${formatBytes(this.done)} ${formatBytes(rate)}/s ${this.label}`;
    }
    this.out!.write(`\r${line.slice(0, width - 1).padEnd(width - 1)}`);
    this.drawn = true;
  }

  /** Clears the bar (so the summary or an error starts on a clean line). */
  finish(): void {
    if (this.out && this.drawn) this.out.write(`\r${' '.repeat((this.out.columns || 80) - 1)}\r`);
    this.drawn = false;
  }
}
