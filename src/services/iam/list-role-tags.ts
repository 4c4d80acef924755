import { ROLE_SIDE } from './identity-kinds.js';
import { listIdentityTags } from './identity-tags.js';
import type { QueryOperation } from './operation.js';

/** IAM API Reference, "ListRoleTags": the tags of an IAM role, sorted by key, paged. Needs iam:ListRoleTags on the role. */
export const listRoleTags: QueryOperation = listIdentityTags(ROLE_SIDE);
