/**
 * The moves of the development lifecycle clock (`serve --insecure-dev-clock`), shared by its two
 * doors: the loopback control listener of `locksmith clock` (dev-clock-listener.ts) and the
 * LocksmithService.{Get,Advance,Set}DevClock API operations (src/services/locksmith/).
 * Every move runs the key schedule at once.
 */
import type { OffsetClock } from '../../util/offset-clock.js';

/** Moves beyond 100 years are refused (Date's range is ±8.64e15 ms). */
export const MAX_MOVE_MS = 100 * 365 * 24 * 3600 * 1000;

export interface DevClockState {
  now: string;
  offsetMs: number;
  /** What the key schedule did after a move (counts by kind). */
  schedule?: Record<string, number>;
}

/** A move the control refuses; the message says what is expected. */
export class DevClockInputError extends Error {}

export class DevClockControl {
  constructor(private readonly clock: OffsetClock, private readonly runSchedule: () => Promise<Record<string, number>>) {}

  state(): DevClockState {
    return { now: this.clock.now().toISOString(), offsetMs: this.clock.offset };
  }

  async advance(ms: unknown): Promise<DevClockState> {
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > MAX_MOVE_MS) {
      throw new DevClockInputError('ms: a whole number of milliseconds from 0 to 100 years expected');
    }
    this.clock.advance(ms);
    return { ...this.state(), schedule: await this.runSchedule() };
  }

  async set(at: unknown): Promise<DevClockState> {
    const t = typeof at === 'string' ? Date.parse(at) : NaN;
    if (!Number.isFinite(t) || Math.abs(t - Date.now()) > MAX_MOVE_MS) throw new DevClockInputError('at: an ISO 8601 time within 100 years of now expected');
    this.clock.set(t);
    return { ...this.state(), schedule: await this.runSchedule() };
  }
}
