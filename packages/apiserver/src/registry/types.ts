import type { FieldError } from '@nanokube/api';

/**
 * The contracts between the apiserver's generic machinery (registry/generic, server/) and the
 * per-resource definitions (registry/resources/<group>/<resource>/). A resource folder holds only
 * what differs between resources: defaulting, validation, table columns, field selectors and
 * subresources. Everything else (CRUD, watch, patch, tables, discovery, OpenAPI) is generic.
 */

/** ObjectMeta as stored (a structural subset; resources read more through their own types). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Any Kubernetes object as JSON. Strategies cast to their kubernetes-types type inside. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** Who is asking, and how; passed to every strategy hook. */
export interface RequestContext {
  /** Namespace from the URL ('' for cluster-scoped or all-namespace requests). */
  namespace: string;
  user: { name: string; groups: string[]; uid?: string; extra?: Record<string, string[]> };
  /** True for dryRun=All: hooks must not allocate anything durable (e.g. a ClusterIP). */
  dryRun: boolean;
  /** Current time, injectable for tests. */
  now: Date;
}

/**
 * ResourceStrategy holds the rules for creating, updating and deleting one resource, in upstream's
 * order: prepareForCreate -> defaults -> validate -> (store) ... Stateless; one instance is shared.
 */
export interface ResourceStrategy {
  /**
   * prepareForCreate normalises a new object before validation: clear status (set the initial one,
   * e.g. pod phase Pending), set generation 1. Must not reject.
   */
  prepareForCreate(ctx: RequestContext, obj: KubeObject): void;
  /**
   * applyDefaults fills upstream's defaults (e.g. Deployment strategy RollingUpdate 25%/25%, container
   * terminationMessagePath, imagePullPolicy from the tag). Runs on create and on update, after
   * prepareFor*, so that defaulted fields are stored and compared consistently.
   */
  applyDefaults(obj: KubeObject): void;
  /** validate returns every problem found in a new object. Must not mutate obj. */
  validate(ctx: RequestContext, obj: KubeObject): FieldError[];
  /**
   * prepareForUpdate copies what the main endpoint may not change (status) from old to obj, and bumps
   * metadata.generation when the spec changed. Must not reject.
   */
  prepareForUpdate(ctx: RequestContext, obj: KubeObject, old: KubeObject): void;
  /** validateUpdate returns every problem with the change (immutable fields, ...). Must not mutate. */
  validateUpdate(ctx: RequestContext, obj: KubeObject, old: KubeObject): FieldError[];
  /** warnings returns `Warning:` header texts for an accepted object (deprecated fields, ...). */
  warnings?(ctx: RequestContext, obj: KubeObject, old?: KubeObject): string[];
  /**
   * gracefulDeleteSeconds returns the grace period for a delete, or undefined for an immediate
   * delete. Pods bound to a node return the request's period or spec.terminationGracePeriodSeconds.
   */
  gracefulDeleteSeconds?(obj: KubeObject, requested: number | undefined): number | undefined;
}

/**
 * StatusStrategy is the `/status` subresource's rules: the opposite of the main strategy — it keeps
 * the old spec and metadata (except labels/annotations as upstream allows) and takes the new status.
 */
export interface StatusStrategy {
  prepareForUpdate(ctx: RequestContext, obj: KubeObject, old: KubeObject): void;
  validateUpdate(ctx: RequestContext, obj: KubeObject, old: KubeObject): FieldError[];
}

/** One column of a server-side Table, as `meta.k8s.io/v1 TableColumnDefinition`. */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  /** 0 = always shown; 1 = only with `-o wide`. */
  priority: number;
}

/** TableConverter renders one resource's rows with upstream's columns (pkg/printers/internalversion). */
export interface TableConverter {
  columns: TableColumn[];
  /** One row of cells per object; Age cells already rendered as text (e.g. `5m`). */
  row(obj: KubeObject, now: Date): unknown[];
}

/** The `/scale` subresource (autoscaling/v1 Scale) of a workload resource. */
export interface ScaleSubresource {
  /** JSON path of spec replicas, e.g. `spec.replicas`. */
  specReplicasPath: string;
  /** JSON path of status replicas, e.g. `status.replicas`. */
  statusReplicasPath: string;
  /** Renders the label selector string for status.selector (`app=x`), or undefined. */
  selector(obj: KubeObject): string | undefined;
}

/** ResourceDefinition is everything the generic registry needs to serve one resource. */
export interface ResourceDefinition {
  /** API group ('' for core). */
  group: string;
  /** Served versions, preferred first (e.g. autoscaling: ['v2', 'v1']). */
  versions: string[];
  /** Plural resource name, e.g. `deployments`. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Verbs advertised in discovery (get, list, watch, create, update, patch, delete, deletecollection). */
  verbs: string[];
  strategy: ResourceStrategy;
  /** Present when the resource has a `/status` subresource. */
  statusStrategy?: StatusStrategy;
  scale?: ScaleSubresource;
  table: TableConverter;
  /**
   * Field selectors beyond metadata.name/metadata.namespace (always supported): field path -> value
   * getter, e.g. `spec.nodeName`, `status.phase`, `involvedObject.name`.
   */
  fieldSelectors?: Record<string, (obj: KubeObject) => string | undefined>;
  /**
   * Converts a stored object (stored at versions[0]) to another served version and back. Needed only
   * for resources served at several versions (HPA v1 <-> v2).
   */
  convert?: { toVersion(obj: KubeObject, version: string): KubeObject; fromVersion(obj: KubeObject, version: string): KubeObject };
  /** How metadata.name is validated (default DNS-1123 subdomain). */
  nameValidation?: 'DNS1123Subdomain' | 'DNS1123Label' | 'DNS1035Label' | 'PathSegment';
  /** Create-only virtual resources (the review APIs): never stored, answered by a handler. */
  virtual?: boolean;
  /** Storage key segment when it differs from `resource` (events.k8s.io events). */
  storageResource?: string;
  /** Rules of further subresources (`finalize`, `approval`) keyed by subresource name. */
  subresourceStrategies?: Record<string, StatusStrategy>;
  /** Extra subresource names listed in discovery (e.g. `log`, `exec`, `binding`, `eviction`), served elsewhere. */
  extraSubresources?: { name: string; kind?: { group: string; version: string; kind: string }; verbs: string[] }[];
}

/** The patch content types the API accepts. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** `fieldValidation` query parameter values. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Options common to writes (query parameters dryRun, fieldManager, fieldValidation, force). */
export interface WriteOptions {
  dryRun: boolean;
  fieldManager?: string;
  fieldValidation: FieldValidation;
  /** Server-side apply: take ownership on conflicts. */
  force?: boolean;
  /**
   * The URL's version. When it is another served version than the storage one, PATCH converts the
   * stored object to it before patching (and back), and managedFields are recorded at it.
   */
  version?: string;
}

/** What a write returns: the stored object (or the would-be object on dryRun) and warnings to send. */
export interface WriteResult {
  object: KubeObject;
  /** True when the write created the object (201 instead of 200). */
  created: boolean;
  warnings: string[];
}

/** `meta/v1 DeleteOptions` fields the API honours. */
export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
  /** Deprecated boolean form of propagationPolicy=Orphan. */
  orphanDependents?: boolean;
}

/** List parameters after parsing (selectors already parsed by the HTTP layer into matchers). */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  /** '' or undefined = most recent; '0' = any (cache); N = at least N. */
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

/** A list result, before rendering (the HTTP layer builds the List or Table). */
export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** Watch parameters. `resourceVersion` '0'/absent = synthetic ADDED for current state first. */
export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

/** One watch event as sent on the wire (object is the stored object, or a Status for ERROR). */
export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject;
}

/**
 * Registry is the seam between the HTTP layer (server/) and storage (registry/generic/). The HTTP layer
 * parses the request (path, query, body, content type) and renders replies (Table, List, Status); the
 * registry does everything else: strategies, defaulting, validation, admission hooks, optimistic
 * concurrency, graceful deletion, finalizers, the watch cache. Every error thrown is a StatusError.
 */
/** Options of a GET. */
export interface GetOptions {
  resourceVersion?: string;
}

export interface Registry {
  /** The served resources, for discovery and routing. */
  readonly resources: readonly ResourceDefinition[];
  /**
   * GET: a consistent read from the store; with `resourceVersion: '0'` (upstream's "any version"), the
   * watch cache's copy, which may be slightly behind.
   */
  get(ctx: RequestContext, def: ResourceDefinition, name: string, opts?: GetOptions): Promise<KubeObject>;
  list(ctx: RequestContext, def: ResourceDefinition, opts: ListOptions): Promise<ListResult>;
  create(ctx: RequestContext, def: ResourceDefinition, obj: KubeObject, opts: WriteOptions): Promise<WriteResult>;
  /** PUT: replace the object (or its `subresource`: 'status' | 'scale'). */
  update(
    ctx: RequestContext,
    def: ResourceDefinition,
    name: string,
    obj: KubeObject,
    opts: WriteOptions & { subresource?: string },
  ): Promise<WriteResult>;
  /** PATCH: apply a patch body of the given type (apply creates when absent). */
  patch(
    ctx: RequestContext,
    def: ResourceDefinition,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions & { subresource?: string },
  ): Promise<WriteResult>;
  /** DELETE: returns the object as deleted (or as marked for graceful deletion) and whether it is gone. */
  delete(
    ctx: RequestContext,
    def: ResourceDefinition,
    name: string,
    opts: DeleteOptions,
  ): Promise<{ object: KubeObject; deleted: boolean }>;
  /** deletecollection: deletes every object matching the list options. */
  deleteCollection(ctx: RequestContext, def: ResourceDefinition, list: ListOptions, opts: DeleteOptions): Promise<ListResult>;
  /** Streams events until `signal` aborts or timeoutSeconds passes. Throws 410 Expired for a compacted RV. */
  watch(ctx: RequestContext, def: ResourceDefinition, opts: WatchOptions, signal: AbortSignal): AsyncIterable<WatchEvent>;
  /** GET of a subresource (`scale`, `status`). */
  getSubresource(ctx: RequestContext, def: ResourceDefinition, name: string, subresource: string): Promise<KubeObject>;
  /** POST to a subresource (`binding`, `eviction`, `token`). Returns the reply object and HTTP code. */
  createSubresource(
    ctx: RequestContext,
    def: ResourceDefinition,
    name: string,
    subresource: string,
    body: KubeObject,
    opts: WriteOptions,
  ): Promise<{ object: KubeObject; code: number }>;
}
