import { TagException } from '../errors/aws-error.js';
import type { Tags } from './key.js';

/** Tags per KMS key (AWS KMS Developer Guide, "Quotas": 50 tags per key). */
export const MAX_TAGS_PER_KEY = 50;

/** Checks a TagList the way KMS does, in its order: duplicates, count, reserved prefix. */
export function tagsFromList(list: { TagKey: string; TagValue: string }[]): Tags {
  const tags: Tags = {};
  for (const { TagKey, TagValue } of list) {
    if (Object.hasOwn(tags, TagKey)) throw TagException('Duplicate tag keys');
    tags[TagKey] = TagValue;
  }
  if (list.length > MAX_TAGS_PER_KEY) throw TagException('Too many tags');
  for (const key of Object.keys(tags)) assertNotReserved(key);
  return tags;
}

export function assertNotReserved(tagKey: string): void {
  if (tagKey.toLowerCase().startsWith('aws:')) throw TagException('Tags beginning with aws: are reserved');
}

export const tagsToList = (tags: Tags) => Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
