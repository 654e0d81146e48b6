/**
 * JSON patch (RFC 6902, `kubectl patch --type json`) through fast-json-patch, with every operation
 * validated and the input left untouched. Failures name the operation and path, never the values
 * found in the document (it may be a Secret).
 */
import jsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { isJsonObject } from './field-set.ts';

const REASONS: Record<string, string> = {
  TEST_OPERATION_FAILED: 'test failed',
  OPERATION_PATH_UNRESOLVABLE: 'path does not exist',
  OPERATION_FROM_UNRESOLVABLE: '"from" path does not exist',
  OPERATION_PATH_CANNOT_ADD: 'cannot add at this path: its parent does not exist',
  OPERATION_PATH_ILLEGAL_ARRAY_INDEX: 'illegal array index',
  OPERATION_VALUE_OUT_OF_BOUNDS: 'array index out of bounds',
  OPERATION_OP_INVALID: 'unknown "op"',
  OPERATION_PATH_INVALID: '"path" must be a string starting with "/"',
  OPERATION_FROM_REQUIRED: '"from" is required',
  OPERATION_VALUE_REQUIRED: '"value" is required',
  OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED: '"value" is required',
  OPERATION_NOT_AN_OBJECT: 'an operation must be an object',
};

/** Applies RFC 6902 operations to a copy of `document`. Throws an Error on an invalid operation, a missing path or a failed test. */
export function applyJsonPatch(document: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new Error('json patch must be a list of operations');
  operations.forEach((operation, index) => {
    if (!isJsonObject(operation)) throw new Error(`json patch operation ${index}: an operation must be an object`);
  });
  try {
    return jsonPatch.applyPatch(document, operations as Operation[], true, false).newDocument;
  } catch (error) {
    if (!(error instanceof jsonPatch.JsonPatchError)) throw error;
    const index = typeof error.index === 'number' ? error.index : undefined;
    const operation: unknown = index === undefined ? undefined : operations[index];
    const op = isJsonObject(operation) && typeof operation.op === 'string' ? operation.op : '?';
    const path = isJsonObject(operation) && typeof operation.path === 'string' ? operation.path : '?';
    const reason = REASONS[error.name] ?? error.message;
    const where = index === undefined ? 'json patch' : `json patch operation ${index} (${op} ${path})`;
    throw new Error(`${where}: ${reason}`, { cause: error });
  }
}
