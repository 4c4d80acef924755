import { createHash } from 'node:crypto';
import { s3Error } from '../../errors/s3-errors.js';

/**
 * General purpose bucket naming rules (S3 User Guide, "General purpose bucket naming rules"):
 * 3–63 characters of lowercase letters, digits, dots and hyphens; starting and ending with a letter
 * or digit; no two adjacent periods; not an IP address; reserved prefixes and suffixes refused.
 */
export function checkBucketName(name: string): void {
  const ok =
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !/^(xn--|sthree-|amzn-s3-demo-)/.test(name) &&
    !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name);
  if (!ok) throw s3Error('InvalidBucketName', 'The specified bucket is not valid.');
}

/** The canonical user id S3 shows as an account's Owner ID (64 hex characters). */
// Unverified: AWS's canonical ids are opaque; Locksmith derives a stable one from the account id.
export const canonicalUserId = (account: string) => createHash('sha256').update(`locksmith-canonical-user:${account}`).digest('hex');
