/**
 * The audit trail through CloudTrail LookupEvents (one attribute filter and a time range, as the API
 * takes them), and the hash chains' verification (LocksmithService.VerifyAuditTrail, verify-chain.tsx).
 */
import { useState } from 'preact/hooks';
import { LookupEventsCommand, type Event, type LookupAttributeKey } from '@aws-sdk/client-cloudtrail';
import type { Clients } from '../aws';
import { ErrorBox, Field, Json, Status, useAction, when } from '../ui';
import { VerifyChain } from '../verify-chain';

const KEYS: LookupAttributeKey[] = ['EventName', 'Username', 'ResourceName', 'ResourceType', 'EventSource', 'EventId', 'AccessKeyId', 'ReadOnly'];

interface Detail {
  errorCode?: string;
  errorMessage?: string;
  userIdentity?: { arn?: string };
}

function parse(e: Event): Detail {
  try {
    return JSON.parse(e.CloudTrailEvent ?? '{}') as Detail;
  } catch {
    return {};
  }
}

export function AuditPage({ c }: { c: Clients }) {
  const [attr, setAttr] = useState<LookupAttributeKey>('EventName');
  const [value, setValue] = useState('');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [events, setEvents] = useState<Event[]>([]);
  const [next, setNext] = useState<string>();
  const [open, setOpen] = useState<string>();
  const act = useAction();

  const search = (more: boolean) => act.run(async () => {
    const out = await c.cloudtrail.send(new LookupEventsCommand({
      ...(value ? { LookupAttributes: [{ AttributeKey: attr, AttributeValue: value }] } : {}),
      ...(start ? { StartTime: new Date(start) } : {}),
      ...(end ? { EndTime: new Date(end) } : {}),
      MaxResults: 50,
      ...(more && next ? { NextToken: next } : {}),
    }));
    setEvents((prev) => (more ? [...prev, ...(out.Events ?? [])] : out.Events ?? []));
    setNext(out.NextToken);
    return `${out.Events?.length ?? 0} events`;
  });

  return (
    <section>
      <h1 tabIndex={-1}>Audit trail</h1>
      <p class="muted">From CloudTrail LookupEvents.</p>
      <VerifyChain c={c} />
      <form class="row filters" role="search" aria-label="Look up events" onSubmit={(e) => (e.preventDefault(), search(false))}>
        <Field label="Attribute">
          <select value={attr} onChange={(e) => setAttr(e.currentTarget.value as LookupAttributeKey)}>{KEYS.map((k) => <option key={k}>{k}</option>)}</select>
        </Field>
        <Field label="Value"><input value={value} onInput={(e) => setValue(e.currentTarget.value)} /></Field>
        <Field label="Start time"><input type="datetime-local" value={start} onInput={(e) => setStart(e.currentTarget.value)} /></Field>
        <Field label="End time"><input type="datetime-local" value={end} onInput={(e) => setEnd(e.currentTarget.value)} /></Field>
        <button type="submit" disabled={act.busy}>Look up</button>
      </form>
      <ErrorBox error={act.error} />
      <Status text={act.status} />
      <div class="table-wrap">
        <table class="stack">
          <caption class="sr-only">Events</caption>
          <thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">User</th><th scope="col">Outcome</th><th scope="col">Details</th></tr></thead>
          <tbody>
            {events.map((e) => {
              const d = parse(e);
              const denied = d.errorCode === 'AccessDenied' || d.errorCode === 'AccessDeniedException';
              return [
                <tr key={e.EventId} class={d.errorCode ? 'failed' : ''}>
                  <td data-label="Time">{when(e.EventTime)}</td>
                  <td data-label="Event">{e.EventSource?.split('.')[0]}:{e.EventName}</td>
                  <td data-label="User">{d.userIdentity?.arn ?? e.Username}</td>
                  <td data-label="Outcome">{d.errorCode ?? 'success'}</td>
                  <td data-label="Details">
                    <button type="button" class="small" aria-expanded={open === e.EventId} aria-label={`Event JSON of ${e.EventName} ${e.EventId}`} onClick={() => setOpen(open === e.EventId ? undefined : e.EventId)}>JSON</button>
                    {denied ? <> <a class="button small" href={`#/explain?event=${encodeURIComponent(e.EventId!)}`}>Explain</a></> : null}
                  </td>
                </tr>,
                open === e.EventId ? (
                  <tr key={`${e.EventId}-json`}><td colSpan={5}><Json label={`Event ${e.EventId}`} value={JSON.parse(e.CloudTrailEvent ?? '{}')} /></td></tr>
                ) : null,
              ];
            })}
          </tbody>
        </table>
      </div>
      {next ? <button type="button" disabled={act.busy} onClick={() => search(true)}>More events</button> : null}
    </section>
  );
}
