import type { Command } from 'commander';
import { explainRequest, requestFromEvent, type ExplainRequest } from '../../services/explain/explain.js';
import { DEFAULT_DATABASE_URL, openOfflineStores } from '../open-offline-store.js';
import { renderText } from './render.js';

const DEFAULT_DATA_DIR = process.env.LOCKSMITH_DATA_DIR ?? './.locksmith';

interface Flags {
  principal?: string;
  action?: string;
  resource?: string;
  context: string[];
  viaService?: string;
  region?: string;
  eventId?: string;
  sseKmsKeyId?: string;
  dataDir: string;
  databaseUrl?: string;
  json?: boolean;
}

/** `locksmith explain`: why a KMS call is (or would be) allowed or denied, offline against the data directory. */
export function registerExplainCommand(program: Command): void {
  program
    .command('explain')
    .description('why a KMS or S3 call is allowed or denied, and the smallest fix (offline, against the data directory)')
    .option('--principal <arn>', 'caller: account root, IAM user, IAM role or assumed-role ARN')
    .option('--action <action>', 'permission, e.g. kms:Decrypt, or an S3 operation, e.g. s3:PutObject, s3:UploadPart')
    .option('--resource <arn>', 'key ARN, or the S3 object ARN (arn:aws:s3:::bucket/key)')
    .option('--context <k=v>', 'encryption context pair (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--via-service <name>', 'the call is made by an AWS service for the caller (kms:ViaService), e.g. s3.us-east-1.amazonaws.com')
    .option('--region <r>', "the Region the call is sent to (default: the key's)")
    .option('--sse-kms-key-id <id>', 'S3 calls: the SSE-KMS key (S3 calls KMS as the caller)')
    .option('--event-id <id>', 'explain a recorded call from the audit trail instead')
    .option('--data-dir <dir>', 'data directory (LOCKSMITH_DATA_DIR)', DEFAULT_DATA_DIR)
    .option('--database-url <url>', 'PostgreSQL store, postgres://… (LOCKSMITH_DATABASE_URL; default the data directory)', DEFAULT_DATABASE_URL)
    .option('--json', 'machine-readable output')
    .action(async (o: Flags) => {
      const { store, s3, close } = await openOfflineStores(o.dataDir, o.databaseUrl);
      try {
        let req: ExplainRequest;
        if (o.eventId) req = await requestFromEvent(store, o.eventId);
        else {
          if (!o.principal || !o.action || !o.resource) throw new Error('explain needs --principal, --action and --resource (or --event-id)');
          const encryptionContext = o.context.length === 0 ? undefined : Object.fromEntries(o.context.map((kv) => {
            const i = kv.indexOf('=');
            if (i <= 0) throw new Error(`invalid --context '${kv}': k=v expected`);
            return [kv.slice(0, i), kv.slice(i + 1)];
          }));
          req = { principal: o.principal, action: o.action, resource: o.resource, encryptionContext, viaService: o.viaService, region: o.region, sseKmsKeyId: o.sseKmsKeyId };
        }
        const answer = await explainRequest({ store, s3 }, req);
        console.log(o.json ? JSON.stringify(answer, null, 2) : renderText(answer));
        process.exitCode = answer.verdict === 'ALLOWED' ? 0 : 2;
      } finally {
        await close();
      }
    });
}
