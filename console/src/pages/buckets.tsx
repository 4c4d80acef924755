/** Buckets: ListBuckets and CreateBucket. */
import { useState } from 'preact/hooks';
import { CreateBucketCommand, ListBucketsCommand } from '@aws-sdk/client-s3';
import type { Clients } from '../aws';
import { ErrorBox, Field, Status, useAction, useLoad, when } from '../ui';

export function BucketsPage({ c }: { c: Clients }) {
  const buckets = useLoad(async () => (await c.s3.send(new ListBucketsCommand({}))).Buckets ?? [], [c]);
  const act = useAction();
  const [name, setName] = useState('');
  return (
    <section>
      <h1 tabIndex={-1}>Buckets</h1>
      <form class="row" onSubmit={(e) => (e.preventDefault(), act.run(async () => {
        await c.s3.send(new CreateBucketCommand({ Bucket: name, ...(c.session.region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: c.session.region as never } } : {}) }));
        buckets.reload();
        return `Bucket ${name} created`;
      }))}>
        <Field label="New bucket name"><input value={name} required onInput={(e) => setName(e.currentTarget.value)} /></Field>
        <button type="submit" disabled={act.busy}>Create bucket</button>
      </form>
      <ErrorBox error={buckets.error || act.error} />
      <Status text={act.status} />
      <ul class="cards">
        {(buckets.data ?? []).map((b) => (
          <li key={b.Name}><a href={`#/buckets/${encodeURIComponent(b.Name!)}`}>{b.Name}</a> <span class="muted">created {when(b.CreationDate)}</span></li>
        ))}
      </ul>
      {buckets.data?.length === 0 ? <p>No buckets yet.</p> : null}
    </section>
  );
}
