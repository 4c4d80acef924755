import { ROLE_SIDE } from './identity-kinds.js';
import { tagIdentity } from './identity-tags.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';

/**
 * IAM API Reference, "TagRole": adds tags to an IAM role; a tag whose key matches an existing one
 * regardless of case replaces it. At most 50 tags per role (LimitExceeded). Needs iam:TagRole on the role.
 */
export const tagRole: QueryOperation = tagIdentity(ROLE_SIDE);

export const TagRole = defineQueryOperation({ service: 'iam', name: 'TagRole', readOnly: false, handler: tagRole });
