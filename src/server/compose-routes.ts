/** The route table's service objects, built once per listener from the composition root's parts (app.ts). */
import type { ParsedSigV4 } from '../auth/sigv4.js';
import { CloudTrailService } from '../services/cloudtrail/cloudtrail-service.js';
import { IAM_OPERATIONS } from '../services/iam/operations.js';
import { bindQueryOperations } from '../services/iam/query-api.js';
import { locksmithHandlers } from '../services/locksmith/handlers.js';
import { STS_OPERATIONS } from '../services/sts/operations.js';
import type { DevClockControl } from '../services/locksmith/dev-clock-control.js';
import type { KmsService } from '../services/kms/kms-service.js';
import type { S3Service } from '../services/s3/s3-service.js';
import { callerOf } from './authenticate.js';
import type { ConnectionGuard } from './connection-guard.js';
import type { PipelineDeps } from './pipeline.js';
import { s3Row } from './s3-route.js';
import { serviceRoutes, type ServiceRoutes } from './service-routes.js';

export function composeRoutes(deps: PipelineDeps & { kms: KmsService; s3?: S3Service; devClock?: DevClockControl; connections?: ConnectionGuard }): ServiceRoutes {
  const { store, keyring } = deps;
  return serviceRoutes({
    kms: deps.kms,
    iam: bindQueryOperations(IAM_OPERATIONS, { store, keyring }),
    sts: bindQueryOperations(STS_OPERATIONS, { store, keyring }),
    cloudtrail: new CloudTrailService(store),
    locksmith: locksmithHandlers({ store, keyring, clock: deps.clock, s3: deps.s3?.deps.s3, ...(deps.devClock ? { devClock: deps.devClock } : {}) }),
    ...(deps.s3
      ? {
          s3: s3Row({
            s3: deps.s3, now: () => (deps.requestClock ?? deps.clock).now(), clock: deps.clock, random: deps.random,
            ...(deps.skewMs !== undefined ? { skewMs: deps.skewMs } : {}),
            ...(deps.connections ? { connections: deps.connections } : {}),
            signingKeys: deps.signingKeys,
            authenticate: (signed: ParsedSigV4) => callerOf(deps, signed),
          }),
        }
      : {}),
  });
}
