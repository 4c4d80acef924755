/** Sign-in: an access key pair checked with sts:GetCallerIdentity, then kept in this tab only. */
import { useState } from 'preact/hooks';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { makeClients, type Session } from '../aws';
import { ErrorBox, Field } from '../ui';

export function SignIn({ onSignIn }: { onSignIn: (s: Session) => void }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const s: Session = {
      accessKeyId: String(f.get('accessKeyId') ?? '').trim(),
      secretAccessKey: String(f.get('secretAccessKey') ?? '').trim(),
      region: String(f.get('region') ?? '').trim() || 'us-east-1',
    };
    const token = String(f.get('sessionToken') ?? '').trim();
    if (token) s.sessionToken = token;
    setBusy(true);
    setError(undefined);
    try {
      const c = makeClients(s);
      const who = await c.sts.send(new GetCallerIdentityCommand({}));
      onSignIn({ ...s, ...(who.Arn ? { arn: who.Arn } : {}), ...(who.Account ? { account: who.Account } : {}) });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="signin">
      <h1 tabIndex={-1}>Sign in to Locksmith</h1>
      <p>
        Use an access key pair (the one <code>locksmith serve</code> printed at first start, or an IAM user's). Every call is
        signed in this browser with SigV4; the secret stays in this tab's session storage.
      </p>
      <form onSubmit={submit} aria-describedby="signin-error">
        <Field label="Access key ID">
          <input name="accessKeyId" required autoComplete="username" spellcheck={false} />
        </Field>
        <Field label="Secret access key">
          <input name="secretAccessKey" type="password" required autoComplete="current-password" />
        </Field>
        <Field label="Session token (optional)">
          <input name="sessionToken" type="password" autoComplete="off" />
        </Field>
        <Field label="Region">
          <input name="region" defaultValue="us-east-1" required spellcheck={false} />
        </Field>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <div id="signin-error">
          <ErrorBox error={error} />
        </div>
      </form>
    </section>
  );
}
