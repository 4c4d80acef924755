import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Harness } from './harness.js';

const run = promisify(execFile);

/** The first python3 that has boto3: the one on PATH (pyenv here), else Debian's python3-boto3, which .ci/run installs. */
async function pythonWithBoto3(): Promise<string> {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      await run(python, ['-c', 'import boto3']);
      return python;
    } catch { /* try the next */ }
  }
  throw new Error('no python3 with boto3: install python3-boto3 (.ci/run does)');
}

/** boto3 (the machine's, as the aws CLI's botocore) against Locksmith's S3. */
const SCRIPT = `
import boto3, hashlib, json, os, sys
from boto3.s3.transfer import TransferConfig
s3 = boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1',
                  aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
out = {}
s3.create_bucket(Bucket='boto')
out['put_etag'] = s3.put_object(Bucket='boto', Key='a/b c.txt', Body=b'from boto3', Metadata={'who': 'boto'})['ETag']
got = s3.get_object(Bucket='boto', Key='a/b c.txt')
out['get_body'] = got['Body'].read().decode()
out['get_meta'] = got['Metadata']
out['range'] = s3.get_object(Bucket='boto', Key='a/b c.txt', Range='bytes=5-9')['Body'].read().decode()
big = os.urandom(12 * 1024 * 1024)
path = os.path.join(sys.argv[4], 'boto-big.bin')
open(path, 'wb').write(big)
s3.upload_file(path, 'boto', 'big.bin', Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
back = path + '.back'
s3.download_file('boto', 'big.bin', back)
out['multipart_same'] = open(back, 'rb').read() == big
out['multipart_etag'] = s3.head_object(Bucket='boto', Key='big.bin')['ETag']
keys = []
for page in s3.get_paginator('list_objects_v2').paginate(Bucket='boto', PaginationConfig={'PageSize': 1}):
    keys += [c['Key'] for c in page.get('Contents', [])]
out['keys'] = keys
s3.delete_object(Bucket='boto', Key='big.bin')
try:
    s3.get_object(Bucket='boto', Key='big.bin')
except s3.exceptions.NoSuchKey as e:
    out['after_delete'] = e.response['Error']['Code']
print(json.dumps(out))
`;

describe('boto3: S3 round trip', () => {
  let h: Harness;
  before(async () => (h = await Harness.start()));
  after(() => h.stop());

  it('put/get/range, upload_file multipart of 12 MiB, paginated listing, NoSuchKey', async () => {
    const { stdout } = await run(await pythonWithBoto3(), ['-c', SCRIPT, h.endpoint, h.credentials.accessKeyId, h.credentials.secretAccessKey, h.dataDir], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...(process.env.PYENV_ROOT ? { PYENV_ROOT: process.env.PYENV_ROOT } : {}) },
      maxBuffer: 16 * 1024 * 1024,
    });
    const out = JSON.parse(stdout);
    assert.equal(out.put_etag, '"' + (await import('node:crypto')).createHash('md5').update('from boto3').digest('hex') + '"');
    assert.equal(out.get_body, 'from boto3');
    assert.deepEqual(out.get_meta, { who: 'boto' });
    assert.equal(out.range, 'boto3');
    assert.equal(out.multipart_same, true);
    assert.match(out.multipart_etag, /-3"$/);
    assert.deepEqual(out.keys, ['a/b c.txt', 'big.bin']);
    assert.equal(out.after_delete, 'NoSuchKey');
  });
});
