/**
 * LocksmithService.Explain, the explainer's API door: the request members, checked; the caller's
 * right to read what the answer shows (authorize-explain.ts); then the one engine (explain.ts).
 *
 * Request: {"Principal"?, "Action", "Resource", "EncryptionContext"?, "ViaService"?, "SseKmsKeyId"?,
 * "Region"?} or {"EventId"}. Principal defaults to the caller. Response: the Explanation.
 */
import { ValidationException } from '../../errors/aws-error.js';
import type { CallContext } from '../../domain/call-context.js';
import { authorizeCaller, authorizeExplain } from './authorize-explain.js';
import { explainRequest, requestFromEvent, type Explanation } from './explain.js';
import type { ExplainDeps, ExplainRequest } from './gather.js';

const MEMBERS = ['Principal', 'Action', 'Resource', 'EncryptionContext', 'ViaService', 'SseKmsKeyId', 'Region', 'EventId'] as const;

export class ExplainService {
  constructor(private readonly deps: ExplainDeps) {}

  async explain(ctx: CallContext, input: unknown): Promise<Explanation> {
    const body = readInput(input);
    let req: ExplainRequest;
    if (body.EventId !== undefined) {
      for (const m of MEMBERS) if (m !== 'EventId' && body[m] !== undefined) throw ValidationException(`EventId cannot be combined with ${m}: the event names the call.`);
      // The event is read as LookupEvents reads it: in the caller's account and the request's Region.
      await authorizeCaller(this.deps, ctx, 'cloudtrail:LookupEvents', '*');
      req = await requestFromEvent(this.deps.store, body.EventId as string, { account: ctx.account, region: ctx.region });
    } else {
      if (body.Action === undefined) throw invalid(undefined, 'action', 'Member must not be null');
      if (body.Resource === undefined) throw invalid(undefined, 'resource', 'Member must not be null');
      const principal = (body.Principal as string | undefined) ?? ctx.principal.arn;
      req = {
        principal,
        action: body.Action as string,
        resource: body.Resource as string,
        encryptionContext: body.EncryptionContext as Record<string, string> | undefined,
        viaService: body.ViaService as string | undefined,
        sseKmsKeyId: body.SseKmsKeyId as string | undefined,
        region: body.Region as string | undefined,
      };
    }
    // The caller explaining itself: its session policies bound its permissions as they do its calls.
    if (req.principal === ctx.principal.arn && ctx.principal.session) req = { ...req, sessionPolicies: ctx.principal.session.sessionPolicies };
    await authorizeExplain(this.deps, ctx, req);
    const e = await explainRequest({ ...this.deps, clock: this.deps.clock ?? ctx.clock }, req);
    // The answer's members in reading order.
    return { verdict: e.verdict, error: e.error, message: e.message, request: e.request, path: e.path, statements: e.statements, fix: e.fix };
  }
}

/** AWS's validation message form ("1 validation error detected: …"). */
function invalid(value: unknown, member: string, constraint: string) {
  const shown = value === undefined ? 'null' : typeof value === 'string' ? `'${value}'` : `'${JSON.stringify(value)}'`;
  return ValidationException(`1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`);
}

function readInput(input: unknown): Partial<Record<(typeof MEMBERS)[number], unknown>> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw ValidationException('The request body must be a JSON object.');
  const body = input as Record<string, unknown>;
  const out: Partial<Record<(typeof MEMBERS)[number], unknown>> = {};
  const limits: Record<string, [number, number, RegExp?]> = {
    Principal: [20, 2048, /^arn:aws:(iam|sts)::\d{12}:/],
    Action: [3, 128, /^(kms|s3):[A-Za-z0-9*]+$/i],
    Resource: [1, 2048, /^arn:aws:(kms|s3):/],
    ViaService: [1, 256, /^[a-z0-9-]+\.[a-z0-9-]+\.amazonaws\.com$/],
    SseKmsKeyId: [1, 2048],
    Region: [1, 32, /^[a-z]{2}(-[a-z]+)+-\d+$/],
    EventId: [1, 128],
  };
  for (const m of MEMBERS) {
    const v = body[m];
    if (v === undefined || v === null) continue;
    const member = m[0]!.toLowerCase() + m.slice(1);
    if (m === 'EncryptionContext') {
      if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
        throw invalid(v, member, 'Member must be a map of strings to strings');
      }
      out[m] = v;
      continue;
    }
    const [min, max, pattern] = limits[m]!;
    if (typeof v !== 'string') throw invalid(v, member, 'Member must be a string');
    if (v.length < min) throw invalid(v, member, `Member must have length greater than or equal to ${min}`);
    if (v.length > max) throw invalid(v, member, `Member must have length less than or equal to ${max}`);
    if (pattern && !pattern.test(v)) throw invalid(v, member, `Member must satisfy regular expression pattern: ${pattern.source}`);
    out[m] = v;
  }
  return out;
}
