import { USER_SIDE } from './identity-kinds.js';
import { tagIdentity } from './identity-tags.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';

/**
 * IAM API Reference, "TagUser": adds tags to an IAM user; a tag whose key matches an existing one
 * regardless of case replaces it. At most 50 tags per user (LimitExceeded). Needs iam:TagUser on the user.
 */
export const tagUser: QueryOperation = tagIdentity(USER_SIDE);

export const TagUser = defineQueryOperation({ service: 'iam', name: 'TagUser', readOnly: false, handler: tagUser });
