/**
 * "Why was this denied?": LocksmithService.Explain on the server (authorized like any call), by a
 * request (principal, action, resource…) or by an audit event id. Shows the verdict, the decision
 * path, the statements that matched or almost matched, and the fix, which can be applied here
 * with the same public API (PutKeyPolicy, PutUserPolicy, PutRolePolicy, PutBucketPolicy, CreateGrant,
 * EnableKey, CancelKeyDeletion) after a confirmation.
 */
import { useEffect, useState } from 'preact/hooks';
import { CancelKeyDeletionCommand, CreateGrantCommand, EnableKeyCommand, PutKeyPolicyCommand, type CreateGrantCommandInput } from '@aws-sdk/client-kms';
import { PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { explainCall, type Clients } from '../aws';
import { ErrorBox, Field, Json, Status, useAction } from '../ui';

interface Fix {
  kind?: string;
  summary?: string;
  snippet?: unknown;
  target?: string;
  statement?: unknown;
  policy?: unknown;
  policyName?: string;
  grant?: unknown;
}
interface Explanation {
  verdict?: string;
  error?: string;
  message?: string;
  request?: Record<string, unknown>;
  path?: { step?: string; ok?: boolean; detail?: string }[];
  statements?: { policy?: string; statement?: string; effect?: string; matched?: boolean; failed?: string[]; reasons?: string[] }[];
  fix?: Fix;
}

function context(text: string): Record<string, string> | undefined {
  const pairs = text.split(/\n|,/).map((l) => l.trim()).filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const);
  return pairs.length ? Object.fromEntries(pairs) : undefined;
}

const APPLIABLE = new Set(['PutKeyPolicy', 'PutBucketPolicy', 'PutUserPolicy', 'PutRolePolicy', 'CreateGrant', 'EnableKey', 'CancelKeyDeletion']);

export function ExplainPage({ c, params }: { c: Clients; params: URLSearchParams }) {
  const [form, setForm] = useState({ principal: '', action: 'kms:Decrypt', resource: '', context: '', via: '', event: params.get('event') ?? '' });
  const [result, setResult] = useState<Explanation>();
  const ask = useAction();
  const apply = useAction();
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.currentTarget as HTMLInputElement).value });

  const run = (f = form) => ask.run(async () => {
    setResult(undefined);
    const input = f.event
      ? { EventId: f.event }
      : {
          ...(f.principal ? { Principal: f.principal } : {}),
          Action: f.action,
          Resource: f.resource,
          ...(context(f.context) ? { EncryptionContext: context(f.context) } : {}),
          ...(f.via ? { ViaService: f.via } : {}),
        };
    setResult((await explainCall(c.session, input)) as Explanation);
    return 'Explanation ready';
  });
  useEffect(() => {
    if (params.get('event')) void run({ ...form, event: params.get('event')! });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [params.get('event')]);

  const fix = result?.fix;
  const snippet = fix?.snippet ?? fix?.policy ?? fix?.grant ?? fix?.statement;
  const applyFix = () => apply.run(async () => {
    if (!fix?.kind || !confirm(`Apply this fix?\n\n${fix.summary ?? fix.kind}`)) return;
    const doc = JSON.stringify(fix.policy ?? fix.snippet);
    const keyId = fix.target?.startsWith('arn:aws:kms') ? fix.target : String(result?.request?.resource ?? '');
    switch (fix.kind) {
      case 'PutKeyPolicy':
        await c.kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: doc }));
        break;
      case 'PutUserPolicy':
        await c.iam.send(new PutUserPolicyCommand({ UserName: fix.target!, PolicyName: fix.policyName ?? 'locksmith-explain-fix', PolicyDocument: doc }));
        break;
      case 'PutRolePolicy':
        await c.iam.send(new PutRolePolicyCommand({ RoleName: fix.target!, PolicyName: fix.policyName ?? 'locksmith-explain-fix', PolicyDocument: doc }));
        break;
      case 'PutBucketPolicy':
        await c.s3.send(new PutBucketPolicyCommand({ Bucket: fix.target!, Policy: doc }));
        break;
      case 'CreateGrant':
        await c.kms.send(new CreateGrantCommand(fix.grant as CreateGrantCommandInput));
        break;
      case 'EnableKey':
        await c.kms.send(new EnableKeyCommand({ KeyId: keyId }));
        break;
      case 'CancelKeyDeletion':
        await c.kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
        await c.kms.send(new EnableKeyCommand({ KeyId: keyId }));
        break;
    }
    return `Fix applied (${fix.kind}). Retry the call.`;
  });

  return (
    <section>
      <h1 tabIndex={-1}>Explain access</h1>
      <p class="muted">Asks the server's explainer (LocksmithService.Explain), which answers only what your own permissions let you read.</p>
      <form class="row" onSubmit={(e) => (e.preventDefault(), run())}>
        <Field label="Audit event ID (explains that call; the fields after it are ignored)"><input value={form.event} onInput={set('event')} /></Field>
        <Field label="Principal ARN (empty: you)"><input value={form.principal} onInput={set('principal')} /></Field>
        <Field label="Action"><input value={form.action} onInput={set('action')} /></Field>
        <Field label="Resource (key ARN)"><input value={form.resource} onInput={set('resource')} /></Field>
        <Field label="Encryption context (k=v, one per line)"><textarea rows={2} value={form.context} onInput={set('context')} /></Field>
        <Field label="Via service (e.g. s3.us-east-1.amazonaws.com)"><input value={form.via} onInput={set('via')} /></Field>
        <button type="submit" disabled={ask.busy}>Explain</button>
      </form>
      <ErrorBox error={ask.error} label="explain-error" />
      <Status text={ask.busy ? 'Explaining…' : ask.status} />
      {result ? (
        <div class="explanation" data-testid="explanation">
          <h2>
            Verdict: <span class={result.verdict === 'ALLOWED' ? 'ok' : 'bad'} data-testid="verdict">{result.verdict ?? '?'}</span>
            {result.error ? <> — {result.error}</> : null}
          </h2>
          {result.message ? <p>{result.message}</p> : null}
          {result.request ? <Json label="The request explained" value={result.request} /> : null}
          <h3>Decision path</h3>
          <ol class="path">
            {(result.path ?? []).map((p, i) => (
              <li key={i} class={p.ok ? 'ok' : 'bad'}><strong>{p.ok ? '✓' : '✗'} {p.step}</strong>: {p.detail}</li>
            ))}
          </ol>
          {result.statements?.length ? (
            <>
              <h3>Statements that matched or almost matched</h3>
              <ul>
                {result.statements.map((s, i) => (
                  <li key={i}>
                    {s.policy} statement {s.statement} ({s.effect}): {s.matched ? 'matched' : `failed on ${(s.failed ?? []).join('; ')}`}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {fix ? (
            <section aria-labelledby="fix-h" class="fix" data-testid="fix">
              <h3 id="fix-h">Fix: {fix.kind}</h3>
              <p>{fix.summary}</p>
              {fix.target ? <p>Target: <code>{fix.target}</code></p> : null}
              {snippet !== undefined ? <Json label="Fix snippet" value={snippet} /> : null}
              {APPLIABLE.has(fix.kind ?? '') && result.verdict !== 'ALLOWED' ? (
                <button type="button" disabled={apply.busy} onClick={applyFix}>Apply fix</button>
              ) : null}
              <ErrorBox error={apply.error} />
              <Status text={apply.status} />
            </section>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
