/**
 * Rendering of replies: objects and Lists with apiVersion/kind stamped, server-side Tables (upstream's
 * tableconvertor + the Table transform in endpoints/handlers/response.go) and PartialObjectMetadata.
 * Stored objects may be shared and frozen: every function here copies, never mutates.
 */
import type { KubeObject, ListResult, ResourceDefinition, TableColumn } from '../registry/types.js';
import type { ResourceOutput } from './negotiation.js';

/** How rows carry their object (`includeObject` query parameter). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** Everything rendering needs to know about the request. */
export interface RenderOptions {
  def: ResourceDefinition;
  /** The URL's version (the object is converted to it when the resource has several). */
  version: string;
  output: ResourceOutput;
  includeObject: IncludeObject;
  now: Date;
}

/** groupVersion renders `apps/v1` or `v1`. */
export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/**
 * toExternal converts a stored object to the URL's version and stamps apiVersion and kind (first, as
 * upstream's encoder writes them).
 */
export function toExternal(def: ResourceDefinition, version: string, obj: KubeObject): KubeObject {
  const converted = def.convert && version !== def.versions[0] ? def.convert.toVersion(obj, version) : obj;
  const out: KubeObject = { apiVersion: '', kind: '', ...converted };
  out.apiVersion = groupVersion(def.group, version);
  out.kind = def.kind;
  return out;
}

/** defaultTableColumns is upstream's default table convertor (rest.NewDefaultTableConvertor). */
export const defaultTableColumns: TableColumn[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names', priority: 0 },
  { name: 'Created At', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.', priority: 0 },
];

function columnsOf(def: ResourceDefinition): TableColumn[] {
  const cols = (def.table as ResourceDefinition['table'] | undefined)?.columns ?? defaultTableColumns;
  // kubectl prefixes `kind/` on the Name column only when it is format "name" (get all).
  return cols.map((c) => (c.name === 'Name' && !c.format ? { ...c, format: 'name' } : c));
}

const columnCache = new WeakMap<ResourceDefinition, TableColumn[]>();

function cachedColumns(def: ResourceDefinition): TableColumn[] {
  let cols = columnCache.get(def);
  if (!cols) {
    cols = columnsOf(def);
    columnCache.set(def, cols);
  }
  return cols;
}

function rowCells(def: ResourceDefinition, obj: KubeObject, now: Date): unknown[] {
  const table = def.table as ResourceDefinition['table'] | undefined;
  if (table) return table.row(obj, now);
  return [obj.metadata.name ?? '', obj.metadata.creationTimestamp ?? null];
}

function partialMetadata(obj: KubeObject, version: string): KubeObject {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

function rowOf(obj: KubeObject, o: RenderOptions, tableVersion: string): Record<string, unknown> {
  const row: Record<string, unknown> = { cells: rowCells(o.def, obj, o.now) };
  if (o.includeObject === 'Object') row['object'] = toExternal(o.def, o.version, obj);
  else if (o.includeObject === 'Metadata') row['object'] = partialMetadata(obj, tableVersion);
  return row;
}

function compareNamespaceName(a: KubeObject, b: KubeObject): number {
  const an = a.metadata.namespace ?? '';
  const bn = b.metadata.namespace ?? '';
  if (an !== bn) return an < bn ? -1 : 1;
  const a1 = a.metadata.name ?? '';
  const b1 = b.metadata.name ?? '';
  return a1 < b1 ? -1 : a1 > b1 ? 1 : 0;
}

/** renderTable builds a meta.k8s.io Table of objects, rows sorted by namespace then name. */
export function renderTable(
  objs: readonly KubeObject[],
  listMeta: Record<string, unknown>,
  o: RenderOptions & { tableVersion: 'v1' | 'v1beta1' },
  withColumns = true,
): Record<string, unknown> {
  const sorted = objs.length > 1 ? [...objs].sort(compareNamespaceName) : objs;
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${o.tableVersion}`,
    metadata: listMeta,
    columnDefinitions: withColumns ? cachedColumns(o.def) : null,
    rows: sorted.map((obj) => rowOf(obj, o, o.tableVersion)),
  };
}

function listMetaOf(result: ListResult): Record<string, unknown> {
  const meta: Record<string, unknown> = { resourceVersion: result.resourceVersion };
  if (result.continue) meta['continue'] = result.continue;
  if (result.remainingItemCount !== undefined) meta['remainingItemCount'] = result.remainingItemCount;
  return meta;
}

/** renderList renders a list result as the negotiated output: `<Kind>List`, Table or PartialObjectMetadataList. */
export function renderList(result: ListResult, o: RenderOptions): Record<string, unknown> {
  const meta = listMetaOf(result);
  if (o.output.as === 'Table') return renderTable(result.items, meta, { ...o, tableVersion: o.output.version });
  if (o.output.as === 'PartialObjectMetadata') {
    const v = o.output.version;
    return {
      kind: 'PartialObjectMetadataList',
      apiVersion: `meta.k8s.io/${v}`,
      metadata: meta,
      items: result.items.map((i) => partialMetadata(i, v)),
    };
  }
  return {
    kind: `${o.def.kind}List`,
    apiVersion: groupVersion(o.def.group, o.version),
    metadata: meta,
    items: result.items.map((i) => toExternal(o.def, o.version, i)),
  };
}

/**
 * externalJson is toExternal serialised, cached per stored object and version. Objects from the watch
 * cache are frozen and shared by every reader, so each is serialised once for all the watches and
 * lists that send it (upstream's cachingObject does the same for watch events).
 */
export function externalJson(def: ResourceDefinition, version: string, obj: KubeObject): string {
  const gv = groupVersion(def.group, version);
  const cached = jsonCache.get(obj);
  if (cached?.gv === gv) return cached.json;
  const json = JSON.stringify(toExternal(def, version, obj));
  if (Object.isFrozen(obj)) jsonCache.set(obj, { gv, json });
  return json;
}

const jsonCache = new WeakMap<object, { gv: string; json: string }>();

/**
 * renderListJson is renderList's plain `<Kind>List` as JSON text, built from {@link externalJson} of each
 * item; undefined for the other outputs (Table, PartialObjectMetadataList).
 */
export function renderListJson(result: ListResult, o: RenderOptions): string | undefined {
  if (o.output.as === 'Table' || o.output.as === 'PartialObjectMetadata') return undefined;
  const head = JSON.stringify({ kind: `${o.def.kind}List`, apiVersion: groupVersion(o.def.group, o.version), metadata: listMetaOf(result) });
  return `${head.slice(0, -1)},"items":[${result.items.map((i) => externalJson(o.def, o.version, i)).join(',')}]}`;
}

/** renderObject renders one object (GET or a write reply) as the negotiated output. */
export function renderObject(obj: KubeObject, o: RenderOptions): Record<string, unknown> {
  if (o.output.as === 'Table') {
    const meta: Record<string, unknown> = {};
    if (obj.metadata.resourceVersion) meta['resourceVersion'] = obj.metadata.resourceVersion;
    return renderTable([obj], meta, { ...o, tableVersion: o.output.version });
  }
  if (o.output.as === 'PartialObjectMetadata') return partialMetadata(obj, o.output.version);
  return toExternal(o.def, o.version, obj);
}

/** tableContentType is the Content-Type upstream sends with a Table. */
export function tableContentType(version: 'v1' | 'v1beta1'): string {
  return `application/json;as=Table;v=${version};g=meta.k8s.io`;
}
