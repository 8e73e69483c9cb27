/**
 * Writes through a served version that is not the storage version (autoscaling/v1 HPAs, stored as
 * v2): upstream's patch handler converts the stored object to the request's version, applies the
 * patch there and converts the result back; managedFields are recorded against the request's version.
 */
import type { KubeObject, ResourceDefinition } from '../types.js';

/** The two directions between the storage version and one other served version. */
export interface VersionConversion {
  /** `autoscaling/v1`: the apiVersion of the request's version. */
  apiVersion: string;
  version: string;
  /** Stored object -> request version (a new object; the input may be frozen). */
  toRequest(obj: KubeObject): KubeObject;
  /** Request version -> storage version (a new object). */
  toStorage(obj: KubeObject): KubeObject;
}

/** conversionFor returns the conversion a write at `version` needs, or undefined at the storage version. */
export function conversionFor(def: ResourceDefinition, version: string | undefined): VersionConversion | undefined {
  const convert = def.convert;
  if (!convert || !version || version === def.versions[0] || !def.versions.includes(version)) return undefined;
  const apiVersion = def.group ? `${def.group}/${version}` : version;
  return {
    apiVersion,
    version,
    toRequest: (obj) => ({ ...convert.toVersion(obj, version), apiVersion, kind: def.kind }),
    toStorage: (obj) => convert.fromVersion(obj, version),
  };
}

/**
 * recordInRequestVersion runs a managedFields update `record` (which writes `view.metadata.managedFields`) on
 * the request-version views of `obj` and `old`, and copies the result onto `obj`.
 */
export function recordInRequestVersion(
  conv: VersionConversion,
  obj: KubeObject,
  old: KubeObject | undefined,
  record: (view: KubeObject, oldView: KubeObject | undefined) => void,
): void {
  const view = conv.toRequest(obj);
  record(view, old ? conv.toRequest(old) : undefined);
  if (view.metadata.managedFields === undefined) delete obj.metadata.managedFields;
  else obj.metadata.managedFields = view.metadata.managedFields;
}
