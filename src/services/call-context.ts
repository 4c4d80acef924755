import type { Clock } from '../util/clock.js';
import type { Random } from '../crypto/random.js';
import type { PrincipalType } from '../store/ports.js';

/** Who is calling. Services see this, never an HTTP request. */
export interface Principal {
  type: PrincipalType;
  arn: string;
  account: string;
  accessKeyId: string;
}

/** Everything an operation may know about its call, injected by the protocol layer. */
export interface CallContext {
  principal: Principal;
  /** The caller's account (the access key's owner). */
  account: string;
  /** The region from the request's SigV4 credential scope. */
  region: string;
  sourceIp: string;
  requestId: string;
  clock: Clock;
  random: Random;
}
