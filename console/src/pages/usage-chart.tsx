/** Calls on one key per day over the last 14 days, from the audit trail (CloudTrail LookupEvents by ResourceName). */
import { LookupEventsCommand, type Event } from '@aws-sdk/client-cloudtrail';
import type { Clients } from '../aws';
import { ErrorBox, useLoad } from '../ui';

const DAYS = 14;
const DAY = 86_400_000;

async function events(c: Clients, keyArn: string): Promise<Event[]> {
  const out: Event[] = [];
  let token: string | undefined;
  const end = new Date();
  const start = new Date(end.getTime() - DAYS * DAY);
  // At most 10 pages of 50 (500 events): the chart says so when it hit the cap.
  for (let i = 0; i < 10; i++) {
    const page = await c.cloudtrail.send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'ResourceName', AttributeValue: keyArn }], StartTime: start, EndTime: end, MaxResults: 50, ...(token ? { NextToken: token } : {}) }),
    );
    out.push(...(page.Events ?? []));
    token = page.NextToken;
    if (!token) break;
  }
  return out;
}

export function UsageChart({ c, keyArn }: { c: Clients; keyArn: string }) {
  const data = useLoad(() => events(c, keyArn), [c, keyArn]);
  const today = Math.floor(Date.now() / DAY);
  const counts = Array.from({ length: DAYS }, () => 0);
  for (const e of data.data ?? []) {
    const d = today - Math.floor((e.EventTime?.getTime() ?? 0) / DAY);
    if (d >= 0 && d < DAYS) counts[DAYS - 1 - d]! += 1;
  }
  const max = Math.max(1, ...counts);
  const label = (i: number) => new Date((today - (DAYS - 1 - i)) * DAY).toISOString().slice(5, 10);
  const w = 28;
  const h = 120;
  return (
    <section aria-labelledby="chart-h">
      <h2 id="chart-h">Usage (audit trail, last {DAYS} days)</h2>
      <ErrorBox error={data.error} />
      <svg class="chart" viewBox={`0 0 ${DAYS * w} ${h + 20}`} role="img" aria-label={`Calls per day: ${counts.map((n, i) => `${label(i)} ${n}`).join(', ')}`}>
        {counts.map((n, i) => (
          <g key={i}>
            <rect x={i * w + 4} y={h - (n / max) * h} width={w - 8} height={(n / max) * h} class="bar">
              <title>{`${label(i)}: ${n} calls`}</title>
            </rect>
            <text x={i * w + w / 2} y={h + 14} text-anchor="middle" class="tick">{i % 2 === 1 ? label(i) : ''}</text>
          </g>
        ))}
      </svg>
      <p class="muted">{(data.data ?? []).length} events{(data.data ?? []).length >= 500 ? ' (first 500 shown)' : ''}.</p>
    </section>
  );
}
