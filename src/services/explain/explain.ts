/**
 * The explainer's one engine, behind its doors (the `locksmith explain` CLI, the
 * LocksmithService.Explain API, the console): why a KMS call — or an S3 call and the KMS call S3
 * makes as the caller — is allowed or denied, and the smallest fix.
 */
import { isKmsOperation } from '../../model/kms-model.js';
import { ValidationException } from '../../errors/aws-error.js';
import { analyze, type Explanation } from './analyze.js';
import { gather, type ExplainDeps, type ExplainRequest } from './gather.js';
import { explainS3 } from './s3-explain.js';

export type { Explanation, NearMiss, PathStep } from './analyze.js';
export type { Fix } from './fix.js';
export type { ExplainDeps, ExplainRequest } from './gather.js';
export { requestFromEvent, type EventScope } from './event-request.js';

/** Permissions that are not operation names (KMS Developer Guide, "ReEncrypt"). */
const KMS_PERMISSIONS_ONLY = new Set(['ReEncryptFrom', 'ReEncryptTo']);

export async function explainRequest(deps: ExplainDeps, req: ExplainRequest): Promise<Explanation> {
  if (/^s3:/i.test(req.action)) return explainS3(deps, req);
  const operation = req.action.replace(/^kms:/i, '');
  if (!isKmsOperation(operation) && !KMS_PERMISSIONS_ONLY.has(operation)) {
    throw ValidationException(`Action must be a KMS permission (kms:Decrypt, kms:GenerateDataKey, …) or an S3 one (s3:PutObject, s3:GetObject, s3:UploadPart, …), got '${req.action}'`);
  }
  return analyze(await gather(deps.store, { ...req, action: `kms:${operation}` }, deps.clock), req.encryptionContext);
}
