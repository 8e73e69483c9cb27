/**
 * Where a DaemonSet's pods belong (upstream daemonset util + the scheduler's NodeAffinity and
 * TaintToleration checks it reuses), and the pod edits upstream makes so the scheduler binds each pod to
 * its node.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod, PodSpec, Taint, Toleration } from 'kubernetes-types/core/v1.js';

/** The tolerations upstream adds to every daemon pod (AddOrUpdateDaemonPodTolerations). */
export function daemonTolerations(spec: PodSpec): Toleration[] {
  const extra: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) extra.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  const out = [...(spec.tolerations ?? [])];
  for (const t of extra) if (!out.some((o) => o.key === t.key && o.effect === t.effect)) out.push(t);
  return out;
}

/** tolerates reports whether a toleration covers a taint (upstream ToleratesTaint). */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

function matchExpression(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      const v = Number(value);
      const bound = Number(values[0]);
      if (value === undefined || Number.isNaN(v) || Number.isNaN(bound)) return false;
      return r.operator === 'Gt' ? v > bound : v < bound;
    }
    default:
      return false;
  }
}

function matchTerm(term: NodeSelectorTerm, node: Node): boolean {
  const labels = node.metadata?.labels ?? {};
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  return exprs.every((r) => matchExpression(r, labels[r.key])) && fields.every((r) => r.key === 'metadata.name' && matchExpression(r, node.metadata?.name));
}

/**
 * shouldRunOnNode reports whether the DaemonSet wants a pod on the node (upstream NodeShouldRunDaemonPod):
 * its nodeSelector and required node affinity match, and every NoSchedule/NoExecute taint is tolerated.
 */
export function shouldRunOnNode(ds: DaemonSet, node: Node): boolean {
  const spec = ds.spec?.template?.spec;
  if (!spec) return false;
  const labels = node.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !terms.some((t) => matchTerm(t, node))) return false;
  const tolerations = daemonTolerations(spec);
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (!tolerations.some((t) => tolerates(t, taint))) return false;
  }
  return true;
}

/** targetNode is the node a daemon pod is for: its nodeName, or its `metadata.name In [node]` affinity. */
export function targetNode(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

/**
 * withNodeAffinity returns the pod spec pinned to one node the way upstream does it: the required node
 * affinity replaced by a single `metadata.name In [node]` term, so the scheduler still binds the pod.
 */
export function withNodeAffinity(spec: PodSpec, nodeName: string): PodSpec {
  const affinity = spec.affinity ?? {};
  return {
    ...spec,
    tolerations: daemonTolerations(spec),
    affinity: {
      ...affinity,
      nodeAffinity: {
        ...affinity.nodeAffinity,
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
        },
      },
    },
  };
}
