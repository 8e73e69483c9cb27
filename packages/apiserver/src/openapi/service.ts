/**
 * OpenApiService serves `/openapi/v3` (the index of group versions) and `/openapi/v3/<gv>?hash=H`
 * (one document per group version) the way kube-openapi's handler3 does: documents are built once,
 * serialized once and addressed by the upper-case hex SHA-512 of their bytes. A request with the
 * current hash gets `Cache-Control: public, immutable` and a one-year Expires; a stale hash is
 * redirected (301) to the current one; `If-None-Match` with the ETag gets 304.
 *
 * `/openapi/v2` serves the same API as one Swagger 2.0 document, as protobuf when asked
 * (kubectl 1.27/1.28 validate, explain and apply through it) or JSON.
 */
import { createHash } from 'node:crypto';
import type { ResourceDefinition } from '../registry/types.js';
import { buildDocument } from './document.js';
import { groupVersionPath, parseGroupVersionPath, servedGroupVersions, type GroupVersion } from './group-version.js';
import { buildV2Document } from './v2.js';
import { encodeV2Document } from './v2-proto.js';

/** A serialized document and its hash (the ETag is the hash in double quotes). */
export interface OpenApiDocument {
  body: Buffer;
  hash: string;
  etag: string;
}

/** What the HTTP layer sends for an OpenAPI request. */
export interface OpenApiResponse {
  statusCode: 200 | 301 | 304;
  headers: Record<string, string>;
  /** Empty for 301 and 304. */
  body: Buffer;
}

/** The parts of a request the OpenAPI endpoints look at. */
export interface OpenApiRequest {
  /** URL path without the query, e.g. `/openapi/v3/apis/apps/v1`. */
  path: string;
  /** The `hash` query parameter, if any. */
  hash?: string;
  /** The `Accept` request header (selects protobuf for /openapi/v2). */
  accept?: string;
  /** The `If-None-Match` request header, if any. */
  ifNoneMatch?: string;
  /** Injectable clock for the Expires header. */
  now?: Date;
}

const v3Prefix = '/openapi/v3';
const v2Path = '/openapi/v2';
/** The media type of the gnostic protobuf encoding of a Swagger 2.0 document. */
export const openApiV2ProtobufType = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

function serialize(value: unknown): OpenApiDocument {
  return hashed(Buffer.from(JSON.stringify(value)));
}

function hashed(body: Buffer): OpenApiDocument {
  const hash = createHash('sha512').update(body).digest('hex').toUpperCase();
  return { body, hash, etag: `"${hash}"` };
}

/** OpenApiService builds and caches the OpenAPI v3 documents of a fixed set of resources. */
export class OpenApiService {
  private readonly groupVersions: GroupVersion[];
  private readonly documents = new Map<string, OpenApiDocument>();
  private indexDocument: OpenApiDocument | undefined;
  private v2Documents: { json: OpenApiDocument; protobuf: OpenApiDocument } | undefined;

  constructor(private readonly defs: readonly ResourceDefinition[]) {
    this.groupVersions = servedGroupVersions(defs);
  }

  /** document returns the serialized document of `gvPath` (`api/v1`, `apis/apps/v1`), or undefined. */
  document(gvPath: string): OpenApiDocument | undefined {
    const gv = parseGroupVersionPath(gvPath);
    if (!gv) return undefined;
    const key = groupVersionPath(gv);
    const cached = this.documents.get(key);
    if (cached) return cached;
    const doc = buildDocument(this.defs, gv);
    if (!doc) return undefined;
    const serialized = serialize(doc);
    this.documents.set(key, serialized);
    return serialized;
  }

  /** index returns `{"paths": {"<gv>": {"serverRelativeURL": "/openapi/v3/<gv>?hash=H"}}}` serialized. */
  index(): OpenApiDocument {
    if (this.indexDocument) return this.indexDocument;
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const gv of this.groupVersions) {
      const key = groupVersionPath(gv);
      const doc = this.document(key);
      if (doc) paths[key] = { serverRelativeURL: `${v3Prefix}/${key}?hash=${doc.hash}` };
    }
    this.indexDocument = serialize({ paths });
    return this.indexDocument;
  }

  /** v2 returns the Swagger 2.0 document of every served group version, as JSON and as protobuf. */
  v2(): { json: OpenApiDocument; protobuf: OpenApiDocument } {
    if (this.v2Documents) return this.v2Documents;
    const docs = this.groupVersions.map((gv) => buildDocument(this.defs, gv)).filter((d) => d !== undefined);
    const doc = buildV2Document(docs);
    this.v2Documents = { json: serialize(doc), protobuf: hashed(encodeV2Document(doc)) };
    return this.v2Documents;
  }

  /**
   * serve answers a GET of `/openapi/v2` or under `/openapi/v3`. Returns undefined when the path is not an OpenAPI v3
   * path this server has (the caller replies 404).
   */
  serve(req: OpenApiRequest): OpenApiResponse | undefined {
    if (req.path === v2Path) {
      const protobuf = req.accept?.includes(openApiV2ProtobufType) === true;
      const doc = protobuf ? this.v2().protobuf : this.v2().json;
      const res = this.reply(doc, req, false);
      // Upstream answers the protobuf request as octet-stream: Go's mime parser rejects the '@' type.
      res.headers['Content-Type'] = protobuf ? 'application/octet-stream' : 'application/json';
      res.headers['Vary'] = 'Accept';
      return res;
    }
    if (req.path === v3Prefix || req.path === `${v3Prefix}/`) return this.reply(this.index(), req, false);
    if (!req.path.startsWith(`${v3Prefix}/`)) return undefined;
    const gvPath = req.path.slice(v3Prefix.length + 1);
    const doc = this.document(gvPath);
    if (!doc) return undefined;
    if (req.hash !== undefined && req.hash !== '' && req.hash !== doc.hash) {
      return { statusCode: 301, headers: { Location: `${v3Prefix}/${gvPath}?hash=${doc.hash}` }, body: Buffer.alloc(0) };
    }
    return this.reply(doc, req, req.hash !== undefined && req.hash !== '');
  }

  private reply(doc: OpenApiDocument, req: OpenApiRequest, immutable: boolean): OpenApiResponse {
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ETag: doc.etag };
    if (immutable) {
      const expires = new Date((req.now ?? new Date()).getTime() + 365 * 24 * 3600 * 1000);
      headers['Vary'] = 'Accept';
      headers['Cache-Control'] = 'public, immutable';
      headers['Expires'] = expires.toUTCString();
    }
    if (req.ifNoneMatch !== undefined && matchesEtag(req.ifNoneMatch, doc.etag)) {
      return { statusCode: 304, headers, body: Buffer.alloc(0) };
    }
    return { statusCode: 200, headers, body: doc.body };
  }
}

function matchesEtag(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === etag);
}

/** openApiV3Paths returns the `/openapi/v3` index object for a set of resources. */
export function openApiV3Paths(defs: readonly ResourceDefinition[]): object {
  return JSON.parse(new OpenApiService(defs).index().body.toString('utf8')) as object;
}

/** openApiV3Document returns the OpenAPI v3 document of one group version path, or undefined. */
export function openApiV3Document(defs: readonly ResourceDefinition[], gvPath: string): object | undefined {
  const gv = parseGroupVersionPath(gvPath);
  return gv ? buildDocument(defs, gv) : undefined;
}
