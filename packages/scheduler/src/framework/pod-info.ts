/**
 * PodInfo is a pod plus what the scheduler derives from it once (requests, parsed affinity terms, host
 * ports), so that filtering a thousand nodes does not re-parse selectors a thousand times.
 */
import type { Pod, PodAffinityTerm } from 'kubernetes-types/core/v1.js';
import { selectorFromLabelSelector, type Selector } from '@nanokube/api';
import { podRequests, type Resource } from './resource.js';

/** A parsed pod (anti-)affinity term. */
export interface AffinityTerm {
  /** Namespaces the term applies to; empty together with `allNamespaces` false means none. */
  namespaces: ReadonlySet<string>;
  /** Set by an empty namespaceSelector (`{}`), which selects every namespace. */
  allNamespaces: boolean;
  selector: Selector;
  topologyKey: string;
}

/** A preferred term with its weight. */
export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

/** A host port a container asks for. */
export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** PodInfo is immutable once built: rebuild it when the pod changes. */
export interface PodInfo {
  pod: Pod;
  /** `namespace/name`. */
  key: string;
  requests: Resource;
  /** Requests with upstream's non-zero defaults, for scoring. */
  nonZeroMilliCpu: number;
  nonZeroMemory: number;
  requiredAffinityTerms: AffinityTerm[];
  requiredAntiAffinityTerms: AffinityTerm[];
  preferredAffinityTerms: WeightedAffinityTerm[];
  preferredAntiAffinityTerms: WeightedAffinityTerm[];
  hostPorts: HostPort[];
}

/** podKey returns `namespace/name`. */
export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

/** podPriority is `spec.priority`, 0 when unset (upstream corev1helpers.PodPriority). */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** affinityTermMatches reports whether an existing pod is selected by a term. */
export function affinityTermMatches(term: AffinityTerm, pod: Pod): boolean {
  const ns = pod.metadata?.namespace ?? '';
  if (!term.allNamespaces && !term.namespaces.has(ns)) return false;
  return term.selector.matches(pod.metadata?.labels);
}

function parseTerm(pod: Pod, t: PodAffinityTerm): AffinityTerm {
  const namespaces = new Set(t.namespaces ?? []);
  const nsSel = t.namespaceSelector;
  // An empty namespaceSelector selects every namespace; a non-empty one needs namespace labels, which
  // this scheduler does not watch: such a term applies to the listed namespaces only.
  const allNamespaces = nsSel !== undefined && Object.keys(nsSel.matchLabels ?? {}).length === 0 && (nsSel.matchExpressions ?? []).length === 0;
  if (namespaces.size === 0 && nsSel === undefined) namespaces.add(pod.metadata?.namespace ?? '');
  let selector = selectorFromLabelSelector(t.labelSelector);
  const labels = pod.metadata?.labels ?? {};
  const extra = [...(t.matchLabelKeys ?? []).map((k) => [k, true] as const), ...(t.mismatchLabelKeys ?? []).map((k) => [k, false] as const)];
  if (extra.length && t.labelSelector) {
    const ls = { ...t.labelSelector, matchExpressions: [...(t.labelSelector.matchExpressions ?? [])] };
    for (const [k, match] of extra) {
      const v = labels[k];
      if (v !== undefined) ls.matchExpressions.push({ key: k, operator: match ? 'In' : 'NotIn', values: [v] });
    }
    selector = selectorFromLabelSelector(ls);
  }
  return { namespaces, allNamespaces, selector, topologyKey: t.topologyKey };
}

function hostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')]) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

/** newPodInfo derives a PodInfo from a pod. Invalid affinity selectors make the term match nothing. */
export function newPodInfo(pod: Pod): PodInfo {
  const aff = pod.spec?.affinity;
  const safe = <T>(f: () => T, fallback: T): T => {
    try {
      return f();
    } catch {
      return fallback;
    }
  };
  const parseAll = (terms: PodAffinityTerm[] | undefined): AffinityTerm[] => safe(() => (terms ?? []).map((t) => parseTerm(pod, t)), []);
  const parseWeighted = (terms: { weight: number; podAffinityTerm: PodAffinityTerm }[] | undefined): WeightedAffinityTerm[] =>
    safe(() => (terms ?? []).map((t) => ({ ...parseTerm(pod, t.podAffinityTerm), weight: t.weight })), []);
  const nonZero = podRequests(pod, true);
  return {
    pod,
    key: podKey(pod),
    requests: podRequests(pod),
    nonZeroMilliCpu: nonZero.milliCpu,
    nonZeroMemory: nonZero.memory,
    requiredAffinityTerms: parseAll(aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    requiredAntiAffinityTerms: parseAll(aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution),
    preferredAffinityTerms: parseWeighted(aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    preferredAntiAffinityTerms: parseWeighted(aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution),
    hostPorts: hostPorts(pod),
  };
}

/** hasAffinity is true when the pod has any pod (anti-)affinity term. */
export function hasAffinity(pi: PodInfo): boolean {
  return (
    pi.requiredAffinityTerms.length + pi.requiredAntiAffinityTerms.length + pi.preferredAffinityTerms.length + pi.preferredAntiAffinityTerms.length > 0
  );
}

/** The CycleState key under which the scheduler stores the PodInfo of the pod being scheduled. */
export const podInfoStateKey = 'PodInfo';

/** cyclePodInfo returns the scheduled pod's PodInfo from the cycle state, building it if absent. */
export function cyclePodInfo(state: { read<T>(key: string): T | undefined; write(key: string, v: unknown): void }, pod: Pod): PodInfo {
  let pi = state.read<PodInfo>(podInfoStateKey);
  if (!pi || pi.pod !== pod) {
    pi = newPodInfo(pod);
    state.write(podInfoStateKey, pi);
  }
  return pi;
}
