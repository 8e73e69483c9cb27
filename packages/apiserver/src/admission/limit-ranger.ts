/**
 * The LimitRanger admission plugin: containers of a new pod get the namespace's LimitRange
 * defaults (`default` limits, `defaultRequest` requests, with upstream's LimitRange defaulting:
 * default <- max, defaultRequest <- default <- min) recorded in the `kubernetes.io/limit-ranger`
 * annotation, then the min/max/maxLimitRequestRatio constraints of Container and Pod items are
 * enforced with upstream's messages.
 */
import { compareQuantities, formatQuantity, newForbidden, parseQuantity, quantityToMilli, addQuantities, type Quantity } from '@nanokube/api';
import type { Container, LimitRange, LimitRangeItem, Pod } from 'kubernetes-types/core/v1.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

type Resources = Record<string, string>;

/** The annotation listing what LimitRanger defaulted. */
export const limitRangerAnnotation = 'kubernetes.io/limit-ranger';

/** defaultedItem applies upstream's LimitRangeItem defaulting for Container items. */
export function defaultedItem(item: LimitRangeItem): LimitRangeItem {
  if (item.type !== 'Container') return item;
  const def: Resources = { ...((item.default ?? {}) as Resources) };
  const req: Resources = { ...((item.defaultRequest ?? {}) as Resources) };
  for (const [k, v] of Object.entries((item.max ?? {}) as Resources)) def[k] ??= v;
  for (const [k, v] of Object.entries(def)) req[k] ??= v;
  for (const [k, v] of Object.entries((item.min ?? {}) as Resources)) req[k] ??= v;
  return { ...item, default: def, defaultRequest: req };
}

function setDefaults(c: Container, item: LimitRangeItem): { requests: string[]; limits: string[] } {
  const res = (c.resources ??= {});
  const limits = (res.limits ??= {}) as Resources;
  const requests = (res.requests ??= {}) as Resources;
  const set = { requests: [] as string[], limits: [] as string[] };
  for (const [k, v] of Object.entries((item.default ?? {}) as Resources)) {
    if (limits[k] === undefined) {
      limits[k] = v;
      set.limits.push(k);
    }
  }
  for (const [k, v] of Object.entries((item.defaultRequest ?? {}) as Resources)) {
    if (requests[k] === undefined) {
      // A limit given without a request makes the request equal the limit (pod defaulting).
      requests[k] = limits[k] !== undefined && !set.limits.includes(k) ? limits[k] : v;
      set.requests.push(k);
    }
  }
  if (Object.keys(limits).length === 0) delete res.limits;
  if (Object.keys(requests).length === 0) delete res.requests;
  return set;
}

const q = (v: unknown): Quantity => parseQuantity(String(v));

function checkItem(kind: string, requests: Resources, limits: Resources, item: LimitRangeItem, errs: string[]): void {
  for (const [k, v] of Object.entries((item.min ?? {}) as Resources)) {
    const r = requests[k];
    if (r === undefined) errs.push(`minimum ${k} usage per ${kind} is ${v}.  No request is specified`);
    else if (compareQuantities(q(r), q(v)) < 0) errs.push(`minimum ${k} usage per ${kind} is ${v}, but request is ${formatQuantity(q(r))}`);
  }
  for (const [k, v] of Object.entries((item.max ?? {}) as Resources)) {
    const l = limits[k];
    if (l === undefined) errs.push(`maximum ${k} usage per ${kind} is ${v}.  No limit is specified`);
    else if (compareQuantities(q(l), q(v)) > 0) errs.push(`maximum ${k} usage per ${kind} is ${v}, but limit is ${formatQuantity(q(l))}`);
  }
  for (const [k, v] of Object.entries((item.maxLimitRequestRatio ?? {}) as Resources)) {
    const l = limits[k];
    const r = requests[k];
    if (l === undefined || r === undefined) {
      errs.push(`${k} max limit to request ratio per ${kind} is ${v}, but no ${l === undefined ? 'limit' : 'request'} is specified or request is 0`);
      continue;
    }
    const rm = quantityToMilli(q(r));
    const ratio = rm === 0 ? Infinity : quantityToMilli(q(l)) / rm;
    if (ratio > quantityToMilli(q(v)) / 1000) errs.push(`${k} max limit to request ratio per ${kind} is ${v}, but provided ratio is ${ratio.toFixed(6)}`);
  }
}

function sumPod(pod: Pod, field: 'requests' | 'limits'): Resources {
  const total: Record<string, Quantity> = {};
  for (const c of pod.spec?.containers ?? []) {
    for (const [k, v] of Object.entries((c.resources?.[field] ?? {}) as Resources)) total[k] = total[k] ? addQuantities(total[k], q(v)) : q(v);
  }
  return Object.fromEntries(Object.entries(total).map(([k, v]) => [k, formatQuantity(v)]));
}

/** limitRangerAdmission builds the plugin over a LimitRange lister. */
export function limitRangerAdmission(deps: { listLimitRanges(namespace: string): Promise<LimitRange[]> }): AdmissionPlugin {
  return {
    name: 'LimitRanger',
    handles: (req) => req.operation === 'CREATE' && req.subresource === '' && req.def.group === '' && req.def.resource === 'pods',
    async admit(req: AdmissionRequest) {
      const pod = req.object as unknown as Pod;
      const items = (await deps.listLimitRanges(req.namespace)).flatMap((lr) => lr.spec?.limits ?? []).map(defaultedItem);
      const notes: string[] = [];
      for (const item of items.filter((i) => i.type === 'Container')) {
        for (const [kind, list] of [['init container', pod.spec?.initContainers], ['container', pod.spec?.containers]] as const) {
          for (const c of list ?? []) {
            const set = setDefaults(c, item);
            if (set.requests.length) notes.push(`${set.requests.sort().join(', ')} request for ${kind} ${c.name}`);
            if (set.limits.length) notes.push(`${set.limits.sort().join(', ')} limit for ${kind} ${c.name}`);
          }
        }
      }
      if (notes.length) {
        const meta = (pod.metadata ??= {});
        meta.annotations = { ...meta.annotations, [limitRangerAnnotation]: `LimitRanger plugin set: ${notes.join('; ')}` };
      }
    },
    async validate(req: AdmissionRequest) {
      const pod = req.object as unknown as Pod;
      const items = (await deps.listLimitRanges(req.namespace)).flatMap((lr) => lr.spec?.limits ?? []);
      const errs: string[] = [];
      for (const item of items) {
        if (item.type === 'Container') {
          for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
            const limits = (c.resources?.limits ?? {}) as Resources;
            checkItem('Container', { ...limits, ...((c.resources?.requests ?? {}) as Resources) }, limits, item, errs);
          }
        } else if (item.type === 'Pod') {
          checkItem('Pod', sumPod(pod, 'requests'), sumPod(pod, 'limits'), item, errs);
        }
      }
      if (errs.length === 0) return;
      throw newForbidden({ group: '', resource: 'pods' }, pod.metadata?.name ?? '', errs.length === 1 ? (errs[0] ?? '') : `[${errs.join(', ')}]`);
    },
  };
}
