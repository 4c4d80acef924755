/** One key: state actions, aliases, tags, the policy editor, grants, rotations, last usage and a usage chart. */
import { useEffect, useState } from 'preact/hooks';
import {
  CancelKeyDeletionCommand, CreateAliasCommand, DeleteAliasCommand, DescribeKeyCommand, DisableKeyCommand,
  DisableKeyRotationCommand, EnableKeyCommand, EnableKeyRotationCommand, GetKeyLastUsageCommand, GetKeyPolicyCommand,
  GetKeyRotationStatusCommand, ListAliasesCommand, ListGrantsCommand, ListKeyRotationsCommand, ListResourceTagsCommand,
  PutKeyPolicyCommand, RotateKeyOnDemandCommand, ScheduleKeyDeletionCommand, TagResourceCommand, UntagResourceCommand,
} from '@aws-sdk/client-kms';
import type { Clients } from '../aws';
import { ErrorBox, Field, Json, Status, useAction, useLoad, when } from '../ui';
import { lockoutWarning } from '../policy-check';
import { UsageChart } from './usage-chart';

export function KeyDetail({ c, keyId }: { c: Clients; keyId: string }) {
  const key = useLoad(async () => (await c.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata!, [c, keyId]);
  const act = useAction();
  const m = key.data;
  const customer = m?.KeyManager === 'CUSTOMER';
  const [days, setDays] = useState(30);
  const doIt = (label: string, fn: () => Promise<unknown>) => () => act.run(async () => (await fn(), key.reload(), label));

  return (
    <section>
      <p><a href="#/keys">← Keys</a></p>
      <h1 tabIndex={-1}>Key {keyId}</h1>
      <ErrorBox error={key.error} />
      {m ? (
        <>
          <dl class="facts">
            <dt>ARN</dt><dd>{m.Arn}</dd>
            <dt>State</dt><dd data-testid="key-state"><span class={`state state-${m.KeyState}`}>{m.KeyState}</span>{m.DeletionDate ? ` — deletion on ${when(m.DeletionDate)}` : ''}</dd>
            <dt>Spec / usage</dt><dd>{m.KeySpec} / {m.KeyUsage}</dd>
            <dt>Origin</dt><dd>{m.Origin}</dd>
            <dt>Manager</dt><dd>{m.KeyManager}</dd>
            <dt>Created</dt><dd>{when(m.CreationDate)}</dd>
            <dt>Description</dt><dd>{m.Description || '—'}</dd>
          </dl>
          {customer ? (
            <div class="row actions" role="group" aria-label="Key actions">
              {m.KeyState === 'Enabled' ? <button type="button" disabled={act.busy} onClick={doIt('Key disabled', () => c.kms.send(new DisableKeyCommand({ KeyId: keyId })))}>Disable</button> : null}
              {m.KeyState === 'Disabled' ? <button type="button" disabled={act.busy} onClick={doIt('Key enabled', () => c.kms.send(new EnableKeyCommand({ KeyId: keyId })))}>Enable</button> : null}
              {m.KeyState === 'PendingDeletion' ? (
                <button type="button" disabled={act.busy} onClick={doIt('Deletion cancelled (the key is Disabled)', () => c.kms.send(new CancelKeyDeletionCommand({ KeyId: keyId })))}>Cancel deletion</button>
              ) : (
                <span class="inline">
                  <Field label="Waiting period (days)">
                    <input type="number" min={7} max={30} value={days} onInput={(e) => setDays(Number(e.currentTarget.value))} />
                  </Field>
                  <button type="button" class="danger" disabled={act.busy} onClick={doIt('Deletion scheduled', () => c.kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: days })))}>Schedule deletion</button>
                </span>
              )}
              {m.KeySpec === 'SYMMETRIC_DEFAULT' && m.Origin === 'AWS_KMS' ? (
                <button type="button" disabled={act.busy} onClick={doIt('Rotated now', () => c.kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId })))}>Rotate now</button>
              ) : null}
            </div>
          ) : null}
          <ErrorBox error={act.error} />
          <Status text={act.status} />
          {customer ? <Aliases c={c} keyId={m.KeyId!} /> : null}
          {customer ? <Tags c={c} keyId={m.KeyId!} /> : null}
          <PolicyEditor c={c} keyId={m.KeyId!} editable={customer} />
          <Grants c={c} keyId={m.KeyId!} />
          {m.KeySpec === 'SYMMETRIC_DEFAULT' ? <Rotations c={c} keyId={m.KeyId!} editable={customer} /> : null}
          <LastUsage c={c} keyId={m.KeyId!} />
          <UsageChart c={c} keyArn={m.Arn!} />
        </>
      ) : null}
    </section>
  );
}

function Aliases({ c, keyId }: { c: Clients; keyId: string }) {
  const list = useLoad(async () => (await c.kms.send(new ListAliasesCommand({ KeyId: keyId }))).Aliases ?? [], [c, keyId]);
  const act = useAction();
  const [name, setName] = useState('alias/');
  return (
    <section aria-labelledby="aliases-h">
      <h2 id="aliases-h">Aliases</h2>
      <ul>
        {(list.data ?? []).map((a) => (
          <li key={a.AliasName}>
            {a.AliasName}{' '}
            <button type="button" class="small" aria-label={`Delete alias ${a.AliasName}`} onClick={() => act.run(async () => (await c.kms.send(new DeleteAliasCommand({ AliasName: a.AliasName! })), list.reload(), 'Alias deleted'))}>Delete</button>
          </li>
        ))}
      </ul>
      <form class="row" onSubmit={(e) => (e.preventDefault(), act.run(async () => (await c.kms.send(new CreateAliasCommand({ AliasName: name, TargetKeyId: keyId })), list.reload(), `Alias ${name} created`)))}>
        <Field label="New alias"><input value={name} onInput={(e) => setName(e.currentTarget.value)} /></Field>
        <button type="submit" disabled={act.busy}>Add alias</button>
      </form>
      <ErrorBox error={list.error || act.error} />
      <Status text={act.status} />
    </section>
  );
}

function Tags({ c, keyId }: { c: Clients; keyId: string }) {
  const list = useLoad(async () => (await c.kms.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags ?? [], [c, keyId]);
  const act = useAction();
  const [k, setK] = useState('');
  const [v, setV] = useState('');
  return (
    <section aria-labelledby="tags-h">
      <h2 id="tags-h">Tags</h2>
      <ul>
        {(list.data ?? []).map((t) => (
          <li key={t.TagKey}>
            {t.TagKey} = {t.TagValue}{' '}
            <button type="button" class="small" aria-label={`Remove tag ${t.TagKey}`} onClick={() => act.run(async () => (await c.kms.send(new UntagResourceCommand({ KeyId: keyId, TagKeys: [t.TagKey!] })), list.reload(), 'Tag removed'))}>Remove</button>
          </li>
        ))}
      </ul>
      <form class="row" onSubmit={(e) => (e.preventDefault(), act.run(async () => (await c.kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: k, TagValue: v }] })), list.reload(), 'Tag set')))}>
        <Field label="Tag key"><input value={k} required onInput={(e) => setK(e.currentTarget.value)} /></Field>
        <Field label="Tag value"><input value={v} onInput={(e) => setV(e.currentTarget.value)} /></Field>
        <button type="submit" disabled={act.busy}>Set tag</button>
      </form>
      <ErrorBox error={list.error || act.error} />
      <Status text={act.status} />
    </section>
  );
}

function PolicyEditor({ c, keyId, editable }: { c: Clients; keyId: string; editable: boolean }) {
  const policy = useLoad(async () => (await c.kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy ?? '', [c, keyId]);
  const [text, setText] = useState('');
  const [bypass, setBypass] = useState(false);
  const act = useAction();
  useEffect(() => {
    if (policy.data !== undefined) setText(JSON.stringify(JSON.parse(policy.data), null, 2));
  }, [policy.data]);
  let parseError = '';
  let warning = '';
  try {
    const doc = JSON.parse(text || '{}') as unknown;
    warning = lockoutWarning(doc, c.session.arn ?? '', c.session.account ?? '');
  } catch (e) {
    parseError = `Not valid JSON: ${(e as Error).message}`;
  }
  const save = (e: Event) => {
    e.preventDefault();
    void act.run(async () => {
      await c.kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: text, ...(bypass ? { BypassPolicyLockoutSafetyCheck: true } : {}) }));
      policy.reload();
      return 'Key policy saved';
    });
  };
  return (
    <section aria-labelledby="policy-h">
      <h2 id="policy-h">Key policy</h2>
      <ErrorBox error={policy.error} />
      <form onSubmit={save}>
        <Field label="Policy document (JSON)">
          <textarea rows={16} value={text} readOnly={!editable} spellcheck={false} aria-invalid={parseError ? 'true' : 'false'} aria-describedby="policy-check" onInput={(e) => setText(e.currentTarget.value)} />
        </Field>
        <div id="policy-check" aria-live="polite">
          {parseError ? <p class="error" data-testid="policy-json-error">{parseError}</p> : null}
          {!parseError && warning ? <p class="warning" data-testid="policy-lockout-warning">Lockout check: {warning}</p> : null}
        </div>
        {editable ? (
          <div class="row">
            <label class="check"><input type="checkbox" checked={bypass} onChange={(e) => setBypass(e.currentTarget.checked)} /> BypassPolicyLockoutSafetyCheck (dangerous: you may lose access to this key for good)</label>
            <button type="submit" disabled={act.busy || !!parseError}>Save policy</button>
          </div>
        ) : null}
      </form>
      <ErrorBox error={act.error} label="policy-error" />
      <Status text={act.status} />
    </section>
  );
}

function Grants({ c, keyId }: { c: Clients; keyId: string }) {
  const grants = useLoad(async () => (await c.kms.send(new ListGrantsCommand({ KeyId: keyId }))).Grants ?? [], [c, keyId]);
  return (
    <section aria-labelledby="grants-h">
      <h2 id="grants-h">Grants</h2>
      <ErrorBox error={grants.error} />
      {grants.data?.length === 0 ? <p>No grants.</p> : null}
      <div class="table-wrap">
        <table>
          <thead><tr><th scope="col">Grant</th><th scope="col">Grantee</th><th scope="col">Operations</th><th scope="col">Constraints</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {(grants.data ?? []).map((g) => (
              <tr key={g.GrantId}><td>{g.Name || g.GrantId}</td><td>{g.GranteePrincipal}</td><td>{g.Operations?.join(', ')}</td><td>{g.Constraints ? JSON.stringify(g.Constraints) : '—'}</td><td>{when(g.CreationDate)}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Rotations({ c, keyId, editable }: { c: Clients; keyId: string; editable: boolean }) {
  const status = useLoad(() => c.kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId })), [c, keyId]);
  const rotations = useLoad(async () => (await c.kms.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations ?? [], [c, keyId]);
  const act = useAction();
  const on = status.data?.KeyRotationEnabled;
  return (
    <section aria-labelledby="rot-h">
      <h2 id="rot-h">Rotation</h2>
      <ErrorBox error={status.error || rotations.error || act.error} />
      <p>
        Automatic rotation: {on ? `on, every ${status.data?.RotationPeriodInDays} days, next ${when(status.data?.NextRotationDate)}` : 'off'}{' '}
        {editable ? (
          <button type="button" disabled={act.busy} onClick={() => act.run(async () => (await c.kms.send(on ? new DisableKeyRotationCommand({ KeyId: keyId }) : new EnableKeyRotationCommand({ KeyId: keyId })), status.reload(), on ? 'Rotation off' : 'Rotation on'))}>
            {on ? 'Turn off' : 'Turn on'}
          </button>
        ) : null}
      </p>
      <Status text={act.status} />
      <ul>
        {(rotations.data ?? []).map((r) => <li key={r.RotationDate?.toISOString()}>{when(r.RotationDate)} ({r.RotationType})</li>)}
      </ul>
    </section>
  );
}

function LastUsage({ c, keyId }: { c: Clients; keyId: string }) {
  const usage = useLoad(() => c.kms.send(new GetKeyLastUsageCommand({ KeyId: keyId })), [c, keyId]);
  return (
    <section aria-labelledby="lu-h">
      <h2 id="lu-h">Last usage</h2>
      <ErrorBox error={usage.error} />
      {usage.data ? <Json label="GetKeyLastUsage response" value={(({ $metadata: _, ...rest }) => rest)(usage.data)} /> : null}
    </section>
  );
}
