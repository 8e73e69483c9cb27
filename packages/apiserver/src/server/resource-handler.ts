/**
 * The generic REST handler behind `/api/v1/...` and `/apis/<g>/<v>/...`: finds the ResourceDefinition,
 * checks scope and verbs, decodes the body, calls the Registry and renders the reply. Upstream's
 * equivalent is endpoints/handlers (create.go, get.go, update.go, patch.go, delete.go, watch.go).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { newBadRequest, newMethodNotSupported, newServiceUnavailable, newStatus, StatusError } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import { omitEmptyInPlace } from '../registry/generic/omit-empty.js';
import type { FieldValidation, KubeObject, Registry, RequestContext, ResourceDefinition, WriteResult } from '../registry/types.js';
import type { UserInfo } from './auth.js';
import { decodeJsonValue, decodeObject, decodePatch, patchTypeOf, type DecodedBody } from './body.js';
import type { RequestMetrics } from './metrics.js';
import { negotiateResourceOutput } from './negotiation.js';
import { deleteOptions, getOptions, includeObjectOf, listOptions, watchOptions, writeOptions, type Query } from './query.js';
import { groupVersion, renderList, renderListJson, renderObject, tableContentType, type RenderOptions } from './render.js';
import type { RequestInfo } from './request-info.js';
import { serveWatch } from './watch.js';

/** unknownFields reports schema-unknown field paths (`spec.foo`) of an object (helper E3's openapi module). */
export type UnknownFieldsFn = (def: ResourceDefinition, version: string, obj: KubeObject) => string[];

/** Arguments of a streaming subresource handler (log, exec, attach, portforward, proxy). */
export interface SubresourceRequest {
  request: FastifyRequest;
  reply: FastifyReply;
  info: RequestInfo;
  def: ResourceDefinition;
  ctx: RequestContext;
  registry: Registry;
}

/**
 * A handler that takes over a subresource request completely (it sends the reply itself). Handlers are
 * keyed by subresource name (`log`) or, for one resource only, `resource/subresource` (`pods/proxy`;
 * `resource.group/subresource` outside the core group).
 */
export type SubresourceHandler = (r: SubresourceRequest) => Promise<void>;

/** The streaming subresources served by the node agent; answered 503 until a handler is installed. */
export const streamingSubresources = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);

/** What the resource handler needs from the app. */
export interface ResourceHandlerDeps {
  registry: Registry;
  logger: Logger;
  metrics: RequestMetrics;
  unknownFields?: UnknownFieldsFn;
  subresourceHandlers: Partial<Record<string, SubresourceHandler>>;
  now: () => Date;
}

/** notFoundStatus is upstream's reply for a path no resource serves. */
export function notFoundStatus(): StatusError {
  return new StatusError(newStatus('NotFound', 'the server could not find the requested resource', {}));
}

/** ResourceHandler routes one resource request to the Registry. */
export class ResourceHandler {
  private readonly byPath = new Map<string, ResourceDefinition>();

  constructor(private readonly deps: ResourceHandlerDeps) {
    for (const d of deps.registry.resources) {
      for (const v of d.versions) this.byPath.set(`${d.group}/${v}/${d.resource}`, d);
    }
  }

  /** lookup returns the definition serving group/version/resource, if any. */
  lookup(group: string, version: string, resource: string): ResourceDefinition | undefined {
    return this.byPath.get(`${group}/${version}/${resource}`);
  }

  /** handle serves a parsed resource request for an authenticated, authorized user. */
  async handle(request: FastifyRequest, reply: FastifyReply, info: RequestInfo, user: UserInfo): Promise<void> {
    const def = this.lookup(info.apiGroup, info.apiVersion, info.resource);
    if (!def) throw notFoundStatus();
    const isNamespaceObject = def.group === '' && def.resource === 'namespaces';
    if (!def.namespaced && info.namespace !== '' && !isNamespaceObject) throw notFoundStatus();
    if (def.namespaced && info.name !== '' && info.namespace === '') throw notFoundStatus();
    const ctx: RequestContext = {
      namespace: def.namespaced ? info.namespace : '',
      user,
      dryRun: false,
      now: this.deps.now(),
    };
    const q = (request.query ?? {}) as Query;
    const render: RenderOptions = {
      def,
      version: info.apiVersion,
      output: negotiateResourceOutput(request.headers.accept),
      includeObject: includeObjectOf(q),
      now: ctx.now,
    };
    if (info.subresource) return this.handleSubresource(request, reply, info, def, ctx, render);
    const verb = info.verb;
    if (!def.verbs.includes(verb)) throw newMethodNotSupported({ group: def.group, resource: def.resource }, verb);
    // POST is served on the collection only; upstream's router answers 405 on an object's path.
    if (verb === 'create' && info.name) throw newMethodNotSupported({ group: def.group, resource: def.resource }, verb);
    const reg = this.deps.registry;
    switch (verb) {
      case 'get':
        return send(reply, 200, renderObject(await reg.get(ctx, def, info.name, getOptions(q)), render), render);
      case 'list': {
        const result = await reg.list(ctx, def, listOptions(q));
        const json = renderListJson(result, render);
        return json === undefined ? send(reply, 200, renderList(result, render), render) : sendJson(reply, 200, json);
      }
      case 'watch':
        return this.watch(reply, ctx, def, render, q, info.name);
      case 'create':
        return this.create(request, reply, ctx, def, render, q);
      case 'update':
        return this.update(request, reply, ctx, def, render, q, info.name, '');
      case 'patch':
        return this.patch(request, reply, ctx, def, render, q, info.name, '');
      case 'delete':
        return this.delete(request, reply, ctx, def, render, q, info.name);
      case 'deletecollection': {
        const opts = deleteOptions(q, decodeJsonValue(request.body as Buffer | undefined));
        ctx.dryRun = opts.dryRun !== undefined && opts.dryRun.length > 0;
        return send(reply, 200, renderList(await reg.deleteCollection(ctx, def, listOptions(q), opts), render), render);
      }
      default:
        throw newMethodNotSupported({ group: def.group, resource: def.resource }, verb);
    }
  }

  private async watch(reply: FastifyReply, ctx: RequestContext, def: ResourceDefinition, render: RenderOptions, q: Query, name: string): Promise<void> {
    const { metrics, logger, registry } = this.deps;
    metrics.watchStarted(def.resource);
    let ended = false;
    const onEnd = (): void => {
      if (ended) return;
      ended = true;
      metrics.watchEnded(def.resource);
      metrics.observe('watch', def.resource, 200, 0);
    };
    try {
      await serveWatch({ reply, registry, ctx, def, opts: watchOptions(q, name || undefined), render, logger, onEnd });
    } catch (err) {
      if (!ended) {
        ended = true;
        metrics.watchEnded(def.resource);
      }
      throw err;
    }
  }

  private async create(request: FastifyRequest, reply: FastifyReply, ctx: RequestContext, def: ResourceDefinition, render: RenderOptions, q: Query): Promise<void> {
    const opts = writeOptions(q);
    ctx.dryRun = opts.dryRun;
    const body = decodeObject(request.body as Buffer | undefined, request.headers['content-type'], opts.fieldValidation);
    const warnings: string[] = [];
    const obj = this.admitObject(def, render.version, body, opts.fieldValidation, warnings, ctx.namespace);
    // Empty optional maps and lists go, as upstream's typed decoding drops them (updates do it in the registry).
    omitEmptyInPlace({ group: def.group, version: def.versions[0] ?? 'v1', kind: def.kind }, obj);
    const result = await this.deps.registry.create(ctx, def, obj, { ...opts, version: render.version });
    return sendWrite(reply, result, render, warnings);
  }

  private async update(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: RequestContext,
    def: ResourceDefinition,
    render: RenderOptions,
    q: Query,
    name: string,
    subresource: string,
  ): Promise<void> {
    const opts = writeOptions(q);
    ctx.dryRun = opts.dryRun;
    const body = decodeObject(request.body as Buffer | undefined, request.headers['content-type'], opts.fieldValidation);
    const warnings: string[] = [];
    let obj: KubeObject;
    if (subresource === 'scale') {
      obj = body.value;
      checkTypeMeta(obj, 'autoscaling/v1', 'Scale');
      checkNamespace(obj, ctx.namespace);
    } else {
      obj = this.admitObject(def, render.version, body, opts.fieldValidation, warnings, ctx.namespace);
    }
    const objName = obj.metadata.name ?? '';
    if (objName !== name) throw newBadRequest(`the name of the object (${objName}) does not match the name on the URL (${name})`);
    opts.version = render.version;
    const result = await this.deps.registry.update(ctx, def, name, obj, subresource ? { ...opts, subresource } : opts);
    return sendWrite(reply, result, subresource === 'scale' ? undefined : render, warnings);
  }

  private async patch(
    request: FastifyRequest,
    reply: FastifyReply,
    ctx: RequestContext,
    def: ResourceDefinition,
    render: RenderOptions,
    q: Query,
    name: string,
    subresource: string,
  ): Promise<void> {
    const opts = writeOptions(q);
    ctx.dryRun = opts.dryRun;
    const type = patchTypeOf(request.headers['content-type']);
    const body = decodePatch(request.body as Buffer | undefined, type, opts.fieldValidation);
    const warnings: string[] = [];
    const checked = type !== 'json' && subresource !== 'scale' ? (body.value as KubeObject) : undefined;
    this.checkFields(def, render.version, checked, body.strictErrors, opts.fieldValidation, warnings, true);
    opts.version = render.version;
    const result = await this.deps.registry.patch(ctx, def, name, type, body.value, subresource ? { ...opts, subresource } : opts);
    return sendWrite(reply, result, subresource === 'scale' ? undefined : render, warnings);
  }

  private async delete(request: FastifyRequest, reply: FastifyReply, ctx: RequestContext, def: ResourceDefinition, render: RenderOptions, q: Query, name: string): Promise<void> {
    const opts = deleteOptions(q, decodeJsonValue(request.body as Buffer | undefined));
    ctx.dryRun = opts.dryRun !== undefined && opts.dryRun.length > 0;
    const { object, deleted } = await this.deps.registry.delete(ctx, def, name, opts);
    if (deleted && render.output.as === 'object' && !(def.group === '' && def.resource === 'pods')) {
      const details = { name, ...(def.group ? { group: def.group } : {}), kind: def.resource, ...(object.metadata.uid ? { uid: object.metadata.uid } : {}) };
      return sendJson(reply, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details });
    }
    return send(reply, 200, renderObject(object, render), render);
  }

  private async handleSubresource(
    request: FastifyRequest,
    reply: FastifyReply,
    info: RequestInfo,
    def: ResourceDefinition,
    ctx: RequestContext,
    render: RenderOptions,
  ): Promise<void> {
    const sub = info.subresource;
    const gr = { group: def.group, resource: `${def.resource}/${sub}` };
    const q = (request.query ?? {}) as Query;
    const reg = this.deps.registry;
    const extra = def.extraSubresources?.find((x) => x.name === sub);
    if (streamingSubresources.has(sub) && extra) {
      // A handler for this resource's subresource (`pods/proxy`) wins over one for the name (`proxy`).
      const own = def.group === '' ? `${def.resource}/${sub}` : `${def.resource}.${def.group}/${sub}`;
      const handler = this.deps.subresourceHandlers[own] ?? this.deps.subresourceHandlers[sub];
      if (!handler) throw newServiceUnavailable('the node agent is not available yet');
      return handler({ request, reply, info, def, ctx, registry: reg });
    }
    const hasStatus = sub === 'status' && def.statusStrategy !== undefined;
    const hasScale = sub === 'scale' && def.scale !== undefined;
    const isFinalize = sub === 'finalize' && def.group === '' && def.resource === 'namespaces';
    // Other subresources with rules of their own (certificatesigningrequests/approval) are read and
    // written like /status.
    const declared = !isFinalize && def.subresourceStrategies?.[sub] !== undefined;
    if (hasStatus || hasScale || isFinalize || declared) {
      const method = request.method;
      if (method === 'GET' && !isFinalize) {
        const obj = await reg.getSubresource(ctx, def, info.name, sub);
        return hasScale ? sendJson(reply, 200, stampScale(obj)) : send(reply, 200, renderObject(obj, render), render);
      }
      if (method === 'PUT') return this.update(request, reply, ctx, def, render, q, info.name, sub);
      if (method === 'PATCH' && !isFinalize) return this.patch(request, reply, ctx, def, render, q, info.name, sub);
      throw newMethodNotSupported(gr, info.verb);
    }
    if (extra) {
      if (request.method !== 'POST') throw newMethodNotSupported(gr, info.verb);
      const opts = writeOptions(q);
      ctx.dryRun = opts.dryRun;
      const body = decodeObject(request.body as Buffer | undefined, request.headers['content-type'], opts.fieldValidation);
      checkNamespace(body.value, ctx.namespace);
      const { object, code } = await reg.createSubresource(ctx, def, info.name, sub, body.value, opts);
      return sendJson(reply, code, object);
    }
    throw notFoundStatus();
  }

  /**
   * admitObject checks a decoded create/update body against the URL (apiVersion, kind, namespace),
   * applies fieldValidation, fills apiVersion/kind and converts to the stored version.
   */
  private admitObject(def: ResourceDefinition, version: string, body: DecodedBody<KubeObject>, validation: FieldValidation, warnings: string[], namespace: string): KubeObject {
    const obj = body.value;
    const gv = groupVersion(def.group, version);
    checkTypeMeta(obj, gv, def.kind);
    if (def.namespaced) checkNamespace(obj, namespace);
    this.checkFields(def, version, obj, body.strictErrors, validation, warnings, false);
    obj.apiVersion = gv;
    obj.kind = def.kind;
    return def.convert && version !== def.versions[0] ? def.convert.fromVersion(obj, version) : obj;
  }

  /**
   * checkFields applies fieldValidation: Strict rejects unknown and duplicate fields, Warn reports them
   * as warnings, Ignore drops them. Unknown fields are always dropped from objects, as typed decoding
   * upstream does. Patch directives (`$patch`, `$setElementOrder/...`) are never unknown.
   */
  private checkFields(
    def: ResourceDefinition,
    version: string,
    obj: KubeObject | undefined,
    strictErrors: string[],
    validation: FieldValidation,
    warnings: string[],
    isPatch: boolean,
  ): void {
    const problems = [...strictErrors];
    const unknown = this.deps.unknownFields;
    if (obj && unknown) {
      const paths = unknown(def, version, obj).filter((p) => !p.includes('$'));
      for (const p of paths) {
        problems.push(`unknown field "${p}"`);
        if (!isPatch) deletePath(obj, p);
      }
    }
    if (problems.length === 0 || validation === 'Ignore') return;
    if (validation === 'Strict') {
      const prefix = isPatch ? '' : `${def.kind} in version "${version}" cannot be handled as a ${def.kind}: `;
      throw newBadRequest(`${prefix}strict decoding error: ${problems.join(', ')}`);
    }
    warnings.push(...problems);
  }
}

function checkTypeMeta(obj: KubeObject, gv: string, kind: string): void {
  if (obj.apiVersion && obj.apiVersion !== gv) {
    throw newBadRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${gv})`);
  }
  if (obj.kind && obj.kind !== kind) {
    throw newBadRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${kind})`);
  }
}

function checkNamespace(obj: KubeObject, namespace: string): void {
  const ns = obj.metadata.namespace;
  if (namespace === '') return;
  if (ns && ns !== namespace) throw newBadRequest('the namespace of the provided object does not match the namespace sent on the request');
  if (!ns) obj.metadata.namespace = namespace;
}

/** deletePath removes a field named by a path like `spec.template.spec.containers[0].imagee`. */
export function deletePath(obj: unknown, path: string): void {
  const segs: (string | number)[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return;
    if (m[1]) segs.push(m[1]);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) segs.push(Number(idx[1]));
  }
  let cur: unknown = obj;
  for (let i = 0; i < segs.length - 1; i++) {
    if (typeof cur !== 'object' || cur === null) return;
    cur = (cur as Record<string | number, unknown>)[segs[i] as string | number];
  }
  const last = segs[segs.length - 1];
  if (typeof cur === 'object' && cur !== null && last !== undefined && !Array.isArray(cur)) {
    delete (cur as Record<string, unknown>)[String(last)];
  }
}

function stampScale(obj: KubeObject): KubeObject {
  return { apiVersion: 'autoscaling/v1', kind: 'Scale', ...obj };
}

/**
 * warningHeader formats one `Warning: 299 - "text"` value. Control characters (a YAML parser's
 * multi-line message) become spaces and the UTF-8 bytes are passed as latin1 characters, since Node
 * refuses header values with newlines or characters above U+00FF.
 */
export function warningHeader(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  const quoted = `299 - "${flat.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return Buffer.from(quoted, 'utf8').toString('latin1');
}

/** sendJson writes a JSON reply (a pre-serialised string is sent as is). */
export function sendJson(reply: FastifyReply, code: number, body: unknown, contentType = 'application/json'): void {
  // A Buffer keeps fastify from rewriting the media type (it would quote parameters and add a
  // charset, and kubectl matches the aggregated discovery Content-Type exactly).
  void reply
    .code(code)
    .header('content-type', contentType)
    .send(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
}

function send(reply: FastifyReply, code: number, body: Record<string, unknown>, render: RenderOptions): void {
  const ct = body['kind'] === 'Table' && render.output.as === 'Table' ? tableContentType(render.output.version) : 'application/json';
  sendJson(reply, code, body, ct);
}

function sendWrite(reply: FastifyReply, result: WriteResult, render: RenderOptions | undefined, extraWarnings: string[]): void {
  const warnings = [...extraWarnings, ...result.warnings];
  if (warnings.length) void reply.header('warning', warnings.map(warningHeader));
  const code = result.created ? 201 : 200;
  if (!render) return sendJson(reply, code, stampScale(result.object));
  send(reply, code, renderObject(result.object, render), render);
}
