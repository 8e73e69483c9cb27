/**
 * The local extension of ResourceDefinition this folder exports, and the discovery verb sets.
 */
import type { ResourceDefinition, StatusStrategy } from '../../types.js';
import type { NameValidation } from './validation.js';

/**
 * NanoResourceDefinition adds what the generic registry needs beyond types.ts:
 * - `nameValidation`: the rule for metadata.name (upstream's per-kind ValidateNameFunc), so the
 *   common ObjectMeta validation uses DNS-1123 labels for Namespaces, DNS-1035 for Services and
 *   path segments for RBAC kinds (`system:controller:...`).
 * - `virtual`: create-only review kinds (SubjectAccessReview, TokenReview, ...) that are answered by
 *   a handler and never stored.
 * - `storageResource`: the key prefix under /registry when it differs from `resource`.
 * - `subresourceStrategies`: PUT/PATCH rules of update subresources other than `status`
 *   (`namespaces/finalize`, `certificatesigningrequests/approval`), shaped like StatusStrategy.
 */
export interface NanoResourceDefinition extends ResourceDefinition {
  nameValidation: NameValidation;
  virtual?: boolean;
  storageResource?: string;
  subresourceStrategies?: Record<string, StatusStrategy>;
}

/** The verbs of an ordinary stored resource, in discovery's (sorted) order. */
export const standardVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Namespaces have no deletecollection. */
export const namespaceVerbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** The `/status` subresource's verbs. */
export const statusVerbs = ['get', 'patch', 'update'];
