import { s3Error } from '../../errors/s3-errors.js';
import { parseXmlBody } from './s3-xml.js';

export type TagSet = Array<{ Key: string; Value: string }>;

/**
 * A `<Tagging><TagSet><Tag><Key/><Value/></Tag>…` body (S3 User Guide, "Categorizing your storage
 * using tags": at most 10 tags per object and 50 per bucket, keys of 128 and values of 256
 * characters, keys unique).
 */
export function parseTagging(body: Buffer, max: number): TagSet {
  const tree = parseXmlBody(body);
  const raw = tree.Tagging?.TagSet?.Tag ?? [];
  const tags: TagSet = (Array.isArray(raw) ? raw : [raw]).map((t: any) => ({ Key: String(t?.Key ?? ''), Value: String(t?.Value ?? '') }));
  if (tags.length > max) throw s3Error('InvalidTag', `Object tags cannot be greater than ${max}`);
  const seen = new Set<string>();
  for (const t of tags) {
    if (t.Key === '' || [...t.Key].length > 128) throw s3Error('InvalidTag', 'The TagKey you have provided is invalid');
    if ([...t.Value].length > 256) throw s3Error('InvalidTag', 'The TagValue you have provided is too long, max length is 256');
    if (seen.has(t.Key)) throw s3Error('InvalidTag', 'Cannot provide multiple Tags with the same key');
    seen.add(t.Key);
  }
  return tags;
}

export const taggingXml = (tags: TagSet) => ({ TagSet: { Tag: tags } as never });
