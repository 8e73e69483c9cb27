/**
 * OpenAPI v3 documents per group version, shaped as kube-apiserver serves them under
 * `/openapi/v3/<api/v1|apis/<group>/<version>>`: one path per collection, item, subresource and
 * (deprecated) watch URL, each operation with `x-kubernetes-action` and
 * `x-kubernetes-group-version-kind`, and `components.schemas` holding every schema the paths reach.
 *
 * PATCH request bodies list json-patch, merge-patch and apply-patch but deliberately not
 * `application/strategic-merge-patch+json`: when that type is listed, kubectl (1.27+) computes
 * client-side-apply patches from our schemas' x-kubernetes-patch-* extensions, which come partly from
 * an older upstream spec (generate.ts). Without it, kubectl silently uses the patch metadata compiled
 * into its own Go types, which is exactly upstream's.
 */
import type { ResourceDefinition } from '../registry/types.js';
import { deleteParameters, listParameters, parameters, writeParameters } from './parameters.js';
import { k8sDefinitions, refsOf, schemaNameFor, type GroupVersionKind, type Schema } from './schemas.js';
import { groupVersionPath, operationGroup, type GroupVersion } from './group-version.js';

const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const objectTypes = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
const listTypes = [...objectTypes, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];
const watchTypes = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf', 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];
const patchTypes = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

/** Collects the schema names a document must carry in components.schemas. */
class SchemaSet {
  readonly names = new Set<string>();
  readonly synthetic: Record<string, Schema> = {};

  /** ref returns a `$ref` to the kind's schema, inventing an open schema for kinds we have no data for. */
  ref(gvk: GroupVersionKind): Schema {
    let name = schemaNameFor(gvk);
    if (!name) {
      name = `nanokube.${gvk.group || 'core'}.${gvk.version}.${gvk.kind}`;
      this.synthetic[name] = {
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
        'x-kubernetes-group-version-kind': [gvk],
      };
    }
    this.names.add(name);
    return { $ref: `#/components/schemas/${name}` };
  }

  named(name: string): Schema {
    this.names.add(name);
    return { $ref: `#/components/schemas/${name}` };
  }

  /** closure returns the schemas of every collected name and everything they reference. */
  closure(): Record<string, Schema> {
    const defs = k8sDefinitions();
    const out: Record<string, Schema> = { ...this.synthetic };
    const stack = [...this.names];
    while (stack.length > 0) {
      const name = stack.pop() as string;
      const schema = defs[name];
      if (out[name] || !schema) continue;
      out[name] = schema;
      stack.push(...refsOf(schema));
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
}

function content(types: string[], schema: Schema): Schema {
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

function response(description: string, types: string[], schema: Schema): Schema {
  return { description, content: content(types, schema) };
}

interface OpContext {
  gv: GroupVersion;
  def: ResourceDefinition;
  namespaced: boolean;
  kindRef: Schema;
  gvk: GroupVersionKind;
  schemas: SchemaSet;
}

interface OpSpec {
  verb: 'get' | 'put' | 'post' | 'patch' | 'delete';
  action: string;
  opId: string;
  description: string;
  parameters: Schema[];
  responses: Schema;
  requestBody?: Schema;
}

function operation(ctx: OpContext, spec: OpSpec, gvk: GroupVersionKind = ctx.gvk): Schema {
  const op: Schema = {
    tags: [operationGroup(ctx.gv).tag],
    description: spec.description,
    operationId: spec.opId,
    parameters: spec.parameters,
  };
  if (spec.requestBody) op['requestBody'] = spec.requestBody;
  op['responses'] = { ...spec.responses, '401': { description: 'Unauthorized' } };
  op['x-kubernetes-action'] = spec.action;
  op['x-kubernetes-group-version-kind'] = gvk;
  return op;
}

function opId(ctx: OpContext, verb: string, suffix = '', allNamespaces = false): string {
  const ns = ctx.namespaced && !allNamespaces ? 'Namespaced' : '';
  return `${verb}${operationGroup(ctx.gv).id}${ns}${ctx.def.kind}${suffix}${allNamespaces ? 'ForAllNamespaces' : ''}`;
}

function has(def: ResourceDefinition, verb: string): boolean {
  return def.verbs.includes(verb);
}

function collectionPath(ctx: OpContext): Schema {
  const { def, kindRef, schemas } = ctx;
  const listRef = schemas.ref({ ...ctx.gvk, kind: `${def.kind}List` });
  const status = schemas.named(`${meta}.Status`);
  const path: Schema = {};
  if (has(def, 'list')) {
    path['get'] = operation(ctx, {
      verb: 'get',
      action: 'list',
      opId: opId(ctx, 'list'),
      description: `list or watch objects of kind ${def.kind}`,
      parameters: listParameters,
      responses: { '200': response('OK', listTypes, listRef) },
    });
  }
  if (has(def, 'create')) {
    path['post'] = operation(ctx, {
      verb: 'post',
      action: 'post',
      opId: opId(ctx, 'create'),
      description: `create ${article(def.kind)} ${def.kind}`,
      parameters: writeParameters,
      requestBody: { content: content(['*/*'], kindRef), required: true },
      responses: {
        '200': response('OK', objectTypes, kindRef),
        '201': response('Created', objectTypes, kindRef),
        '202': response('Accepted', objectTypes, kindRef),
      },
    });
  }
  if (has(def, 'deletecollection')) {
    path['delete'] = operation(ctx, {
      verb: 'delete',
      action: 'deletecollection',
      opId: opId(ctx, 'delete', '', false).replace(/^delete/, 'deleteCollection'),
      description: `delete collection of ${def.kind}`,
      parameters: [...deleteParameters, ...listParameters.filter((p) => p['name'] !== 'watch' && p['name'] !== 'allowWatchBookmarks')],
      requestBody: { content: content(['*/*'], schemas.named(`${meta}.DeleteOptions`)) },
      responses: { '200': response('OK', objectTypes, status) },
    });
  }
  return path;
}

function itemPath(ctx: OpContext, sub: '' | 'Status' | 'Scale', verbs: readonly string[], gvk: GroupVersionKind, ref: Schema): Schema {
  const { def, schemas } = ctx;
  const what = sub === '' ? `the specified ${def.kind}` : `${sub.toLowerCase()} of the specified ${def.kind}`;
  const path: Schema = {};
  const ok = { '200': response('OK', objectTypes, ref) };
  if (verbs.includes('get')) {
    path['get'] = operation(ctx, { verb: 'get', action: 'get', opId: opId(ctx, 'read', sub), description: `read ${what}`, parameters: [], responses: ok }, gvk);
  }
  if (verbs.includes('update')) {
    path['put'] = operation(
      ctx,
      {
        verb: 'put',
        action: 'put',
        opId: opId(ctx, 'replace', sub),
        description: `replace ${what}`,
        parameters: writeParameters,
        requestBody: { content: content(['*/*'], ref), required: true },
        responses: { ...ok, '201': response('Created', objectTypes, ref) },
      },
      gvk,
    );
  }
  if (verbs.includes('patch')) {
    path['patch'] = operation(
      ctx,
      {
        verb: 'patch',
        action: 'patch',
        opId: opId(ctx, 'patch', sub),
        description: `partially update ${what}`,
        parameters: [...writeParameters, parameters.force],
        requestBody: { content: content(patchTypes, schemas.named(`${meta}.Patch`)), required: true },
        responses: { ...ok, '201': response('Created', objectTypes, ref) },
      },
      gvk,
    );
  }
  if (sub === '' && verbs.includes('delete')) {
    const status = schemas.named(`${meta}.Status`);
    path['delete'] = operation(ctx, {
      verb: 'delete',
      action: 'delete',
      opId: opId(ctx, 'delete'),
      description: `delete ${article(def.kind)} ${def.kind}`,
      parameters: deleteParameters,
      requestBody: { content: content(['*/*'], schemas.named(`${meta}.DeleteOptions`)) },
      responses: { '200': response('OK', objectTypes, status), '202': response('Accepted', objectTypes, status) },
    });
  }
  return path;
}

function extraSubresourcePaths(ctx: OpContext, base: string, paths: Record<string, Schema>): void {
  for (const sub of ctx.def.extraSubresources ?? []) {
    const gvk = sub.kind ?? ctx.gvk;
    const ref = sub.kind ? ctx.schemas.ref(sub.kind) : { type: 'string' };
    const suffix = sub.name.charAt(0).toUpperCase() + sub.name.slice(1);
    const path: Schema = {};
    const body = { content: content(['*/*'], ref), required: true };
    const ok = { '200': response('OK', objectTypes, ref) };
    const connect = !sub.kind;
    for (const verb of sub.verbs) {
      if (verb === 'create') {
        path['post'] = operation(ctx, { verb: 'post', action: connect ? 'connect' : 'post', opId: opId(ctx, connect ? 'connectPost' : 'create', suffix), description: `${connect ? 'connect POST requests to' : 'create'} ${sub.name} of ${ctx.def.kind}`, parameters: connect ? [] : writeParameters, ...(connect ? {} : { requestBody: body }), responses: { ...ok, '201': response('Created', objectTypes, ref) } }, gvk);
      } else if (verb === 'get') {
        path['get'] = operation(ctx, { verb: 'get', action: connect ? 'connect' : 'get', opId: opId(ctx, connect ? 'connectGet' : 'read', suffix), description: `${connect ? 'connect GET requests to' : 'read'} ${sub.name} of ${ctx.def.kind}`, parameters: [], responses: ok }, gvk);
      }
    }
    if (Object.keys(path).length > 0) paths[`${base}/{name}/${sub.name}`] = withParams(path, ctx, true);
  }
}

function withParams(path: Schema, ctx: OpContext, item: boolean): Schema {
  const params: Schema[] = [];
  if (item) params.push(parameters.name);
  if (ctx.namespaced) params.push(parameters.namespace);
  params.push(parameters.pretty);
  return { ...path, parameters: params };
}

function watchPaths(ctx: OpContext, prefix: string, paths: Record<string, Schema>): void {
  if (!has(ctx.def, 'watch')) return;
  const event = ctx.schemas.named(`${meta}.WatchEvent`);
  const nsPart = ctx.namespaced ? '/namespaces/{namespace}' : '';
  const watchOp = (action: string, id: string, description: string): Schema => ({
    get: operation(ctx, { verb: 'get', action, opId: id, description, parameters: [], responses: { '200': response('OK', watchTypes, event) } }),
  });
  const list = watchOp('watchlist', opId(ctx, 'watch', 'List'), `watch individual changes to a list of ${ctx.def.kind}. deprecated: use the 'watch' parameter with a list operation instead.`);
  paths[`${prefix}/watch${nsPart}/${ctx.def.resource}`] = { ...withParams(list, ctx, false), parameters: [...listParameters, ...(withParams({}, ctx, false)['parameters'] as Schema[])] };
  const one = watchOp('watch', opId(ctx, 'watch'), `watch changes to an object of kind ${ctx.def.kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`);
  paths[`${prefix}/watch${nsPart}/${ctx.def.resource}/{name}`] = { ...one, parameters: [...listParameters, ...(withParams({}, ctx, true)['parameters'] as Schema[])] };
}

function resourcePaths(gv: GroupVersion, def: ResourceDefinition, schemas: SchemaSet, paths: Record<string, Schema>): void {
  const gvk = { group: gv.group, version: gv.version, kind: def.kind };
  const ctx: OpContext = { gv, def, namespaced: def.namespaced, kindRef: schemas.ref(gvk), gvk, schemas };
  const prefix = `/${groupVersionPath(gv)}`;
  const base = def.namespaced ? `${prefix}/namespaces/{namespace}/${def.resource}` : `${prefix}/${def.resource}`;
  const collection = collectionPath(ctx);
  if (Object.keys(collection).length > 0) paths[base] = withParams(collection, ctx, false);
  const item = itemPath(ctx, '', def.verbs, gvk, ctx.kindRef);
  if (Object.keys(item).length > 0) paths[`${base}/{name}`] = withParams(item, ctx, true);
  if (def.statusStrategy) paths[`${base}/{name}/status`] = withParams(itemPath(ctx, 'Status', ['get', 'update', 'patch'], gvk, ctx.kindRef), ctx, true);
  if (def.scale) {
    const scaleGvk = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
    paths[`${base}/{name}/scale`] = withParams(itemPath(ctx, 'Scale', ['get', 'update', 'patch'], scaleGvk, schemas.ref(scaleGvk)), ctx, true);
  }
  extraSubresourcePaths(ctx, base, paths);
  if (def.namespaced && has(def, 'list')) {
    const all = { ...ctx, namespaced: false };
    const listRef = schemas.ref({ ...gvk, kind: `${def.kind}List` });
    paths[`${prefix}/${def.resource}`] = {
      get: operation(all, { verb: 'get', action: 'list', opId: opId(ctx, 'list', '', true), description: `list or watch objects of kind ${def.kind}`, parameters: [], responses: { '200': response('OK', listTypes, listRef) } }),
      parameters: [...listParameters, parameters.pretty],
    };
  }
  watchPaths(ctx, prefix, paths);
}

function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? 'an' : 'a';
}

/**
 * buildDocument returns the OpenAPI v3 document of one group version, or undefined when no resource
 * is served at it. `version` is the server's gitVersion (upstream puts "unversioned" there).
 */
export function buildDocument(defs: readonly ResourceDefinition[], gv: GroupVersion): Schema | undefined {
  const served = defs.filter((d) => d.group === gv.group && d.versions.includes(gv.version));
  if (served.length === 0) return undefined;
  const schemas = new SchemaSet();
  const paths: Record<string, Schema> = {};
  for (const def of [...served].sort((a, b) => (a.resource < b.resource ? -1 : 1))) resourcePaths(gv, def, schemas, paths);
  schemas.named(`${meta}.Status`);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    components: {
      schemas: schemas.closure(),
      securitySchemes: {
        BearerToken: { type: 'apiKey', description: 'Bearer Token authentication', name: 'authorization', in: 'header' },
      },
    },
    security: [{ BearerToken: [] }],
  };
}
