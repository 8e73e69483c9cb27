/**
 * Topology spread constraints as the plugin uses them: the pod's own, or upstream's system defaults
 * (hostname maxSkew 3, zone maxSkew 5, both ScheduleAnyway) with a selector derived from the Services,
 * ReplicaSet, StatefulSet or ReplicationController that own or select the pod.
 */
import type { Node, Pod, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { newRequirement, selectorFromLabelSelector, selectorFromSet, Selector, type Requirement } from '@nanokube/api';
import type { WorkloadListers } from '../../framework/interfaces.js';
import type { PodInfo } from '../../framework/pod-info.js';
import { RequiredNodeAffinity } from '../helper/node-affinity.js';
import { findMatchingUntoleratedTaint } from '../helper/taints.js';

export const labelHostname = 'kubernetes.io/hostname';
export const labelTopologyZone = 'topology.kubernetes.io/zone';

/** A parsed constraint. */
export interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: Selector;
  minDomains: number;
  nodeAffinityPolicy: 'Honor' | 'Ignore';
  nodeTaintsPolicy: 'Honor' | 'Ignore';
}

/** The system default constraints (upstream defaultConstraints of the v1 config). */
export const systemDefaultConstraints: readonly Pick<TopologySpreadConstraint, 'topologyKey' | 'maxSkew' | 'whenUnsatisfiable'>[] = [
  { topologyKey: labelHostname, maxSkew: 3, whenUnsatisfiable: 'ScheduleAnyway' },
  { topologyKey: labelTopologyZone, maxSkew: 5, whenUnsatisfiable: 'ScheduleAnyway' },
];

/** defaultSelector merges the selectors of the workloads that own or select the pod (upstream DefaultSelector). */
export function defaultSelector(pod: Pod, listers: WorkloadListers): Selector {
  const ns = pod.metadata?.namespace ?? '';
  const labels = pod.metadata?.labels ?? {};
  const set: Record<string, string> = {};
  for (const svc of listers.services(ns)) {
    const sel = svc.spec?.selector;
    if (!sel || Object.keys(sel).length === 0) continue;
    if (Object.entries(sel).every(([k, v]) => labels[k] === v)) Object.assign(set, sel);
  }
  let selector = selectorFromSet(set);
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  if (!owner) return selector;
  const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
  try {
    if (group === '' && owner.kind === 'ReplicationController') {
      const rc = listers.replicationController(ns, owner.name);
      if (rc?.spec?.selector) selector = selectorFromSet({ ...set, ...rc.spec.selector });
    } else if (group === 'apps' && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet')) {
      const obj = owner.kind === 'ReplicaSet' ? listers.replicaSet(ns, owner.name) : listers.statefulSet(ns, owner.name);
      if (obj?.spec?.selector) selector = selector.add(...selectorFromLabelSelector(obj.spec.selector).requirements);
    }
  } catch {
    // An invalid workload selector contributes nothing, as upstream ignores the parse error.
  }
  return selector;
}

function constraintSelector(pod: Pod, c: TopologySpreadConstraint): Selector {
  const base = selectorFromLabelSelector(c.labelSelector);
  const labels = pod.metadata?.labels ?? {};
  const extra: Requirement[] = [];
  for (const k of c.matchLabelKeys ?? []) {
    const v = labels[k];
    if (v !== undefined) extra.push(newRequirement(k, 'in', [v]));
  }
  return extra.length ? base.add(...extra) : base;
}

/**
 * constraintsFor returns the pod's constraints with the given whenUnsatisfiable. `systemDefaulted` tells
 * whether the defaults were used (then nodes missing a topology label are not ignored when scoring).
 */
export function constraintsFor(
  pod: Pod,
  action: 'DoNotSchedule' | 'ScheduleAnyway',
  listers: WorkloadListers,
): { constraints: Constraint[]; systemDefaulted: boolean } {
  const own = pod.spec?.topologySpreadConstraints ?? [];
  if (own.length) {
    const constraints: Constraint[] = [];
    for (const c of own) {
      if (c.whenUnsatisfiable !== action) continue;
      let selector: Selector;
      try {
        selector = constraintSelector(pod, c);
      } catch {
        continue;
      }
      constraints.push({
        maxSkew: c.maxSkew,
        topologyKey: c.topologyKey,
        selector,
        minDomains: c.minDomains ?? 1,
        nodeAffinityPolicy: c.nodeAffinityPolicy === 'Ignore' ? 'Ignore' : 'Honor',
        nodeTaintsPolicy: c.nodeTaintsPolicy === 'Honor' ? 'Honor' : 'Ignore',
      });
    }
    return { constraints, systemDefaulted: false };
  }
  const defaults = systemDefaultConstraints.filter((c) => c.whenUnsatisfiable === action);
  if (defaults.length === 0) return { constraints: [], systemDefaulted: true };
  const selector = defaultSelector(pod, listers);
  if (selector.isEverything()) return { constraints: [], systemDefaulted: true };
  return {
    constraints: defaults.map((c) => ({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      minDomains: 1,
      nodeAffinityPolicy: 'Honor',
      nodeTaintsPolicy: 'Ignore',
    })),
    systemDefaulted: true,
  };
}

/** nodeLabelsMatchSpreadConstraints reports whether the node has every topology key. */
export function nodeLabelsMatchSpreadConstraints(node: Node, constraints: readonly Constraint[]): boolean {
  const labels = node.metadata?.labels ?? {};
  return constraints.every((c) => Object.prototype.hasOwnProperty.call(labels, c.topologyKey));
}

/** matchNodeInclusionPolicies applies nodeAffinityPolicy and nodeTaintsPolicy of a constraint. */
export function matchNodeInclusionPolicies(c: Constraint, pod: Pod, node: Node, affinity: RequiredNodeAffinity): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !affinity.match(node)) return false;
  if (c.nodeTaintsPolicy === 'Honor') {
    const t = findMatchingUntoleratedTaint(node.spec?.taints, pod.spec?.tolerations, (x) => x.effect === 'NoSchedule' || x.effect === 'NoExecute');
    if (t) return false;
  }
  return true;
}

/** countPodsMatchSelector counts live pods of the namespace that the selector matches. */
export function countPodsMatchSelector(pods: readonly PodInfo[], selector: Selector, namespace: string): number {
  let n = 0;
  for (const p of pods) {
    const m = p.pod.metadata;
    if (m?.deletionTimestamp || m?.namespace !== namespace) continue;
    if (selector.matches(m.labels)) n++;
  }
  return n;
}
