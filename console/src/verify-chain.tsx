/** The audit page's hash-chain verification: LocksmithService.VerifyAuditTrail for the caller's account. */
import { useState } from 'preact/hooks';
import { locksmithCall, type Clients } from './aws';
import { ErrorBox, useAction } from './ui';

interface Problem { Kind: string; ChainSeq?: number; EventId?: string; Message: string }
interface Chain { Account: string; Region: string; Writer: string; RecordsVerified: number; Digests: number; Ok: boolean; FirstBrokenRecord?: Problem; DigestProblems: Problem[] }

export function VerifyChain({ c }: { c: Clients }) {
  const [result, setResult] = useState<{ Ok: boolean; Chains: Chain[] }>();
  const act = useAction();
  const verify = () => act.run(async () => {
    setResult(undefined);
    setResult(await locksmithCall(c.session, 'VerifyAuditTrail', {}));
  });
  return (
    <section class="verify-chain" aria-labelledby="verify-chain-title">
      <h2 id="verify-chain-title">Hash-chain verification</h2>
      <button type="button" disabled={act.busy} onClick={verify}>Verify chain</button>
      <ErrorBox error={act.error} label="verify-error" />
      <div role="status" aria-live="polite" data-testid="verify-result">
        {act.busy ? 'Verifying…' : null}
        {result ? (
          <>
            <p class={result.Ok ? 'ok' : 'failed'}>
              <strong>{result.Ok ? 'Audit trail intact' : 'Audit trail BROKEN'}</strong>
              {result.Chains.length === 0 ? ' (no audit records)' : null}
            </p>
            <ul>
              {result.Chains.map((ch) => (
                <li key={`${ch.Region}/${ch.Writer}`}>
                  {ch.Account} {ch.Region}{ch.Writer ? ` (node ${ch.Writer})` : ''}: {ch.RecordsVerified} records{ch.Ok ? '' : ' read up to the first break'}, {ch.Digests} digests: {ch.Ok ? 'OK' : 'BROKEN'}
                  {ch.FirstBrokenRecord ? <div>{ch.FirstBrokenRecord.Kind}: {ch.FirstBrokenRecord.Message}</div> : null}
                  {ch.DigestProblems.map((p, i) => <div key={i}>digest: {p.Message}</div>)}
                </li>
              ))}
            </ul>
          </>
        ) : null}
      </div>
    </section>
  );
}
