/**
 * An S3 call explained: the S3 authorization (identity policies and the bucket policy, decided by
 * src/services/s3/authorize.ts) and, with SSE-KMS, the KMS call S3 makes *as the caller*:
 * GenerateDataKey for PutObject / CreateMultipartUpload / CopyObject, Decrypt for GetObject /
 * UploadPart / UploadPartCopy (S3 API Reference, CreateMultipartUpload and UploadPart,
 * "Permissions"), with kms:ViaService `s3.<region>.amazonaws.com` and the encryption context
 * `aws:s3:arn` = the object ARN (shared/reference/s3-sse-facts.md §3).
 */
import { AwsError, ValidationException } from '../../errors/aws-error.js';
import { explainPolicies, type PolicyExplanation } from '../../policy/explain.js';
import type { CallContext } from '../../domain/call-context.js';
import type { S3Bucket } from '../../store/s3-ports.js';
import { secureRandom } from '../../crypto/random.js';
import { systemClock } from '../../util/clock.js';
import { callerIdentityPolicies } from '../caller-policies.js';
import { authorizeS3, s3RequestContext } from '../s3/authorize.js';
import { S3_OPERATIONS } from '../s3/operations.js';
import { analyze, nearMiss, relevant, type Explanation, type NearMiss, type PathStep } from './analyze.js';
import { gather, resolvePrincipal, type ExplainDeps, type ExplainRequest } from './gather.js';
import { s3Fix, type S3Facts } from './s3-fix.js';

/** The KMS operation S3 calls for an S3 operation on an SSE-KMS object. */
const KMS_CALL: Record<string, 'GenerateDataKey' | 'Decrypt'> = {
  PutObject: 'GenerateDataKey',
  CreateMultipartUpload: 'GenerateDataKey',
  CopyObject: 'GenerateDataKey',
  GetObject: 'Decrypt',
  UploadPart: 'Decrypt',
  UploadPartCopy: 'Decrypt',
};

const S3_ARN = /^arn:aws:s3:::([^/]+)(?:\/(.+))?$/;

export async function explainS3(deps: ExplainDeps, req: ExplainRequest): Promise<Explanation> {
  if (!deps.s3) throw ValidationException('S3 calls cannot be explained here: no S3 store.');
  const operation = req.action.slice(3);
  const op = S3_OPERATIONS[operation];
  const action = op?.action ?? `s3:${operation}`;
  const m = S3_ARN.exec(req.resource);
  if (!m || !/^[A-Za-z]+$/.test(operation)) throw ValidationException(`Resource must be an S3 bucket or object ARN (arn:aws:s3:::bucket/key) and Action an S3 action, got '${req.action}' on '${req.resource}'`);
  const [, bucketName, objectKey] = m as unknown as [string, string, string | undefined];
  if (op?.resource === 'object' && objectKey === undefined) throw ValidationException(`${req.action} acts on an object: Resource must be arn:aws:s3:::${bucketName}/<key>`);
  const principal = await resolvePrincipal(deps.store, req.principal, req.sessionPolicies);
  const bucket = await deps.s3.getBucket(bucketName);
  const base = { request: { principal: principal.arn, action, resource: req.resource, region: bucket?.region ?? req.region ?? '', conditionKeys: {} }, statements: [] as NearMiss[] };
  if (!bucket) {
    return { ...base, verdict: 'DENIED', error: 'NoSuchBucket', message: 'The specified bucket does not exist', path: [{ step: 'bucket', ok: false, detail: `no bucket ${bucketName}` }], fix: { kind: 'None', summary: 'check the bucket name' } };
  }
  const ctx: CallContext = {
    principal, account: principal.account, region: bucket.region, sourceIp: '127.0.0.1', secureTransport: false, userAgent: 'locksmith-explain',
    requestId: 'explain', clock: deps.clock ?? systemClock, random: secureRandom,
  };
  const kmsOperation = KMS_CALL[operation];
  const keyArn = req.sseKmsKeyId && kmsOperation ? await resolveSseKey(deps, req.sseKmsKeyId, principal.account, bucket.region) : undefined;
  const extra = kmsOperation === 'GenerateDataKey' && keyArn
    ? { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': keyArn } : {};

  // The S3 decision is the authorizer's own; the statements show why.
  let s3Denied: string | undefined;
  try {
    await authorizeS3(deps, ctx, action, req.resource, bucket, extra);
  } catch (e) {
    if (!(e instanceof AwsError) || e.code !== 'AccessDenied') throw e;
    s3Denied = e.message;
  }
  const request = s3RequestContext(ctx, action, req.resource, bucket, extra);
  const identity = await callerIdentityPolicies(deps.store, principal);
  const policies = explainPolicies(request, [
    ...(bucket.policy ? [{ kind: 'bucketPolicy' as const, name: bucket.name, text: bucket.policy, principal: 'required' as const }] : []),
    ...identity.map((p) => ({ kind: 'identityPolicy' as const, name: p.name, text: p.document, principal: 'forbidden' as const })),
    ...(principal.session?.sessionPolicies ?? []).map((text, i) => ({ kind: 'sessionPolicy' as const, name: `session-${i + 1}`, text, principal: 'forbidden' as const })),
  ]);
  const facts = s3Facts(policies, principal.account === bucket.account);
  const path: PathStep[] = [{ step: 'bucket', ok: true, detail: `${bucket.name} (account ${bucket.account}, ${bucket.region})` }, ...s3Steps(facts, bucket, action)];
  const statements = policies.flatMap((p) => p.statements.filter(relevant).map((s) => ({ ...nearMiss(`${p.kind} ${p.name}`, s), call: action })));
  const shown = Object.fromEntries(Object.entries(request.conditionKeys).filter(([k, v]) => v !== undefined && !k.startsWith('aws:CurrentTime') && !k.startsWith('aws:EpochTime')));
  const s3Part = { ...base, request: { ...base.request, conditionKeys: shown }, path, statements };

  if (!kmsOperation || !req.sseKmsKeyId) {
    path.push({ step: 'kmsCall', ok: true, detail: kmsOperation ? `no SSE-KMS key given (SseKmsKeyId): S3 calls kms:${kmsOperation} as the caller only for SSE-KMS objects` : `${operation} makes no KMS call` });
    return s3Denied === undefined
      ? { ...s3Part, verdict: 'ALLOWED', fix: { kind: 'None', summary: `allowed by S3 (${facts.bucketAllowsCaller ? 'the bucket policy' : 'an identity policy'})` } }
      : { ...s3Part, verdict: 'DENIED', error: 'AccessDenied', message: s3Denied, fix: s3Fix(request, bucket, policies, facts, identity) };
  }
  // The KMS call S3 makes with the caller's identity.
  const via = `s3.${bucket.region}.amazonaws.com`;
  const encryptionContext = { ...req.encryptionContext, 'aws:s3:arn': req.resource };
  const kmsReq: ExplainRequest = { principal: req.principal, action: `kms:${kmsOperation}`, resource: keyArn!, region: bucket.region, encryptionContext, viaService: via, sessionPolicies: req.sessionPolicies };
  const kms = analyze(await gather(deps.store, kmsReq, deps.clock), encryptionContext);
  path.push({
    step: 'kmsCall', ok: kms.verdict === 'ALLOWED',
    detail: `S3 calls kms:${kmsOperation} on ${kms.request.resource} as ${principal.arn} (kms:ViaService ${via}, encryption context ${JSON.stringify(encryptionContext)}): ${kms.verdict === 'ALLOWED' ? 'allowed' : `denied (${kms.error})`}`,
  }, ...kms.path);
  const all = { ...s3Part, statements: [...statements, ...kms.statements.map((s) => ({ ...s, call: `kms:${kmsOperation}` }))] };
  if (s3Denied !== undefined) return { ...all, verdict: 'DENIED', error: 'AccessDenied', message: s3Denied, fix: s3Fix(request, bucket, policies, facts, identity) };
  if (kms.verdict === 'ALLOWED') return { ...all, verdict: 'ALLOWED', fix: { kind: 'None', summary: `allowed: S3 authorizes ${action} and KMS allows the kms:${kmsOperation} S3 makes as the caller` } };
  // S3 answers a KMS denial with its own 403 AccessDenied naming the kms action; KMS key errors keep their names with a `KMS.` prefix.
  const error = kms.error === 'AccessDeniedException' ? 'AccessDenied' : `KMS.${kms.error}`;
  return { ...all, verdict: 'DENIED', error, message: kms.message, fix: { ...kms.fix, summary: `S3 calls kms:${kmsOperation} on the SSE-KMS key as the caller: ${kms.fix.summary}` } };
}

/** A key id, key ARN, alias name or alias ARN as S3 takes it; ids and aliases resolve in the caller's account (S3 API Reference, PutObject SSEKMSKeyId). */
async function resolveSseKey(deps: ExplainDeps, id: string, account: string, region: string): Promise<string> {
  if (/^arn:aws:kms:[a-z0-9-]+:\d{12}:key\//.test(id)) return id;
  const aliasArn = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/.exec(id);
  const [aliasAccount, aliasRegion, aliasName] = aliasArn ? [aliasArn[2]!, aliasArn[1]!, aliasArn[3]!] : [account, region, id];
  if (aliasName.startsWith('alias/')) {
    const alias = await deps.store.aliases.get(aliasAccount, aliasRegion, aliasName);
    // An unknown alias: the explanation's keyExists step says so.
    return `arn:aws:kms:${aliasRegion}:${aliasAccount}:key/${alias?.targetKeyId ?? `?${aliasName}`}`;
  }
  if (!/^[A-Za-z0-9-]{1,2048}$/.test(id)) throw ValidationException(`SseKmsKeyId must be a key id, key ARN, alias name or alias ARN, got '${id}'`);
  return `arn:aws:kms:${region}:${account}:key/${id}`;
}

function s3Facts(policies: PolicyExplanation[], sameAccount: boolean): S3Facts {
  const bucketPolicy = policies.find((p) => p.kind === 'bucketPolicy');
  const allows = (grantsTo: string[]) => bucketPolicy?.statements.some((s) => s.effect === 'Allow' && s.matched && grantsTo.includes(s.principal?.grantsTo ?? 'none')) ?? false;
  return {
    sameAccount,
    hasBucketPolicy: bucketPolicy !== undefined,
    bucketAllowsCaller: allows(['caller', 'callerAndAccount']),
    bucketAllowsAccount: allows(['account', 'callerAndAccount']),
    identityAllows: policies.some((p) => p.kind === 'identityPolicy' && p.statements.some((s) => s.effect === 'Allow' && s.matched)),
    denies: policies.flatMap((p) => p.statements.filter((s) => s.effect === 'Deny' && s.matched).map((s) => ({ policy: p, statement: s }))),
  };
}

function s3Steps(f: S3Facts, bucket: S3Bucket, action: string): PathStep[] {
  const admits = f.bucketAllowsCaller || f.bucketAllowsAccount;
  const bucketDetail = !f.hasBucketPolicy ? 'no bucket policy' : f.bucketAllowsCaller ? `allows the caller ${action}` : f.bucketAllowsAccount ? `allows the caller's account ${action}` : `no Allow names the caller (or its account) with ${action}`;
  return [
    { step: 'bucketPolicy', ok: f.sameAccount || admits, detail: f.sameAccount ? `${bucketDetail} (same account: an identity policy suffices)` : `${bucketDetail} (cross-account: the bucket policy of ${bucket.account} must allow)` },
    { step: 's3IdentityPolicies', ok: f.identityAllows || (f.sameAccount && f.bucketAllowsCaller), detail: f.identityAllows ? `an Allow matches ${action}` : `no Allow matches ${action} on the object` },
    { step: 's3ExplicitDeny', ok: f.denies.length === 0, detail: f.denies.length === 0 ? 'no Deny matches' : f.denies.map((d) => `${d.policy.kind} ${d.policy.name} statement ${d.statement.sid ?? `#${d.statement.index + 1}`}`).join('; ') },
  ];
}
