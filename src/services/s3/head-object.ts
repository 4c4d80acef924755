import { getObject } from './get-object.js';
import type { S3Env } from './operation.js';

/** HeadObject: GetObject's headers without the body. */
export const headObject = (env: S3Env) => getObject(env, true);
