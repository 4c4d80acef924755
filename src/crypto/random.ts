import { randomBytes, randomUUID } from 'node:crypto';

/** Injected randomness: everything that draws random bytes or ids takes a Random. */
export interface Random {
  bytes(n: number): Buffer;
  uuid(): string;
}

export const secureRandom: Random = {
  bytes: (n) => randomBytes(n),
  uuid: () => randomUUID(),
};
