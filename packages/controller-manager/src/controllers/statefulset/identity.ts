/**
 * Stable identity of StatefulSet pods (upstream stateful_set_utils.go): pod `<set>-<ordinal>` with the
 * `statefulset.kubernetes.io/pod-name` and `apps.kubernetes.io/pod-index` labels, hostname = pod name,
 * subdomain = the governing service, and one PVC `<template>-<set>-<ordinal>` per volumeClaimTemplate
 * mounted under the template's name.
 */
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec, Volume } from 'kubernetes-types/core/v1.js';
import { isPodAvailable, isPodReady, newControllerRef, podFromTemplate } from '../../shared/index.js';
import { revisionHashLabel } from '../daemonset/revisions.js';

/** The owner kind written into pods', claims' and revisions' controller references. */
export const statefulSetKind = { apiVersion: 'apps/v1', kind: 'StatefulSet' };
/** The owner kind of claims a scaled-down pod owns (whenScaled: Delete). */
export const podKind = { apiVersion: 'v1', kind: 'Pod' };
/** Label carrying the pod's own name, for per-pod services. */
export const podNameLabel = 'statefulset.kubernetes.io/pod-name';
/** Label carrying the pod's ordinal. */
export const podIndexLabel = 'apps.kubernetes.io/pod-index';

const statefulPodName = /^(.*)-([0-9]+)$/;

/** parentAndOrdinal splits `<parent>-<ordinal>`; ordinal -1 when the name has no (int32) ordinal. */
export function parentAndOrdinal(name: string | undefined): { parent: string; ordinal: number } {
  const m = statefulPodName.exec(name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const ordinal = Number(m[2]);
  return { parent: m[1] ?? '', ordinal: ordinal <= 0x7fffffff ? ordinal : -1 };
}

/** getOrdinal returns the pod's ordinal, -1 when its name has none. */
export function getOrdinal(pod: Pod): number {
  return parentAndOrdinal(pod.metadata?.name).ordinal;
}

/** isMemberOf reports whether the pod's name makes it one of the set's pods. */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod.metadata?.name);
  return ordinal >= 0 && parent === set.metadata?.name;
}

/** podName is the name of the set's pod with the given ordinal. */
export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata?.name ?? ''}-${ordinal}`;
}

/** replicaCount is spec.replicas (1 when unset, the API default). */
export function replicaCount(set: StatefulSet): number {
  return set.spec?.replicas ?? 1;
}

/** startOrdinal is spec.ordinals.start, 0 by default. */
export function startOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

/** podInOrdinalRange reports whether the pod's ordinal is one the set currently wants. */
export function podInOrdinalRange(pod: Pod, set: StatefulSet): boolean {
  const ordinal = getOrdinal(pod);
  return ordinal >= startOrdinal(set) && ordinal < startOrdinal(set) + replicaCount(set);
}

/** claimsFor builds the PVCs of the pod with the given ordinal, in volumeClaimTemplates order. */
export function claimsFor(set: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  const matchLabels = set.spec?.selector?.matchLabels ?? {};
  return (set.spec?.volumeClaimTemplates ?? []).map((template) => {
    const t = structuredClone(template);
    const meta = t.metadata ?? {};
    return {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        ...meta,
        name: `${meta.name ?? ''}-${set.metadata?.name ?? ''}-${ordinal}`,
        namespace: set.metadata?.namespace ?? '',
        labels: { ...meta.labels, ...matchLabels },
      },
      ...(t.spec ? { spec: t.spec } : {}),
    };
  });
}

/** identityMatches reports whether the pod carries the identity its ordinal gives it. */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod.metadata?.name);
  return (
    ordinal >= 0 &&
    parent === set.metadata?.name &&
    pod.metadata?.namespace === set.metadata?.namespace &&
    pod.metadata?.labels?.[podNameLabel] === pod.metadata?.name
  );
}

/** storageMatches reports whether the pod mounts every claim of the set's templates under the template's name. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  return (set.spec?.volumeClaimTemplates ?? []).every((t) => {
    const want = `${t.metadata?.name ?? ''}-${set.metadata?.name ?? ''}-${ordinal}`;
    return volumes.get(t.metadata?.name ?? '')?.persistentVolumeClaim?.claimName === want;
  });
}

/** identityLabels are the labels updateIdentity sets on a pod. */
export function identityLabels(set: StatefulSet, ordinal: number): Record<string, string> {
  return { [podNameLabel]: podName(set, ordinal), [podIndexLabel]: String(ordinal) };
}

/** withStorage returns volumes with one PVC volume per claim template first, replacing same-named ones. */
function withStorage(set: StatefulSet, ordinal: number, volumes: Volume[] = []): Volume[] {
  const claimVolumes: Volume[] = (set.spec?.volumeClaimTemplates ?? []).map((t, i) => ({
    name: t.metadata?.name ?? '',
    persistentVolumeClaim: { claimName: claimsFor(set, ordinal)[i]?.metadata?.name ?? '' },
  }));
  const taken = new Set(claimVolumes.map((v) => v.name));
  return [...claimVolumes, ...volumes.filter((v) => !taken.has(v.name))];
}

/** newStatefulSetPod builds the set's pod with the given ordinal from the set's template. */
export function newStatefulSetPod(set: StatefulSet, ordinal: number): Pod {
  const { generateName: _unused, ...metadata } = podFromTemplate({
    template: set.spec?.template,
    namespace: set.metadata?.namespace ?? '',
    generateName: '',
    controllerRef: newControllerRef(set, statefulSetKind),
  }).metadata ?? {};
  const name = podName(set, ordinal);
  const template = structuredClone(set.spec?.template?.spec) ?? { containers: [] };
  const serviceName = set.spec?.serviceName;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...metadata, name, labels: { ...metadata.labels, ...identityLabels(set, ordinal) } },
    spec: {
      ...template,
      hostname: name,
      ...(serviceName ? { subdomain: serviceName } : {}),
      volumes: withStorage(set, ordinal, template.volumes),
    },
  };
}

/** Which revision's template a new pod is built from, and under which revision name. */
export interface VersionedSets {
  currentSet: StatefulSet;
  updateSet: StatefulSet;
  currentRevision: string;
  updateRevision: string;
}

/**
 * newVersionedPod builds the pod of an ordinal from the current revision when a rolling update's
 * partition keeps that ordinal back, and from the update revision otherwise; the pod is labelled with
 * the revision's name.
 */
export function newVersionedPod(v: VersionedSets, ordinal: number): Pod {
  const strategy = v.currentSet.spec?.updateStrategy;
  const rolling = (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const start = startOrdinal(v.currentSet);
  const keepCurrent =
    (rolling && !strategy?.rollingUpdate && ordinal < start + (v.currentSet.status?.currentReplicas ?? 0)) ||
    (!!strategy?.rollingUpdate && ordinal < start + (strategy.rollingUpdate.partition ?? 0));
  const pod = newStatefulSetPod(keepCurrent ? v.currentSet : v.updateSet, ordinal);
  pod.metadata = { ...pod.metadata, labels: { ...pod.metadata?.labels, [revisionHashLabel]: keepCurrent ? v.currentRevision : v.updateRevision } };
  return pod;
}

/** podRevision is the name of the revision the pod was made from (its `controller-revision-hash` label). */
export function podRevision(pod: Pod): string {
  return pod.metadata?.labels?.[revisionHashLabel] ?? '';
}

/** revisionTemplate returns the pod template a revision records. */
export function revisionTemplate(revision: ControllerRevision): PodTemplateSpec | undefined {
  const data = revision.data as { spec?: { template?: PodTemplateSpec & { $patch?: string } } } | undefined;
  const template = data?.spec?.template;
  if (!template) return undefined;
  const { $patch: _patch, ...rest } = structuredClone(template);
  return rest;
}

/** applyRevision returns a copy of the set whose template is the one recorded in the revision. */
export function applyRevision(set: StatefulSet, revision: ControllerRevision): StatefulSet {
  const out = structuredClone(set);
  const template = revisionTemplate(revision);
  if (template && out.spec) out.spec.template = template;
  return out;
}

/** isRunningAndReady: phase Running and the Ready condition True. */
export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

/** isRunningAndAvailable: running, and ready for at least minReadySeconds at nowMs. */
export function isRunningAndAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  return pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, nowMs);
}

/** isTerminating: the pod's deletion was requested. */
export function isTerminating(pod: Pod): boolean {
  return !!pod.metadata?.deletionTimestamp;
}

/** isHealthy: running, ready and not terminating. */
export function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}
