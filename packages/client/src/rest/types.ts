/**
 * ObjectMeta fields every client needs; objects carry more, typed by the caller. No index signature, so
 * kubernetes-types' objects (Pod, Deployment, ...) are KubeObjects as they are.
 */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: {
    apiVersion: string;
    kind: string;
    name: string;
    uid: string;
    controller?: boolean;
    blockOwnerDeletion?: boolean;
  }[];
  finalizers?: string[];
}

/** Any Kubernetes object; controllers use their kubernetes-types type as T. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
}

/** A list as the API returns it. */
export interface ObjectList<T> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

/** One event of a watch stream. */
export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** A served resource: enough to build its URLs. */
export interface GroupVersionResource {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural name, e.g. `pods`. */
  resource: string;
  namespaced: boolean;
  /** Kind, used to fill `kind`/`apiVersion` on created objects when absent. */
  kind: string;
}

/** List and watch parameters. */
export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
}

/** DeleteOptions sent as the DELETE body. */
export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Query options for writes. */
export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
  force?: boolean;
}

/** Patch flavours and their content types. */
export const patchContentTypes = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export type PatchType = keyof typeof patchContentTypes;
