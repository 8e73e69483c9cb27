/**
 * ObjectMeta validation as apimachinery's `ValidateObjectMeta` (api/validation/objectmeta.go) and
 * `metav1validation.ValidateLabels`. Field paths default to `metadata.*`.
 */
import type { FieldError } from '../errors/status.js';
import { forbidden, invalid, required, tooLong } from './field-errors.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, isValidPathSegmentName } from './names.js';

/** ValidateNameFunc validates a name, or a generateName prefix when `prefix` is true. */
export type ValidateNameFunc = (name: string, prefix: boolean) => string[];

/** Total byte size allowed for all annotation keys and values together (256 KiB). */
export const totalAnnotationSizeLimitBytes = 256 * 1024;

function maskTrailingDash(name: string): string {
  return name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
}

/** nameIsDNSSubdomain is the default name rule (most kinds); a generateName may end in `-`. */
export const nameIsDNSSubdomain: ValidateNameFunc = (name, prefix) =>
  isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);

/** nameIsDNSLabel is the name rule of Namespaces (and Services via DNS-1035). */
export const nameIsDNSLabel: ValidateNameFunc = (name, prefix) => isDNS1123Label(prefix ? maskTrailingDash(name) : name);

/** validateLabels checks every label key (qualified name) and value; errors name `fieldPath`. */
export function validateLabels(labels: Record<string, string> | undefined | null, fieldPath = 'metadata.labels'): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(fieldPath, k, msg));
    for (const msg of isValidLabelValue(v)) errs.push(invalid(fieldPath, v, msg));
  }
  return errs;
}

/** validateAnnotations checks keys (case-insensitive qualified names) and the 256 KiB total size. */
export function validateAnnotations(
  annotations: Record<string, string> | undefined | null,
  fieldPath = 'metadata.annotations',
): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(fieldPath, k, msg));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > totalAnnotationSizeLimitBytes) errs.push(tooLong(fieldPath, totalAnnotationSizeLimitBytes));
  return errs;
}

/**
 * validateObjectMetaName checks `metadata.name` (required unless generateName is set by the caller,
 * which then passes the generated name) with `nameFn` and the path-segment rules.
 */
export function validateObjectMetaName(
  name: string | undefined,
  nameFn: ValidateNameFunc = nameIsDNSSubdomain,
  fieldPath = 'metadata.name',
): FieldError[] {
  if (!name) return [required(fieldPath, 'name or generateName is required')];
  const msgs = [...isValidPathSegmentName(name), ...nameFn(name, false)];
  return msgs.map((m) => invalid(fieldPath, name, m));
}

/** The ObjectMeta subset validateObjectMeta reads. */
export interface ObjectMetaLike {
  name?: string;
  generateName?: string;
  namespace?: string;
  generation?: number;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
  finalizers?: string[] | null;
}

/** Options of validateObjectMeta. */
export interface ValidateObjectMetaOptions {
  /** Namespaced kinds require `metadata.namespace`; cluster-scoped kinds forbid it. */
  namespaced: boolean;
  /** The kind's name rule; defaults to nameIsDNSSubdomain. */
  nameFn?: ValidateNameFunc;
}

/** validateObjectMeta runs upstream's common ObjectMeta checks in upstream's order. */
export function validateObjectMeta(meta: ObjectMetaLike, opts: ValidateObjectMetaOptions): FieldError[] {
  const nameFn = opts.nameFn ?? nameIsDNSSubdomain;
  const errs: FieldError[] = [];
  if (meta.generateName) {
    for (const m of nameFn(meta.generateName, true)) errs.push(invalid('metadata.generateName', meta.generateName, m));
  }
  errs.push(...validateObjectMetaName(meta.name, nameFn));
  if (opts.namespaced) {
    if (!meta.namespace) errs.push(required('metadata.namespace'));
    else for (const m of isDNS1123Label(meta.namespace)) errs.push(invalid('metadata.namespace', meta.namespace, m));
  } else if (meta.namespace) {
    errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  }
  errs.push(...validateNonnegativeField(meta.generation ?? 0, 'metadata.generation'));
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  errs.push(...validateFinalizers(meta.finalizers, 'metadata.finalizers'));
  return errs;
}

/** validateNonnegativeField: `Invalid value: -1: must be greater than or equal to 0`. */
export function validateNonnegativeField(value: number, fieldPath: string): FieldError[] {
  return value < 0 ? [invalid(fieldPath, value, 'must be greater than or equal to 0')] : [];
}

/** validateFinalizers checks each finalizer is a qualified name, as upstream's ValidateFinalizerName. */
export function validateFinalizers(finalizers: string[] | undefined | null, fieldPath = 'metadata.finalizers'): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of finalizers ?? []) {
    for (const m of isQualifiedName(f)) errs.push(invalid(fieldPath, f, m));
  }
  return errs;
}
