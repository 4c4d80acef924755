/**
 * The explainer's answer: verdict, decision path, statements that matched or almost matched, and
 * the smallest change that would allow the call (or the Deny to remove). Built on the policy
 * engine's explainKmsAccess and the KMS authorizer's inputs (gather.ts).
 */
import { explainKmsAccess, type StatementExplanation } from '../../policy/explain.js';
import { grantAllows, contextSatisfies } from '../kms/grant-evaluation.js';
import { accountRootArn } from '../../domain/arn.js';
import type { EncryptionContext } from '../../domain/encryption-context.js';
import type { Gathered } from './gather.js';
import { suggestFix, type Fix } from './fix.js';

export type { Fix } from './fix.js';

/** Operations that need an Enabled key (KMS Developer Guide, "Key states of AWS KMS keys"). */
const CRYPTO = new Set([
  'Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
  'ReEncryptFrom', 'ReEncryptTo', 'Sign', 'Verify', 'GenerateMac', 'VerifyMac', 'DeriveSharedSecret', 'Encapsulate', 'Decapsulate', 'GetPublicKey',
]);

export interface PathStep {
  step: 'keyExists' | 'region' | 'keyState' | 'keyPolicy' | 'identityPolicies' | 'grants' | 'sessionPolicies' | 'explicitDeny'
    // S3 calls (s3-explain.ts): the S3 authorization, then the KMS call S3 makes as the caller.
    | 'bucket' | 'bucketPolicy' | 's3IdentityPolicies' | 's3ExplicitDeny' | 'kmsCall';
  ok: boolean;
  detail: string;
}

export interface NearMiss {
  policy: string;
  statement: string;
  effect: 'Allow' | 'Deny';
  matched: boolean;
  /** The elements that failed: Principal, Action, Resource, or `Condition <op> <key>`. */
  failed: string[];
  reasons: string[];
  /** For S3 calls: which call the statement was evaluated for (`s3:PutObject`, or the `kms:GenerateDataKey` S3 makes). */
  call?: string;
}

export interface Explanation {
  verdict: 'ALLOWED' | 'DENIED';
  /** The AWS error the call gets. */
  error?: string;
  message?: string;
  request: { principal: string; action: string; resource: string; region: string; conditionKeys: Record<string, unknown> };
  path: PathStep[];
  statements: NearMiss[];
  fix: Fix;
}

export function analyze(g: Gathered, encryptionContext: EncryptionContext | undefined): Explanation {
  const action = `kms:${g.operation}`;
  const resource = g.key?.arn ?? `arn:aws:kms:${g.keyRegion}:${g.keyAccount}:key/?`;
  const shownKeys = Object.fromEntries(Object.entries(g.conditionKeys).filter(([k, v]) => v !== undefined && !k.startsWith('aws:CurrentTime') && !k.startsWith('aws:EpochTime')));
  const base = { request: { principal: g.principal.arn, action, resource, region: g.callRegion, conditionKeys: shownKeys }, statements: [] as NearMiss[] };
  const path: PathStep[] = [];
  if (!g.key) {
    path.push({ step: 'keyExists', ok: false, detail: `no key ${resource}` });
    return { ...base, verdict: 'DENIED', error: 'NotFoundException', path, fix: { kind: 'None', summary: 'check the key ARN (account, Region, key id)' } };
  }
  const key = g.key;
  path.push({ step: 'keyExists', ok: true, detail: `${key.arn} (${key.keyManager === 'AWS' ? 'AWS managed' : 'customer managed'}, ${key.keySpec})` });
  if (g.callRegion !== key.region) {
    path.push({ step: 'region', ok: false, detail: `the key is in ${key.region}; a call in ${g.callRegion} cannot use it (KMS keys are Regional)` });
    return { ...base, verdict: 'DENIED', error: 'NotFoundException', path,
      fix: { kind: 'Region', summary: `send the request to ${key.region} (the key's Region), or replicate a Multi-Region key into ${g.callRegion}` } };
  }
  path.push({ step: 'region', ok: true, detail: `call and key in ${key.region}` });
  const state = key.lifecycle.state;
  if (CRYPTO.has(g.operation) && state !== 'Enabled') {
    path.push({ step: 'keyState', ok: false, detail: `key state ${state}: ${g.operation} needs Enabled` });
    const fix: Fix = state === 'Disabled'
      ? { kind: 'EnableKey', summary: `enable the key: aws kms enable-key --key-id ${key.arn}` }
      : state === 'PendingDeletion'
        ? { kind: 'CancelKeyDeletion', summary: `cancel the deletion, then enable the key: aws kms cancel-key-deletion --key-id ${key.arn} && aws kms enable-key --key-id ${key.arn}` }
        : { kind: 'None', summary: `wait until the key leaves ${state}` };
    return { ...base, verdict: 'DENIED', error: state === 'Disabled' ? 'DisabledException' : 'KMSInvalidStateException', path, fix };
  }
  path.push({ step: 'keyState', ok: true, detail: `key state ${state}` });

  const grant = grantAllows(g.grants, g.operation, encryptionContext);
  const detail = explainKmsAccess(
    { principal: g.principal, action, resource: key.arn, resourceAccount: key.account, conditionKeys: g.conditionKeys },
    { keyPolicy: key.policy, identityPolicies: g.identityPolicies, sessionPolicies: g.principal.session?.sessionPolicies, grantsAllow: grant !== undefined, grantId: grant?.grantId },
  );
  const statements = detail.policies.flatMap((p) => p.statements.filter(relevant).map((s) => nearMiss(`${p.kind} ${p.name}`, s)));
  const keyPolicy = detail.policies.find((p) => p.kind === 'keyPolicy')!;
  const delegates = keyPolicy.statements.some((s) => s.effect === 'Allow' && (s.principal?.grantsTo === 'account' || s.principal?.grantsTo === 'callerAndAccount') && s.action.matched && s.resource.matched);
  const keyAllows = keyPolicy.statements.some((s) => s.effect === 'Allow' && s.matched && (s.principal?.grantsTo === 'caller' || s.principal?.grantsTo === 'callerAndAccount'));
  const identity = detail.policies.filter((p) => p.kind === 'identityPolicy');
  const identityAllows = identity.some((p) => p.statements.some((s) => s.effect === 'Allow' && s.matched));
  const denies = detail.policies.flatMap((p) => p.statements.filter((s) => s.effect === 'Deny' && s.matched).map((s) => ({ p, s })));
  path.push({ step: 'keyPolicy', ok: keyAllows || delegates, detail: `${keyAllows ? 'allows the caller' : 'does not allow the caller itself'}; ${delegates ? `delegates to IAM policies of account ${key.account}` : `does not delegate to IAM (no Allow for ${accountRootArn(key.account)} with ${action})`}` });
  path.push({ step: 'identityPolicies', ok: identityAllows, detail: identity.length === 0 ? 'none' : `${identity.map((p) => p.name).join(', ')}: ${identityAllows ? 'an Allow matches' : `no Allow matches ${action} on the key`}` });
  const sessions = detail.policies.filter((p) => p.kind === 'sessionPolicy');
  if (sessions.length > 0) path.push({ step: 'sessionPolicies', ok: detail.decision?.allowed !== false || detail.decision.reason !== 'noSessionAllow', detail: `${sessions.length} session policies` });
  path.push({ step: 'grants', ok: grant !== undefined, detail: grant ? `grant ${grant.grantId} allows ${g.operation}` : grantDetail(g, encryptionContext) });
  path.push({ step: 'explicitDeny', ok: denies.length === 0, detail: denies.length === 0 ? 'no Deny matches' : denies.map(({ p, s }) => `${p.kind} ${p.name} statement ${label(s)}`).join('; ') });
  const decision = detail.decision;
  if (decision?.allowed) {
    return { ...base, verdict: 'ALLOWED', path, statements, fix: { kind: 'None', summary: `allowed by ${decision.by}${decision.grantId ? ` ${decision.grantId}` : ''}` } };
  }
  const denied = { ...base, verdict: 'DENIED' as const, error: 'AccessDeniedException', message: detail.message ?? detail.error, path, statements };
  return { ...denied, fix: suggestFix(g, detail, { delegates, keyAllows, identityAllows, encryptionContext }) };
}

/** Statements worth showing: those that matched, and Allows/Denies that name the action (almost matched). */
export const relevant = (s: StatementExplanation) => s.matched || s.action.matched;

function label(s: StatementExplanation): string {
  return s.sid ? `"${s.sid}"` : `#${s.index + 1}`;
}

export function nearMiss(policy: string, s: StatementExplanation): NearMiss {
  const failed: string[] = [];
  if (s.principal && !s.principal.matched) failed.push(s.principal.element);
  if (!s.action.matched) failed.push(s.action.element);
  if (!s.resource.matched) failed.push(s.resource.element);
  for (const c of s.conditions) if (!c.matched) failed.push(`Condition ${c.operator} ${c.key} (seen ${c.actual === null ? 'nothing' : JSON.stringify(c.actual)})`);
  return { policy, statement: label(s), effect: s.effect, matched: s.matched, failed, reasons: s.reasons };
}

function grantDetail(g: Gathered, ec: EncryptionContext | undefined): string {
  if (g.grants.length === 0) return 'the caller holds no grant on the key';
  const withOp = g.grants.filter((x) => x.operations.includes(g.operation));
  if (withOp.length === 0) return `${g.grants.length} grant(s), none lists ${g.operation}`;
  return withOp.map((x) => contextSatisfies(x.constraints, ec) ? `grant ${x.grantId} allows it` :
    `grant ${x.grantId} lists ${g.operation} but its constraint ${JSON.stringify(x.constraints)} does not admit the encryption context ${JSON.stringify(ec ?? {})}`).join('; ');
}
