import { USER_SIDE } from './identity-kinds.js';
import { listIdentityTags } from './identity-tags.js';
import { defineQueryOperation, type QueryOperation } from './operation.js';

/** IAM API Reference, "ListUserTags": the tags of an IAM user, sorted by key, paged. Needs iam:ListUserTags on the user. */
export const listUserTags: QueryOperation = listIdentityTags(USER_SIDE);

export const ListUserTags = defineQueryOperation({ service: 'iam', name: 'ListUserTags', readOnly: true, handler: listUserTags });
