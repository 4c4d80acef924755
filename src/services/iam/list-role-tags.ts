import { ROLE_SIDE } from './identity-kinds.js';
import { listIdentityTags } from './identity-tags.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';

/** IAM API Reference, "ListRoleTags": the tags of an IAM role, sorted by key, paged. Needs iam:ListRoleTags on the role. */
export const listRoleTags: QueryOperation = listIdentityTags(ROLE_SIDE);

export const ListRoleTags = defineQueryOperation({ service: 'iam', name: 'ListRoleTags', readOnly: true, handler: listRoleTags });
