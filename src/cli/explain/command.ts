import type { Command } from 'commander';
import type { Store } from '../../store/ports.js';
import { DEFAULT_DATABASE_URL, openOfflineStore } from '../open-offline-store.js';
import { analyze, type Explanation } from './analyze.js';
import { gather, type ExplainRequest } from './gather.js';
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
  dataDir: string;
  databaseUrl?: string;
  json?: boolean;
}

export async function explainRequest(store: Store, req: ExplainRequest): Promise<Explanation> {
  return analyze(await gather(store, req), req.encryptionContext);
}

/** The request of a recorded call (a denied one, typically): caller, action, key, context, Region. */
export async function requestFromEvent(store: Store, eventId: string): Promise<ExplainRequest> {
  for (const chain of await store.audit.chains()) {
    const page = await store.audit.lookup({ ...chain, attribute: { key: 'EventId', value: eventId }, limit: 1 });
    const event = page.events[0];
    if (!event) continue;
    const r = JSON.parse(event.record) as {
      eventName: string; awsRegion: string; eventSource: string; userIdentity: { arn?: string; invokedBy?: string };
      requestParameters: { keyId?: string; encryptionContext?: Record<string, string> } | null; resources?: { ARN: string; type: string }[];
    };
    if (r.eventSource !== 'kms.amazonaws.com') throw new Error(`event ${eventId} is a ${r.eventSource} call; the explainer covers KMS calls`);
    const resource = r.resources?.find((x) => x.type === 'AWS::KMS::Key')?.ARN ?? r.requestParameters?.keyId;
    if (!r.userIdentity.arn || !resource || !resource.startsWith('arn:')) throw new Error(`event ${eventId} names no caller or key ARN to explain`);
    return {
      principal: r.userIdentity.arn,
      action: `kms:${r.eventName}`,
      resource,
      region: r.awsRegion,
      encryptionContext: r.requestParameters?.encryptionContext,
      viaService: r.userIdentity.invokedBy?.includes('.') ? `${r.userIdentity.invokedBy.split('.')[0]}.${r.awsRegion}.amazonaws.com` : undefined,
    };
  }
  throw new Error(`no audit record with event id ${eventId}`);
}

/** `locksmith explain`: why a KMS call is (or would be) allowed or denied, offline against the data directory. */
export function registerExplainCommand(program: Command): void {
  program
    .command('explain')
    .description('why a KMS call is allowed or denied, and the smallest fix (offline, against the data directory)')
    .option('--principal <arn>', 'caller: account root, IAM user, IAM role or assumed-role ARN')
    .option('--action <action>', 'permission, e.g. kms:Decrypt')
    .option('--resource <arn>', 'key ARN')
    .option('--context <k=v>', 'encryption context pair (repeatable)', (v: string, all: string[]) => [...all, v], [])
    .option('--via-service <name>', 'the call is made by an AWS service for the caller (kms:ViaService), e.g. s3.us-east-1.amazonaws.com')
    .option('--region <r>', "the Region the call is sent to (default: the key's)")
    .option('--event-id <id>', 'explain a recorded call from the audit trail instead')
    .option('--data-dir <dir>', 'data directory (LOCKSMITH_DATA_DIR)', DEFAULT_DATA_DIR)
    .option('--database-url <url>', 'PostgreSQL store, postgres://… (LOCKSMITH_DATABASE_URL; default the data directory)', DEFAULT_DATABASE_URL)
    .option('--json', 'machine-readable output')
    .action(async (o: Flags) => {
      const store = await openOfflineStore(o.dataDir, o.databaseUrl);
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
          req = { principal: o.principal, action: o.action, resource: o.resource, encryptionContext, viaService: o.viaService, region: o.region };
        }
        const answer = await explainRequest(store, req);
        console.log(o.json ? JSON.stringify(answer, null, 2) : renderText(answer));
        process.exitCode = answer.verdict === 'ALLOWED' ? 0 : 2;
      } finally {
        await store.close();
      }
    });
}
