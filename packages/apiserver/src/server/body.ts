/**
 * Request body decoding: JSON, YAML and protobuf objects, and the four patch encodings, with upstream's
 * error messages and strict-decoding (duplicate field) reporting. Bodies arrive as raw Buffers; the
 * content-type parser of the app never parses them itself.
 */
import yaml from 'js-yaml';
import { decodeKubernetesProtobuf, newBadRequest, newUnsupportedMediaType, StatusError } from '@nanokube/api';
import type { FieldValidation, KubeObject, PatchType } from '../registry/types.js';
import { findDuplicateKeys } from './json-strict.js';
import { bodyFormatOf, type BodyFormat } from './negotiation.js';

/** A decoded body plus the strict-decoding problems found (e.g. `duplicate field "replicas"`). */
export interface DecodedBody<T = unknown> {
  value: T;
  strictErrors: string[];
}

const objectFormats = new Set<BodyFormat>(['json', 'yaml', 'protobuf']);

const patchTypes: Partial<Record<BodyFormat, PatchType>> = {
  'json-patch': 'json',
  'merge-patch': 'merge',
  'strategic-merge-patch': 'strategic',
  'apply-patch': 'apply',
};

/**
 * decodeObject decodes a POST/PUT body into an object. `contentType` absent is treated as JSON, as Go's
 * clients always send one. Throws 415 for patch or unknown types and 400 for malformed bodies.
 */
export function decodeObject(body: Buffer | undefined, contentType: string | undefined, validation: FieldValidation): DecodedBody<KubeObject> {
  const format = contentType ? bodyFormatOf(contentType) : 'json';
  if (format === undefined || !objectFormats.has(format)) throw newUnsupportedMediaType(contentType ?? '');
  if (!body || body.length === 0) throw newBadRequest('the body of the request was empty');
  let decoded: DecodedBody;
  if (format === 'protobuf') decoded = decodeProtobuf(body);
  else if (format === 'yaml') decoded = decodeYaml(body.toString('utf8'), validation, 'object');
  else decoded = decodeJson(body.toString('utf8'), validation, 'object');
  const v = decoded.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw newBadRequest("couldn't get version/kind; json parse error: json: cannot unmarshal non-object into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }");
  }
  const obj = v as KubeObject;
  if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
  if (typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) {
    throw newBadRequest('json: cannot unmarshal non-object into Go struct field .metadata of type v1.ObjectMeta');
  }
  return decoded as DecodedBody<KubeObject>;
}

/** patchTypeOf maps a PATCH Content-Type to a PatchType, or throws 415 with upstream's message. */
export function patchTypeOf(contentType: string | undefined): PatchType {
  const format = bodyFormatOf(contentType);
  const t = format === undefined ? undefined : patchTypes[format];
  if (t === undefined) {
    throw new StatusError({
      ...newUnsupportedMediaType(contentType ?? '').status,
      message: `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json; got "${contentType ?? ''}"`,
    });
  }
  return t;
}

/** decodePatch decodes a PATCH body of the given type (apply patches may be YAML or JSON). */
export function decodePatch(body: Buffer | undefined, type: PatchType, validation: FieldValidation): DecodedBody {
  if (!body || body.length === 0) throw newBadRequest('the body of the request was empty');
  const text = body.toString('utf8');
  const decoded = type === 'apply' ? decodeYaml(text, validation, 'patch') : decodeJson(text, validation, 'patch');
  const v = decoded.value;
  if (type === 'json') {
    if (!Array.isArray(v)) throw newBadRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  } else if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw newBadRequest(
      type === 'apply' ? 'error decoding YAML: the applied configuration must be an object' : 'json: cannot unmarshal array into Go value of type map[string]interface {}',
    );
  }
  return decoded;
}

/** decodeJsonValue parses a small JSON body (DeleteOptions) without strict checks. */
export function decodeJsonValue(body: Buffer | undefined): unknown {
  if (!body || body.length === 0) return undefined;
  return decodeJson(body.toString('utf8'), 'Ignore', 'object').value;
}

/** How deeply bodies may nest: deeper ones would overflow the stack of later recursive steps. */
export const maxBodyDepth = 1000;
/** How many values a YAML body may expand to through aliases (a "billion laughs" document). */
export const maxYamlNodes = 1_000_000;

/**
 * checkShape walks a decoded body without recursion and refuses one nested deeper than
 * {@link maxBodyDepth} or, for YAML, one whose aliases expand past {@link maxYamlNodes} values.
 */
export function checkShape(value: unknown, format: 'json' | 'yaml'): void {
  const stack: [unknown, number][] = [[value, 1]];
  let nodes = 0;
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (typeof v !== 'object' || v === null) continue;
    if (depth > maxBodyDepth) throw newBadRequest(format === 'yaml' ? 'error converting YAML to JSON: yaml: exceeded max depth' : 'json: exceeded max depth');
    const children = Array.isArray(v) ? v : Object.values(v);
    nodes += children.length;
    if (format === 'yaml' && nodes > maxYamlNodes) throw newBadRequest('error converting YAML to JSON: yaml: document contains excessive aliasing');
    for (const c of children) if (typeof c === 'object' && c !== null) stack.push([c, depth + 1]);
  }
}

function decodeJson(text: string, validation: FieldValidation, what: 'object' | 'patch'): DecodedBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    throw newBadRequest(what === 'object' ? `couldn't get version/kind; json parse error: ${msg}` : `error decoding patch: ${msg}`);
  }
  checkShape(value, 'json');
  const strictErrors = validation === 'Ignore' ? [] : findDuplicateKeys(text).map((k) => `duplicate field "${k}"`);
  return { value, strictErrors };
}

function decodeYaml(text: string, validation: FieldValidation, what: 'object' | 'patch'): DecodedBody {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const value: unknown = JSON.parse(text);
      checkShape(value, 'json');
      const strictErrors = validation === 'Ignore' ? [] : findDuplicateKeys(text).map((k) => `duplicate field "${k}"`);
      return { value, strictErrors };
    } catch {
      // Not JSON after all (YAML flow style); fall through to the YAML parser.
    }
  }
  try {
    const value: unknown = yaml.load(text, { schema: yaml.JSON_SCHEMA });
    checkShape(value, 'yaml');
    return { value, strictErrors: [] };
  } catch (err) {
    if (err instanceof StatusError) throw err;
    const e = err as yaml.YAMLException;
    if (/duplicated mapping key/.test(e.reason ?? '')) {
      const line = (e.mark?.line ?? 0) + 1;
      const value = yaml.load(text, { schema: yaml.JSON_SCHEMA, json: true });
      checkShape(value, 'yaml');
      const strictErrors = validation === 'Ignore' ? [] : [`yaml: unmarshal errors:\n  line ${line}: key already set in map`];
      return { value, strictErrors };
    }
    const line = (e.mark?.line ?? 0) + 1;
    const prefix = what === 'object' ? 'error converting YAML to JSON' : 'error decoding YAML';
    throw newBadRequest(`${prefix}: yaml: line ${line}: ${e.reason ?? e.message}`);
  }
}

function decodeProtobuf(body: Buffer): DecodedBody {
  try {
    return { value: decodeKubernetesProtobuf(body), strictErrors: [] };
  } catch (err) {
    if (err instanceof StatusError) throw err;
    throw newBadRequest(`the body of the request could not be decoded as protobuf: ${(err as Error).message}`);
  }
}
