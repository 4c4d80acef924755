/**
 * The Locksmith console. Preact (about 4 kB, function components and hooks, JSX compiled by
 * Vite's esbuild without a plugin) was chosen over Lit (decorators, shadow DOM that complicates
 * form labelling and the browser tests) and over bare web components (hand-written re-rendering).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { makeClients, savedSession, saveSession, type Session } from './aws';
import { SignIn } from './pages/sign-in';
import { KeysPage } from './pages/keys';
import { KeyDetail } from './pages/key-detail';
import { BucketsPage } from './pages/buckets';
import { BucketDetail } from './pages/bucket-detail';
import { AuditPage } from './pages/audit';
import { PrincipalsPage } from './pages/principals';
import { ExplainPage } from './pages/explain';
import { DevClock } from './dev-clock';

const NAV = [
  ['#/keys', 'Keys'],
  ['#/buckets', 'Buckets'],
  ['#/audit', 'Audit trail'],
  ['#/principals', 'Principals'],
  ['#/explain', 'Explain access'],
] as const;

function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/keys');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/keys');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

export function App() {
  const [session, setSession] = useState<Session | undefined>(savedSession);
  const clients = useMemo(() => (session ? makeClients(session) : undefined), [session]);
  const hash = useHash();
  // Bumped when the dev clock moves: the page is mounted again and reloads what it shows.
  const [clockMoves, setClockMoves] = useState(0);
  // Each page change moves focus to the page heading (screen readers announce the new page).
  useEffect(() => {
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [hash, session]);

  if (!clients) {
    return (
      <main id="main">
        <SignIn
          onSignIn={(s) => {
            saveSession(s);
            setSession(s);
          }}
        />
      </main>
    );
  }
  const [path, query] = hash.slice(1).split('?') as [string, string | undefined];
  const params = new URLSearchParams(query ?? '');
  const segs = path.split('/').filter(Boolean).map(decodeURIComponent);
  let page;
  if (segs[0] === 'keys' && segs[1]) page = <KeyDetail c={clients} keyId={segs[1]} />;
  else if (segs[0] === 'buckets' && segs[1]) page = <BucketDetail c={clients} bucket={segs[1]} prefix={params.get('prefix') ?? ''} />;
  else if (segs[0] === 'buckets') page = <BucketsPage c={clients} />;
  else if (segs[0] === 'audit') page = <AuditPage c={clients} />;
  else if (segs[0] === 'principals') page = <PrincipalsPage c={clients} />;
  else if (segs[0] === 'explain') page = <ExplainPage c={clients} params={params} />;
  else page = <KeysPage c={clients} />;

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.querySelector<HTMLElement>('main h1')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Locksmith</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <a href={href} aria-current={hash.startsWith(href) ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <DevClock c={clients} onMoved={() => setClockMoves((n) => n + 1)} />
        <div class="who">
          <span title={session!.arn}>{session!.arn ?? session!.accessKeyId}</span> <span class="muted">{session!.region}</span>
          <button
            type="button"
            onClick={() => {
              saveSession(undefined);
              setSession(undefined);
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" key={clockMoves}>{page}</main>
    </>
  );
}
