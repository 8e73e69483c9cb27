/**
 * Content negotiation: what the client asked for in `Accept` (plain JSON, a server-side Table, partial
 * object metadata, aggregated discovery) and what a request body's `Content-Type` is. nanokube always
 * answers JSON, even when protobuf is preferred, which kubectl accepts.
 */

/** One media range from an Accept or Content-Type header. */
export interface MediaType {
  /** `type/subtype`, lower-case, e.g. `application/json`. */
  type: string;
  params: Record<string, string>;
}

/** parseMediaType parses one `type/subtype;k=v;...` value. */
export function parseMediaType(value: string): MediaType {
  const [head = '', ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const k = p.slice(0, eq).trim().toLowerCase();
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    params[k] = v;
  }
  return { type: head.trim().toLowerCase(), params };
}

/** parseAccept splits an Accept header into media ranges in the client's order. */
export function parseAccept(header: string | undefined): MediaType[] {
  if (!header) return [];
  return header
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(parseMediaType);
}

function isJsonish(t: string): boolean {
  return t === 'application/json' || t === '*/*' || t === 'application/*';
}

/** What a resource GET/LIST/WATCH should render. */
export type ResourceOutput =
  | { as: 'object' }
  | { as: 'Table'; version: 'v1' | 'v1beta1' }
  | { as: 'PartialObjectMetadata'; version: 'v1' | 'v1beta1' };

/**
 * negotiateResourceOutput picks the first Accept entry nanokube can serve: a meta.k8s.io Table,
 * PartialObjectMetadata(List), or plain JSON (which also stands in for protobuf and anything else).
 */
export function negotiateResourceOutput(accept: string | undefined): ResourceOutput {
  for (const mt of parseAccept(accept)) {
    const as = mt.params['as'];
    if (as === undefined) {
      if (isJsonish(mt.type)) return { as: 'object' };
      continue;
    }
    if (!isJsonish(mt.type) || mt.params['g'] !== 'meta.k8s.io') continue;
    const v = mt.params['v'];
    if (v !== 'v1' && v !== 'v1beta1') continue;
    if (as === 'Table') return { as: 'Table', version: v };
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') {
      return { as: 'PartialObjectMetadata', version: v };
    }
  }
  return { as: 'object' };
}

/** The aggregated discovery versions nanokube serves. */
export type DiscoveryVersion = 'v2' | 'v2beta1';

/**
 * negotiateDiscovery returns the aggregated discovery version the Accept header asks for first, or
 * undefined for the legacy documents (the client listed plain JSON first, or nothing aggregated).
 */
export function negotiateDiscovery(accept: string | undefined): DiscoveryVersion | undefined {
  for (const mt of parseAccept(accept)) {
    if (mt.params['as'] === 'APIGroupDiscoveryList' && mt.params['g'] === 'apidiscovery.k8s.io') {
      const v = mt.params['v'];
      if (v === 'v2' || v === 'v2beta1') return v;
      continue;
    }
    if (mt.params['as'] === undefined && isJsonish(mt.type)) return undefined;
  }
  return undefined;
}

/** The exact Content-Type kubectl needs to recognise aggregated discovery (wire contract §3.1). */
export function discoveryContentType(v: DiscoveryVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;
}

/** Request body encodings the API accepts. */
export type BodyFormat = 'json' | 'yaml' | 'protobuf' | 'json-patch' | 'merge-patch' | 'strategic-merge-patch' | 'apply-patch';

const bodyFormats: Record<string, BodyFormat> = {
  'application/json': 'json',
  'application/yaml': 'yaml',
  'application/vnd.kubernetes.protobuf': 'protobuf',
  'application/json-patch+json': 'json-patch',
  'application/merge-patch+json': 'merge-patch',
  'application/strategic-merge-patch+json': 'strategic-merge-patch',
  'application/apply-patch+yaml': 'apply-patch',
};

/** bodyFormatOf maps a Content-Type header to a BodyFormat, or undefined when unsupported. */
export function bodyFormatOf(contentType: string | undefined): BodyFormat | undefined {
  if (!contentType) return undefined;
  return bodyFormats[parseMediaType(contentType).type];
}
