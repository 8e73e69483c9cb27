/**
 * List and watch predicates: namespace, label selector and field selector, as upstream's
 * storage.SelectionPredicate. Field labels are `metadata.name`, `metadata.namespace` and the
 * resource's own `fieldSelectors`; any other field is a 400 `field label not supported: x`.
 */
import { checkSupportedFields, newBadRequest, parseFieldSelector, parseSelector } from '@nanokube/api';
import type { KubeObject, ResourceDefinition } from '../types.js';

/** A compiled predicate over objects, plus what it pins (for cheap key-range narrowing). */
export interface Predicate {
  matches(obj: KubeObject): boolean;
  /** True when the predicate lets every object of the namespace through. */
  everything: boolean;
  /** The name an exact `metadata.name=` selector pins, if any. */
  name?: string;
  /** A field value the selector pins exactly, by which the watch cache can index this watch. */
  trigger?: Trigger;
}

/**
 * A Trigger is upstream's indexed watch trigger: a watch pinned to one value of a field (a kubelet's
 * `spec.nodeName=NODE` pod watch, a `metadata.name=X` watch) is only handed events of objects whose
 * value (before or after the change) is that one, instead of running its filter on every event.
 */
export interface Trigger {
  field: string;
  value: string;
  /** The object's value of the field; a missing field reads as '' (as selectors read it). */
  valueOf(obj: KubeObject): string;
}

/** The fields a watch may be indexed by, most selective first. */
const triggerFields = ['spec.nodeName', 'metadata.name'];

/** parseLabels parses a label selector, refusing `k in ()` and `k notin ()` as upstream's parser does. */
function parseLabels(selector: string): ReturnType<typeof parseSelector> {
  const parsed = parseSelector(selector);
  // The parser reads `()` as the one value "" (it has no other way to say empty); upstream refuses it.
  if (/(^|[\s,])(in|notin)\s*\(\s*\)/.test(selector)) {
    throw newBadRequest(`unable to parse requirement: values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty`);
  }
  return parsed;
}

/** buildPredicate compiles the request's filters; throws 400 BadRequest on bad selectors. */
export function buildPredicate(
  def: ResourceDefinition,
  namespace: string,
  opts: { labelSelector?: string; fieldSelector?: string },
): Predicate {
  const labels = opts.labelSelector ? parseLabels(opts.labelSelector) : undefined;
  const fields = opts.fieldSelector ? parseFieldSelector(opts.fieldSelector) : undefined;
  if (fields) checkSupportedFields(fields, Object.keys(def.fieldSelectors ?? {}));
  const labelsAll = !labels || labels.isEverything();
  const fieldsAll = !fields || fields.isEverything();
  const ns = def.namespaced ? namespace : '';
  const getters = def.fieldSelectors ?? {};
  const matches = (obj: KubeObject): boolean => {
    const meta = obj.metadata;
    if (ns && meta.namespace !== ns) return false;
    if (!labelsAll && !labels.matches(meta.labels)) return false;
    if (fieldsAll) return true;
    return fields.matches((field) => {
      if (field === 'metadata.name') return meta.name;
      if (field === 'metadata.namespace') return meta.namespace;
      return getters[field]?.(obj);
    });
  };
  const name = fields?.requiresExactMatch('metadata.name');
  const trigger = fields && triggerOf(fields, getters);
  return { matches, everything: labelsAll && fieldsAll, ...(name !== undefined ? { name } : {}), ...(trigger ? { trigger } : {}) };
}

function triggerOf(
  fields: ReturnType<typeof parseFieldSelector>,
  getters: NonNullable<ResourceDefinition['fieldSelectors']>,
): Trigger | undefined {
  for (const field of triggerFields) {
    const value = fields.requiresExactMatch(field);
    if (value === undefined) continue;
    if (field === 'metadata.name') return { field, value, valueOf: (obj) => obj.metadata.name ?? '' };
    const get = getters[field];
    if (get) return { field, value, valueOf: (obj) => get(obj) ?? '' };
  }
  return undefined;
}
