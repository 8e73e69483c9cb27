/**
 * assertDecodable: the typed-decoding step upstream runs before defaulting and validation. A body or
 * patch result whose fields have the wrong JSON types is a 400, never a crash further down.
 */
import { newBadRequest } from '@nanokube/api';
import { typeError } from '../../openapi/type-check.js';
import type { KubeObject, ResourceDefinition } from '../types.js';
import { storageApiVersion } from './core.js';

/** assertDecodable throws 400 when `obj` (at the storage version of `def`) does not fit its schema. */
export function assertDecodable(def: ResourceDefinition, obj: KubeObject): void {
  const apiVersion = storageApiVersion(def);
  const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
  const err = typeError({ group: def.group, version, kind: def.kind }, obj);
  if (err) throw newBadRequest(`${def.kind} in version "${version}" cannot be handled as a ${def.kind}: ${err}`);
}
