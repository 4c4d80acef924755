/** Calls of the explainer's doors for the explain tests: the API (signed for `locksmith`) and the answer's shape. */
import { send, signRequest, type Credentials, type Harness, type RawResponse } from './harness.js';

export interface Answer {
  verdict: 'ALLOWED' | 'DENIED';
  error?: string;
  message?: string;
  request: { principal: string; action: string; resource: string; region: string; conditionKeys: Record<string, unknown> };
  path: { step: string; ok: boolean; detail: string }[];
  statements: { policy: string; statement: string; effect: string; matched: boolean; failed: string[]; reasons: string[]; call?: string }[];
  fix: { kind: string; summary: string; target?: string; statement?: object; policy?: object; policyName?: string; grant?: Record<string, any> };
}

/** POST / with `X-Amz-Target: LocksmithService.Explain`, SigV4-signed for the service `locksmith`. */
export async function explainApi(h: Harness, body: unknown, credentials: Credentials, region = 'us-east-1', target = 'LocksmithService.Explain'): Promise<RawResponse> {
  const signed = await signRequest(h.endpoint, {
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    credentials, region, service: 'locksmith', signingDate: h.clock.now(),
  });
  return send(h.endpoint, signed);
}
