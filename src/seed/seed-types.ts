import type { Tags } from '../domain/key.js';
import type { GrantConstraints } from '../store/grant-ports.js';

/**
 * A validated seed file: accounts, principals, KMS keys and grants that must exist when the
 * server starts. Produced by `parseSeed`/`validateSeed` (seed-schema.ts), applied by `applySeed`.
 * Policy documents are JSON text, ready to store; key material is plaintext in memory only.
 */
export interface Seed {
  accounts: SeedAccount[];
}

export interface SeedAccount {
  /** 12 digits. */
  id: string;
  rootAccessKeys: SeedAccessKey[];
  users: SeedUser[];
  roles: SeedRole[];
  keys: SeedKey[];
  grants: SeedGrant[];
}

export interface SeedAccessKey {
  /** AKIA + 16 of [A-Z0-9]. */
  accessKeyId: string;
  secretAccessKey: string;
}

/** An inline identity policy (user or role). */
export interface SeedPolicy {
  name: string;
  /** JSON text. */
  document: string;
}

export interface SeedUser {
  name: string;
  /** IAM path, `/` unless given. */
  path: string;
  accessKeys: SeedAccessKey[];
  policies: SeedPolicy[];
}

export interface SeedRole {
  name: string;
  path: string;
  description: string;
  /** Seconds, 3600–43200. */
  maxSessionDuration: number;
  /** Trust (assume-role) policy, JSON text. */
  trustPolicy: string;
  policies: SeedPolicy[];
}

/** A symmetric encryption KMS key (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT). */
export interface SeedKey {
  /** Lowercase UUID or `mrk-` + 32 hex digits. */
  id: string;
  region: string;
  description: string;
  /** 32 bytes of key material; random material is generated when absent. */
  material?: Buffer;
  /** Key policy JSON text; the AWS default key policy when absent. */
  policy?: string;
  aliases: string[];
  tags: Tags;
}

export interface SeedGrant {
  /** Id of a key of the same account in the seed. */
  keyId: string;
  /** The region of that key. */
  region: string;
  name?: string;
  granteePrincipal: string;
  retiringPrincipal?: string;
  operations: string[];
  constraints?: GrantConstraints;
}
