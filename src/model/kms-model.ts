/**
 * Typed access to the KMS service model's structural facts (src/model/kms-model.json,
 * generated from botocore's kms-service-2.json by `npm run gen:model`).
 */
import modelJson from './kms-model.json' with { type: 'json' };

export type ShapeType =
  | 'structure' | 'list' | 'map' | 'string' | 'integer' | 'long' | 'float' | 'double'
  | 'boolean' | 'blob' | 'timestamp';

/** A reference from a member (or list member / map key / map value) to a named shape. */
export interface ShapeRef {
  shape: string;
  deprecated?: boolean;
  [flag: string]: unknown;
}

export interface Shape {
  type: ShapeType;
  members?: Record<string, ShapeRef>;
  required?: string[];
  member?: ShapeRef;
  key?: ShapeRef;
  value?: ShapeRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  sensitive?: boolean;
  deprecated?: boolean;
  timestampFormat?: string;
  box?: boolean;
  exception?: boolean;
  fault?: boolean;
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
}

export interface OperationInfo {
  name: string;
  input?: string;
  output?: string;
  errors: string[];
  deprecated?: boolean;
}

export interface KmsModel {
  metadata: {
    apiVersion: string;
    endpointPrefix: string;
    jsonVersion: string;
    protocol: string;
    serviceId: string;
    signatureVersion: string;
    targetPrefix: string;
    uid: string;
    [k: string]: string;
  };
  operations: Record<string, OperationInfo>;
  shapes: Record<string, Shape>;
}

export const kmsModel: KmsModel = modelJson as unknown as KmsModel;
export const kmsMetadata = kmsModel.metadata;
/** `TrentService`: X-Amz-Target is `TrentService.<Operation>`. */
export const kmsTargetPrefix: string = kmsModel.metadata.targetPrefix;

/** Every operation in the model, in model order. */
export const kmsOperations: readonly string[] = Object.keys(kmsModel.operations);

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export function isKmsOperation(op: string): boolean {
  return hasOwn(kmsModel.operations, op);
}

export function operationInfo(op: string): OperationInfo {
  if (!isKmsOperation(op)) throw new Error(`unknown KMS operation: ${op}`);
  return kmsModel.operations[op]!;
}

export function hasShape(name: string): boolean {
  return hasOwn(kmsModel.shapes, name);
}

export function shape(name: string): Shape {
  if (!hasShape(name)) throw new Error(`unknown KMS shape: ${name}`);
  return kmsModel.shapes[name]!;
}

/** The input and output shapes of an operation (output undefined when the model has none). */
export function operationShape(op: string): { name: string; input?: Shape; output?: Shape } {
  const info = operationInfo(op);
  return {
    name: info.name,
    input: info.input ? shape(info.input) : undefined,
    output: info.output ? shape(info.output) : undefined,
  };
}

export function inputShapeName(op: string): string | undefined {
  return operationInfo(op).input;
}

export function outputShapeName(op: string): string | undefined {
  return operationInfo(op).output;
}

/** Modelled error (exception) names of an operation. */
export function operationErrors(op: string): readonly string[] {
  return operationInfo(op).errors;
}

/** Enum values of a string shape, in model order. */
export function enumValues(shapeName: string): readonly string[] {
  const s = shape(shapeName);
  if (!s.enum) throw new Error(`KMS shape ${shapeName} is not an enum`);
  return s.enum;
}

/** Names of every exception shape in the model (the KMS error codes). */
export const kmsExceptionNames: readonly string[] = Object.entries(kmsModel.shapes)
  .filter(([, s]) => s.exception)
  .map(([n]) => n);

/** Exceptions the model marks as faults (server-side, HTTP 5xx, retryable). */
export function isFaultException(name: string): boolean {
  return hasShape(name) && shape(name).fault === true;
}
