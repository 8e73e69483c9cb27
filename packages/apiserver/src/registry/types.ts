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
  /** Extra subresource names listed in discovery (e.g. `log`, `exec`, `binding`, `eviction`), served elsewhere. */
  extraSubresources?: { name: string; kind?: { group: string; version: string; kind: string }; verbs: string[] }[];
}
