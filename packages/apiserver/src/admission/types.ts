/**
 * The admission contract, as upstream's admission.Interface: plugins see each write (create, update,
 * patch, delete, and POSTs to subresources) after authorization and before storage. Mutating
 * plugins change the object of a create; validating plugins reject with a StatusError (usually 403).
 */
import type { KubeObject, RequestContext, ResourceDefinition } from '../registry/types.js';

/** Admission operations (CONNECT is not admitted here). */
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

/** One write as admission sees it. */
export interface AdmissionRequest {
  operation: Operation;
  def: ResourceDefinition;
  /** '' for the main resource; `status`, `binding`, `eviction`, `token`, ... */
  subresource: string;
  name: string;
  namespace: string;
  ctx: RequestContext;
  /** The new object of a CREATE (mutable in admit) or a PUT; for subresource POSTs, the posted body. */
  object?: KubeObject;
  /** The object after the update (PUT body, or a PATCH computed by a dry run); loaded on first call. */
  newObject(): Promise<KubeObject | undefined>;
  /** The stored object before an UPDATE or DELETE (undefined when absent); loaded on first call. */
  oldObject(): Promise<KubeObject | undefined>;
}

/** AdmissionPlugin is one named admission step. */
export interface AdmissionPlugin {
  /** Upstream's plugin name, e.g. `ServiceAccount`, `NodeRestriction`. */
  readonly name: string;
  /** handles reports whether the plugin cares about this request (cheap; no I/O). */
  handles(req: AdmissionRequest): boolean;
  /** admit may mutate req.object (CREATE only); runs before every validate. */
  admit?(req: AdmissionRequest): Promise<void>;
  /** validate rejects by throwing a StatusError. Must not mutate. */
  validate?(req: AdmissionRequest): Promise<void>;
  /** afterWrite runs after the write succeeded (e.g. quota usage), errors are logged, not returned. */
  afterWrite?(req: AdmissionRequest, stored: KubeObject | undefined): Promise<void>;
}

/** admissionForbidden is upstream's admission.NewForbidden: `<resource> "<name>" is forbidden: <why>`. */
export { newForbidden } from '@nanokube/api';
