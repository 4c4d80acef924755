/** One bucket: browse by prefix, upload with progress (SSE-KMS optional), download, default encryption and Bucket Keys. */
import { useEffect, useState } from 'preact/hooks';
import { GetBucketEncryptionCommand, GetObjectCommand, ListObjectsV2Command, PutBucketEncryptionCommand } from '@aws-sdk/client-s3';
import { errorName, putObjectWithProgress, type Clients } from '../aws';
import { ErrorBox, Field, Status, useAction, useLoad, when } from '../ui';

export function BucketDetail({ c, bucket, prefix }: { c: Clients; bucket: string; prefix: string }) {
  const list = useLoad(() => c.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/' })), [c, bucket, prefix]);
  const dl = useAction();
  const href = (p: string) => `#/buckets/${encodeURIComponent(bucket)}?prefix=${encodeURIComponent(p)}`;
  const download = (key: string) => dl.run(async () => {
    const out = await c.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = await out.Body!.transformToByteArray();
    const url = URL.createObjectURL(new Blob([bytes], { type: out.ContentType ?? 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = key.split('/').pop() || 'object';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return `Downloaded ${key} (${bytes.length} bytes${out.ServerSideEncryption ? `, ${out.ServerSideEncryption}${out.SSEKMSKeyId ? ` under ${out.SSEKMSKeyId}` : ''}` : ''})`;
  });
  return (
    <section>
      <p><a href="#/buckets">← Buckets</a></p>
      <h1 tabIndex={-1}>Bucket {bucket}</h1>
      <p>Prefix: <code>/{prefix}</code> {prefix ? <a href={href(prefix.replace(/[^/]*\/$/, ''))}>Up one level</a> : null}</p>
      <ErrorBox error={list.error || dl.error} />
      <Status text={dl.status} />
      <div class="table-wrap">
        <table class="stack">
          <caption class="sr-only">Objects</caption>
          <thead><tr><th scope="col">Key</th><th scope="col">Size</th><th scope="col">Modified</th><th scope="col">Action</th></tr></thead>
          <tbody>
            {(list.data?.CommonPrefixes ?? []).map((p) => (
              <tr key={p.Prefix}><td><a href={href(p.Prefix!)}>{p.Prefix!.slice(prefix.length)}</a></td><td>—</td><td>—</td><td></td></tr>
            ))}
            {(list.data?.Contents ?? []).map((o) => (
              <tr key={o.Key}>
                <td data-label="Key">{o.Key!.slice(prefix.length)}</td><td data-label="Size">{o.Size}</td><td data-label="Modified">{when(o.LastModified)}</td>
                <td data-label="Action"><button type="button" class="small" aria-label={`Download ${o.Key}`} onClick={() => download(o.Key!)}>Download</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Upload c={c} bucket={bucket} prefix={prefix} onDone={list.reload} />
      <Encryption c={c} bucket={bucket} />
    </section>
  );
}

function Upload({ c, bucket, prefix, onDone }: { c: Clients; bucket: string; prefix: string; onDone: () => void }) {
  const act = useAction();
  const [progress, setProgress] = useState<[number, number]>([0, 0]);
  const [sse, setSse] = useState<'' | 'aws:kms' | 'AES256'>('aws:kms');
  const [keyId, setKeyId] = useState('');
  const [bucketKey, setBucketKey] = useState(false);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const file = (form.elements.namedItem('file') as HTMLInputElement).files?.[0];
    if (!file) return;
    const key = prefix + ((form.elements.namedItem('key') as HTMLInputElement).value || file.name);
    void act.run(async () => {
      setProgress([0, file.size]);
      const out = await putObjectWithProgress(c.session, {
        bucket, key, file, contentType: file.type,
        ...(sse ? { sse: { algorithm: sse, ...(sse === 'aws:kms' && keyId ? { kmsKeyId: keyId } : {}), ...(sse === 'aws:kms' && bucketKey ? { bucketKey: true } : {}) } } : {}),
        onProgress: (loaded, total) => setProgress([loaded, total]),
      });
      onDone();
      return `Uploaded ${key}${out.sse ? ` (server-side encryption: ${out.sse})` : ''}`;
    });
  };
  return (
    <section aria-labelledby="up-h">
      <h2 id="up-h">Upload</h2>
      <form onSubmit={submit} class="row">
        <Field label="File"><input type="file" name="file" required /></Field>
        <Field label="Object key (default: file name)"><input name="key" /></Field>
        <Field label="Server-side encryption">
          <select value={sse} onChange={(e) => setSse(e.currentTarget.value as typeof sse)}>
            <option value="aws:kms">SSE-KMS (aws:kms)</option>
            <option value="AES256">SSE-S3 (AES256)</option>
            <option value="">Bucket default</option>
          </select>
        </Field>
        {sse === 'aws:kms' ? (
          <>
            <Field label="KMS key (id, ARN or alias; empty: aws/s3)"><input value={keyId} onInput={(e) => setKeyId(e.currentTarget.value)} /></Field>
            <label class="check"><input type="checkbox" checked={bucketKey} onChange={(e) => setBucketKey(e.currentTarget.checked)} /> Use an S3 Bucket Key</label>
          </>
        ) : null}
        <button type="submit" disabled={act.busy}>Upload</button>
      </form>
      <label class="field">
        <span>Upload progress</span>
        <progress max={progress[1] || 1} value={progress[0]} aria-valuetext={`${progress[0]} of ${progress[1]} bytes`} />
      </label>
      <ErrorBox error={act.error} label="upload-error" />
      <Status text={act.status} />
    </section>
  );
}

function Encryption({ c, bucket }: { c: Clients; bucket: string }) {
  const enc = useLoad(async () => {
    try {
      return (await c.s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }))).ServerSideEncryptionConfiguration?.Rules?.[0];
    } catch (e) {
      if (errorName(e) === 'ServerSideEncryptionConfigurationNotFoundError') return undefined;
      throw e;
    }
  }, [c, bucket]);
  const act = useAction();
  const [alg, setAlg] = useState<'AES256' | 'aws:kms'>('AES256');
  const [keyId, setKeyId] = useState('');
  const [bucketKey, setBucketKey] = useState(false);
  useEffect(() => {
    const d = enc.data?.ApplyServerSideEncryptionByDefault;
    if (d) {
      setAlg(d.SSEAlgorithm === 'aws:kms' ? 'aws:kms' : 'AES256');
      setKeyId(d.KMSMasterKeyID ?? '');
      setBucketKey(enc.data?.BucketKeyEnabled === true);
    }
  }, [enc.data]);
  const save = (e: Event) => {
    e.preventDefault();
    void act.run(async () => {
      await c.s3.send(new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: alg, ...(alg === 'aws:kms' && keyId ? { KMSMasterKeyID: keyId } : {}) }, BucketKeyEnabled: alg === 'aws:kms' && bucketKey }] },
      }));
      enc.reload();
      return 'Default encryption saved';
    });
  };
  const d = enc.data?.ApplyServerSideEncryptionByDefault;
  return (
    <section aria-labelledby="enc-h">
      <h2 id="enc-h">Default encryption</h2>
      <p data-testid="bucket-encryption">
        {enc.loading ? 'Loading…' : d ? `${d.SSEAlgorithm}${d.KMSMasterKeyID ? ` with ${d.KMSMasterKeyID}` : ''}; Bucket Key ${enc.data?.BucketKeyEnabled ? 'on' : 'off'}` : enc.error ? '' : 'No default encryption configuration.'}
      </p>
      <ErrorBox error={enc.error} />
      <form class="row" onSubmit={save}>
        <Field label="Algorithm">
          <select value={alg} onChange={(e) => setAlg(e.currentTarget.value as typeof alg)}>
            <option value="AES256">SSE-S3 (AES256)</option>
            <option value="aws:kms">SSE-KMS (aws:kms)</option>
          </select>
        </Field>
        {alg === 'aws:kms' ? (
          <>
            <Field label="KMS key for the bucket default"><input value={keyId} onInput={(e) => setKeyId(e.currentTarget.value)} /></Field>
            <label class="check"><input type="checkbox" checked={bucketKey} onChange={(e) => setBucketKey(e.currentTarget.checked)} /> Bucket Key enabled</label>
          </>
        ) : null}
        <button type="submit" disabled={act.busy}>Save encryption</button>
      </form>
      <ErrorBox error={act.error} />
      <Status text={act.status} />
    </section>
  );
}
