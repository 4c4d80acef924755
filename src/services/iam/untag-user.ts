import { USER_SIDE } from './identity-kinds.js';
import { untagIdentity } from './identity-tags.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';

/** IAM API Reference, "UntagUser": removes tags from an IAM user by key. Needs iam:UntagUser on the user. */
export const untagUser: QueryOperation = untagIdentity(USER_SIDE);

export const UntagUser = defineQueryOperation({ service: 'iam', name: 'UntagUser', readOnly: false, handler: untagUser });
