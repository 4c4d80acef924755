import type { Clock } from './clock.js';

/**
 * Real time plus an offset that only grows or is set: the lifecycle clock of
 * `serve --insecure-dev-clock`. It keeps ticking with the real clock between moves.
 */
export class OffsetClock implements Clock {
  private offsetMs = 0;
  constructor(private readonly base: Clock) {}
  now(): Date {
    return new Date(this.base.now().getTime() + this.offsetMs);
  }
  get offset(): number {
    return this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  set(at: Date | number): void {
    this.offsetMs = (typeof at === 'number' ? at : at.getTime()) - this.base.now().getTime();
  }
}
