import type { KmsKey } from '../../domain/key.js';
import { KEY_SPECS, SIGNING_ALGORITHMS, type MessageType } from '../../domain/key-specs.js';
import type { SignatureInput } from '../../crypto/signatures.js';
import { ValidationException } from '../../errors/aws-error.js';
import { assertKeyUsage, incompatibleAlgorithm } from './key-usage.js';
import type { SignRequest, VerifyRequest } from '../../model/kms-types.js';

/**
 * Sign and Verify share their checks (Sign API reference): the key's usage, then the algorithm
 * against the key spec, then the MessageType the algorithm accepts, then the digest length.
 */
export function signatureRequest(key: KmsKey, operation: 'Sign' | 'Verify', input: SignRequest | VerifyRequest): SignatureInput {
  assertKeyUsage(key, 'SIGN_VERIFY', operation);
  const spec = KEY_SPECS[key.keySpec]!;
  const name: string = input.SigningAlgorithm;
  if (!spec.keyPair || !spec.signingAlgorithms?.includes(name)) throw incompatibleAlgorithm(name, key);
  const algorithm = SIGNING_ALGORITHMS[name]!;
  // The reader admitted only the model's MessageType values.
  const messageType = (input.MessageType ?? 'RAW') as MessageType;
  const message: Buffer = input.Message;
  if (!algorithm.messageTypes.includes(messageType)) {
    throw ValidationException(
      algorithm.scheme === 'ml-dsa'
        ? `Message type ${messageType} is incompatible with key spec ${key.keySpec}.`
        : `Message type ${messageType} is incompatible with algorithm ${name}.`,
    );
  }
  if (messageType !== 'RAW' && message.length !== algorithm.digestBytes) {
    throw ValidationException(`Digest is invalid length for algorithm ${name}.`);
  }
  return { params: spec.keyPair, algorithm, message, messageType };
}
