/**
 * The Swagger 2.0 document at `/openapi/v2`, built from the v3 documents. kubectl 1.27 and 1.28 need it:
 * they check `fieldValidation` support, explain and compute apply patches from v2, which client-go
 * fetches only as protobuf (gnostic `openapi.v2.Document`, see v2-proto.ts). Newer kubectl use v3.
 */
import type { Schema } from './schemas.js';

const v3Ref = '#/components/schemas/';

/** toV2Schema rewrites a v3 schema as v2: `$ref`s into #/definitions, `allOf: [$ref]` unwrapped. */
export function toV2Schema(schema: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === '$ref' && typeof v === 'string') out[k] = v.replace(v3Ref, '#/definitions/');
    else if (k === 'allOf' && Array.isArray(v) && v.length === 1) Object.assign(out, toV2Schema(v[0] as Schema));
    else if (k === 'properties') out[k] = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([n, s]) => [n, toV2Schema(s)]));
    else if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object')) out[k] = toV2Schema(v as Schema);
    else out[k] = v;
  }
  return out;
}

type V3Operation = {
  parameters?: Schema[];
  requestBody?: { content: Record<string, { schema: Schema }>; required?: boolean };
  responses?: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
  [k: string]: unknown;
};

function toV2Parameter(p: Schema): Schema {
  const { schema, ...rest } = p as { schema?: Schema } & Schema;
  return { ...rest, ...(schema ?? {}) };
}

function toV2Operation(op: V3Operation): Schema {
  const out: Schema = {};
  const params = (op.parameters ?? []).map(toV2Parameter);
  if (op.requestBody) {
    const [type, media] = Object.entries(op.requestBody.content)[0] ?? [];
    out['consumes'] = Object.keys(op.requestBody.content);
    if (type && media) params.unshift({ name: 'body', in: 'body', required: op.requestBody.required === true, schema: toV2Schema(media.schema) });
  } else out['consumes'] = ['*/*'];
  const responses: Record<string, Schema> = {};
  const produces = new Set<string>();
  for (const [code, r] of Object.entries(op.responses ?? {})) {
    const first = Object.values(r.content ?? {})[0];
    for (const t of Object.keys(r.content ?? {})) produces.add(t);
    responses[code] = first ? { description: r.description, schema: toV2Schema(first.schema) } : { description: r.description };
  }
  for (const [k, v] of Object.entries(op)) {
    if (k !== 'parameters' && k !== 'requestBody' && k !== 'responses') out[k] = v;
  }
  return { ...out, produces: [...produces], schemes: ['https'], parameters: params, responses };
}

/** buildV2Document merges v3 group-version documents into one Swagger 2.0 document. */
export function buildV2Document(v3Docs: Schema[]): Schema {
  const paths: Record<string, Schema> = {};
  const definitions: Record<string, Schema> = {};
  for (const doc of v3Docs) {
    for (const [path, item] of Object.entries(doc['paths'] as Record<string, Record<string, unknown>>)) {
      const out: Schema = {};
      for (const [method, op] of Object.entries(item)) {
        out[method] = method === 'parameters' ? (op as Schema[]).map(toV2Parameter) : toV2Operation(op as V3Operation);
      }
      paths[path] = out;
    }
    const schemas = (doc['components'] as { schemas: Record<string, Schema> }).schemas;
    for (const [name, s] of Object.entries(schemas)) definitions[name] ??= toV2Schema(s);
  }
  const sortObj = (o: Record<string, Schema>): Record<string, Schema> =>
    Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths: sortObj(paths),
    definitions: sortObj(definitions),
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', type: 'apiKey', name: 'authorization', in: 'header' } },
    security: [{ BearerToken: [] }],
  };
}
