import { ROLE_SIDE } from './identity-kinds.js';
import { untagIdentity } from './identity-tags.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';

/** IAM API Reference, "UntagRole": removes tags from an IAM role by key. Needs iam:UntagRole on the role. */
export const untagRole: QueryOperation = untagIdentity(ROLE_SIDE);

export const UntagRole = defineQueryOperation({ service: 'iam', name: 'UntagRole', readOnly: false, handler: untagRole });
