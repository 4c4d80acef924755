/**
 * LocksmithService.VerifyAuditTrail: what `locksmith audit verify` computes (src/audit/verify.ts),
 * for the caller's account, every Region and writer. Reading the trail's integrity is reading the
 * trail: the caller needs cloudtrail:LookupEvents, decided as LookupEvents decides it.
 *
 * Request: {} . Response: {"Ok", "Chains": [{"Account", "Region", "Writer", "RecordsVerified",
 * "Digests", "Ok", "FirstBrokenRecord"?, "DigestProblems"}]}.
 */
import { verifyAuditTrail, type ChainReport, type VerifyProblem } from '../../audit/verify.js';
import type { RootKeyring } from '../../crypto/root-keyring.js';
import type { CallContext } from '../../domain/call-context.js';
import { ValidationException } from '../../errors/aws-error.js';
import type { Store } from '../../store/ports.js';
import { authorizeLookup } from '../cloudtrail/lookup-events.js';

interface Problem { Kind: string; ChainSeq?: number; EventId?: string; Message: string }

export interface VerifyAuditTrailOutput {
  Ok: boolean;
  Chains: { Account: string; Region: string; Writer: string; RecordsVerified: number; Digests: number; Ok: boolean; FirstBrokenRecord?: Problem; DigestProblems: Problem[] }[];
}

const shown = (p: VerifyProblem): Problem => ({ Kind: p.kind, ChainSeq: p.chainSeq, EventId: p.eventId, Message: p.message });

export async function verifyAuditTrailCall(store: Store, keyring: RootKeyring, ctx: CallContext, input: unknown): Promise<VerifyAuditTrailOutput> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw ValidationException('The request body must be a JSON object.');
  await authorizeLookup(ctx, store);
  let reports: ChainReport[] = [];
  // Calls recorded while the chain is read can move its head under the reader (a record "beyond the
  // head", a head beyond the last record read): a real break stays, so a finding is read once more.
  for (let attempt = 0; attempt < 3; attempt++) {
    reports = await verifyAuditTrail(store.audit, { account: ctx.account, keyring });
    if (reports.every((r) => r.problems.length === 0)) break;
  }
  const chains = reports.map((r) => {
    const broken = r.problems.find((p) => p.kind !== 'digest');
    return {
      Account: r.account,
      Region: r.region,
      Writer: r.writer,
      RecordsVerified: r.records,
      Digests: r.digests,
      Ok: r.problems.length === 0,
      ...(broken ? { FirstBrokenRecord: shown(broken) } : {}),
      DigestProblems: r.problems.filter((p) => p.kind === 'digest').map(shown),
    };
  });
  return { Ok: chains.every((c) => c.Ok), Chains: chains };
}
