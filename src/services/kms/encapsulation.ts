import type { KmsKey } from '../../domain/key.js';
import { KEY_SPECS } from '../../domain/key-specs.js';
import type { MlKemParameterSet } from '../../crypto/ml-kem.js';
import { assertKeyUsage, incompatibleAlgorithm } from './key-usage.js';

/**
 * What Encapsulate and Decapsulate share: the key must have KeyUsage ENCAPSULATE_DECAPSULATE
 * and its spec must offer the EncapsulationAlgorithm (ML_KEM is the only value; Encapsulate API
 * reference). Returns the ML-KEM parameter set.
 */
export function mlKemParameterSetFor(key: KmsKey, operation: string, algorithm: string): MlKemParameterSet {
  assertKeyUsage(key, 'ENCAPSULATE_DECAPSULATE', operation);
  const spec = KEY_SPECS[key.keySpec];
  const pair = spec?.keyPair;
  if (!spec?.encapsulationAlgorithms?.includes(algorithm) || pair?.kind !== 'ml-kem') throw incompatibleAlgorithm(algorithm, key);
  return pair.parameterSet;
}
