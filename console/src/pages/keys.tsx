/** Keys: every KMS key with its aliases and tags, filtered like the AWS console; CreateKey. */
import { useState } from 'preact/hooks';
import {
  CreateKeyCommand, DescribeKeyCommand, ListAliasesCommand, ListKeysCommand, ListResourceTagsCommand,
  type KeyMetadata, type KeySpec, type KeyUsageType, type Tag,
} from '@aws-sdk/client-kms';
import type { Clients } from '../aws';
import { ErrorBox, Field, Status, useAction, useLoad } from '../ui';

interface Row {
  meta: KeyMetadata;
  aliases: string[];
  tags: Tag[];
}

const SPECS: KeySpec[] = ['SYMMETRIC_DEFAULT', 'RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1', 'HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512', 'ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87'];
const USAGES: KeyUsageType[] = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'];
const STATES = ['Enabled', 'Disabled', 'PendingDeletion', 'PendingImport', 'Creating', 'Unavailable', 'Updating', 'PendingReplicaDeletion'];

export async function loadKeys(c: Clients): Promise<Row[]> {
  const ids: string[] = [];
  let marker: string | undefined;
  do {
    const page = await c.kms.send(new ListKeysCommand({ Limit: 1000, ...(marker ? { Marker: marker } : {}) }));
    ids.push(...(page.Keys ?? []).map((k) => k.KeyId!));
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker);
  const aliases = await c.kms.send(new ListAliasesCommand({ Limit: 100 }));
  const rows = await Promise.all(
    ids.map(async (id) => {
      const { KeyMetadata: meta } = await c.kms.send(new DescribeKeyCommand({ KeyId: id }));
      // A caller may describe a key but not read its tags: the row still shows.
      const tags = meta!.KeyManager === 'AWS' ? [] : await c.kms.send(new ListResourceTagsCommand({ KeyId: id })).then((t) => t.Tags ?? [], () => []);
      return { meta: meta!, aliases: (aliases.Aliases ?? []).filter((a) => a.TargetKeyId === id).map((a) => a.AliasName!), tags };
    }),
  );
  return rows.sort((a, b) => (b.meta.CreationDate?.getTime() ?? 0) - (a.meta.CreationDate?.getTime() ?? 0));
}

export function KeysPage({ c }: { c: Clients }) {
  const keys = useLoad(() => loadKeys(c), [c]);
  const [state, setState] = useState('');
  const [spec, setSpec] = useState('');
  const [usage, setUsage] = useState('');
  const [alias, setAlias] = useState('');
  const [tag, setTag] = useState('');
  const create = useAction();

  const rows = (keys.data ?? []).filter((r) => {
    if (state && r.meta.KeyState !== state) return false;
    if (spec && r.meta.KeySpec !== spec) return false;
    if (usage && r.meta.KeyUsage !== usage) return false;
    if (alias && !r.aliases.some((a) => a.toLowerCase().includes(alias.toLowerCase()))) return false;
    if (tag) {
      const [k, v] = tag.split('=');
      if (!r.tags.some((t) => t.TagKey === k!.trim() && (v === undefined || t.TagValue === v.trim()))) return false;
    }
    return true;
  });

  const onCreate = (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    void create.run(async () => {
      const out = await c.kms.send(
        new CreateKeyCommand({
          KeySpec: f.get('spec') as KeySpec,
          KeyUsage: f.get('usage') as KeyUsageType,
          Description: String(f.get('description') ?? ''),
        }),
      );
      keys.reload();
      return `Created key ${out.KeyMetadata!.KeyId}`;
    });
  };

  return (
    <section>
      <h1 tabIndex={-1}>Keys</h1>
      <details class="panel">
        <summary>Create a key</summary>
        <form onSubmit={onCreate} class="row">
          <Field label="Description">
            <input name="description" />
          </Field>
          <Field label="Key spec">
            <select name="spec">{SPECS.map((s) => <option key={s}>{s}</option>)}</select>
          </Field>
          <Field label="Key usage">
            <select name="usage">{USAGES.map((s) => <option key={s}>{s}</option>)}</select>
          </Field>
          <button type="submit" disabled={create.busy}>Create key</button>
        </form>
        <ErrorBox error={create.error} />
        <Status text={create.status} />
      </details>
      <form class="row filters" role="search" aria-label="Filter keys" onSubmit={(e) => e.preventDefault()}>
        <Field label="State">
          <select value={state} onChange={(e) => setState(e.currentTarget.value)}>
            <option value="">Any</option>
            {STATES.map((s) => <option key={s}>{s}</option>)}
          </select>
        </Field>
        <Field label="Spec">
          <select value={spec} onChange={(e) => setSpec(e.currentTarget.value)}>
            <option value="">Any</option>
            {SPECS.map((s) => <option key={s}>{s}</option>)}
          </select>
        </Field>
        <Field label="Usage">
          <select value={usage} onChange={(e) => setUsage(e.currentTarget.value)}>
            <option value="">Any</option>
            {USAGES.map((s) => <option key={s}>{s}</option>)}
          </select>
        </Field>
        <Field label="Alias contains">
          <input value={alias} onInput={(e) => setAlias(e.currentTarget.value)} />
        </Field>
        <Field label="Tag (key or key=value)">
          <input value={tag} onInput={(e) => setTag(e.currentTarget.value)} />
        </Field>
      </form>
      <ErrorBox error={keys.error} />
      <Status text={keys.loading ? 'Loading keys…' : `${rows.length} of ${keys.data?.length ?? 0} keys`} />
      <div class="table-wrap">
        <table class="stack">
          <caption class="sr-only">KMS keys</caption>
          <thead>
            <tr><th scope="col">Key</th><th scope="col">Aliases</th><th scope="col">State</th><th scope="col">Spec</th><th scope="col">Usage</th><th scope="col">Manager</th><th scope="col">Tags</th></tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.meta.KeyId}>
                <td data-label="Key"><a href={`#/keys/${r.meta.KeyId}`}>{r.meta.KeyId}</a><div class="muted">{r.meta.Description}</div></td>
                <td data-label="Aliases">{r.aliases.join(', ')}</td>
                <td data-label="State"><span class={`state state-${r.meta.KeyState}`}>{r.meta.KeyState}</span></td>
                <td data-label="Spec">{r.meta.KeySpec}</td>
                <td data-label="Usage">{r.meta.KeyUsage}</td>
                <td data-label="Manager">{r.meta.KeyManager}</td>
                <td data-label="Tags">{r.tags.map((t) => `${t.TagKey}=${t.TagValue}`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
