/**
 * The dev clock control (LocksmithService.GetDevClock / AdvanceDevClock): shown only when the
 * server runs with --insecure-dev-clock and the caller may read the clock (GetDevClock succeeds).
 */
import { useEffect, useState } from 'preact/hooks';
import { locksmithCall, type Clients } from './aws';
import { ErrorBox, useAction, when } from './ui';

interface ClockState { Now: string; OffsetMs: number; Schedule?: Record<string, number> }

export function DevClock({ c, onMoved }: { c: Clients; onMoved: () => void }) {
  const [clock, setClock] = useState<ClockState>();
  const act = useAction();
  useEffect(() => {
    locksmithCall(c.session, 'GetDevClock', {}).then(setClock, () => setClock(undefined));
  }, [c]);
  if (!clock) return null;
  const advance = (by: string) => act.run(async () => {
    const moved = (await locksmithCall(c.session, 'AdvanceDevClock', { By: by })) as ClockState;
    setClock(moved);
    onMoved();
    const ran = Object.entries(moved.Schedule ?? {}).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
    return `Advanced ${by}${ran ? `; key schedule ran: ${ran}` : ''}`;
  });
  return (
    <div class="dev-clock" role="group" aria-label="Dev clock">
      <span>Lifecycle time <time dateTime={clock.Now} data-testid="dev-clock-now">{when(new Date(clock.Now))}</time></span>
      {['1d', '7d', '30d'].map((by) => (
        <button key={by} type="button" class="small" disabled={act.busy} onClick={() => advance(by)} aria-label={`Advance the dev clock ${by}`}>+{by}</button>
      ))}
      <span class="sr-only" role="status" aria-live="polite">{act.status}</span>
      <ErrorBox error={act.error} label="dev-clock-error" />
    </div>
  );
}
