/**
 * The pipeline's authentication step: the caller behind a SigV4 access key, with the request's
 * signature verified against the caller's secret (AWS General Reference, "Signature Version 4").
 */
import { hash } from 'node:crypto';
import { resolveAccessKey } from '../auth/credentials.js';
import { resolveSessionCredentials, sessionPrincipal } from '../auth/session-credentials.js';
import { verifySigV4, type HttpRequestParts, type ParsedSigV4, type SigningKeyCache } from '../auth/sigv4.js';
import type { RootKeyring } from '../crypto/root-keyring.js';
import type { Principal } from '../domain/call-context.js';
import { AwsError, UnrecognizedClientException } from '../errors/aws-error.js';
import type { Store } from '../store/ports.js';
import type { Clock } from '../util/clock.js';

export interface AuthenticationDeps {
  store: Store;
  keyring: RootKeyring;
  /** The lifecycle clock: session expiry. */
  clock: Clock;
  /** Real time for SigV4 (skew, presign expiry); `clock` when absent. */
  requestClock?: Clock;
  /** Overrides every service's SigV4 request-time window when set. */
  skewMs?: number;
  /** The server's derived SigV4 signing keys (owned by the composition root). */
  signingKeys?: SigningKeyCache;
}

export interface Caller {
  principal: Principal;
  secretAccessKey: string;
}

const invalid = () => UnrecognizedClientException('The security token included in the request is invalid.');

/**
 * Long-term keys (AKIA…) from the credential store; temporary ones (ASIA…) from STS sessions.
 * Returns the store's own promise (no async wrapper: one promise hop less per call).
 */
function lookUpCaller(deps: AuthenticationDeps, signed: ParsedSigV4): Promise<Caller | undefined> {
  if (signed.accessKeyId.startsWith('ASIA')) return resolveSessionCredentials(deps.store, deps.keyring, signed.accessKeyId, signed.sessionToken, deps.clock.now());
  if (signed.sessionToken !== undefined) return Promise.resolve(undefined);
  return resolveAccessKey(deps.store, deps.keyring, signed.accessKeyId);
}

/** The caller behind an access key (its signature is checked by the caller: S3 checks it over the declared payload hash). */
export async function callerOf(deps: AuthenticationDeps, signed: ParsedSigV4): Promise<Caller> {
  const caller = await lookUpCaller(deps, signed);
  if (!caller) throw invalid();
  return caller;
}

/** The caller of a request whose whole body was read, its signature verified over that body; an AwsError when it fails. */
export async function authenticate(deps: AuthenticationDeps, signed: ParsedSigV4, parts: HttpRequestParts, body: Buffer): Promise<Caller | AwsError> {
  try {
    const caller = await lookUpCaller(deps, signed);
    if (!caller) return invalid();
    verifySigV4(signed, parts, caller.secretAccessKey, {
      now: (deps.requestClock ?? deps.clock).now(),
      ...(deps.skewMs !== undefined ? { skewMs: deps.skewMs } : {}),
      payloadSha256Hex: hash('sha256', body, 'hex'),
      signingKeyCache: deps.signingKeys,
    });
    return caller;
  } catch (e) {
    if (e instanceof AwsError) return e;
    throw e;
  }
}

/**
 * The owner of the access key a request that failed authentication used (a bad signature, an
 * expired or wrong session token), when the key is known: the call is recorded under it.
 */
export async function ownerOfAccessKey(deps: Pick<AuthenticationDeps, 'store' | 'keyring'>, signed: ParsedSigV4): Promise<Principal | undefined> {
  try {
    if (signed.accessKeyId.startsWith('ASIA')) {
      const session = await deps.store.sessions.get(signed.accessKeyId);
      return session && sessionPrincipal(session);
    }
    return (await resolveAccessKey(deps.store, deps.keyring, signed.accessKeyId))?.principal;
  } catch {
    return undefined;
  }
}
