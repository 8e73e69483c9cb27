/**
 * Pure helpers of the deployment controller (upstream pkg/controller/deployment/util): revision and
 * replica annotations, surge/unavailability fenceposts, conditions and ReplicaSet ordering.
 */
import type { Deployment, DeploymentCondition, DeploymentStatus, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
type IntOrString = number | string;
import { canonicalJson, computeHash } from '../../shared/index.js';

export const revisionAnnotation = 'deployment.kubernetes.io/revision';
export const revisionHistoryAnnotation = 'deployment.kubernetes.io/revision-history';
export const desiredReplicasAnnotation = 'deployment.kubernetes.io/desired-replicas';
export const maxReplicasAnnotation = 'deployment.kubernetes.io/max-replicas';
export const rollbackToAnnotation = 'deprecated.deployment.rollback.to';
export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';
export const podTemplateHashLabel = 'pod-template-hash';

/** Reasons of the Progressing and Available conditions, as `rollout status` and describe read them. */
export const reasons = {
  newRSAvailable: 'NewReplicaSetAvailable',
  rsUpdated: 'ReplicaSetUpdated',
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  failedRSCreate: 'ReplicaSetCreateError',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minimumAvailable: 'MinimumReplicasAvailable',
  minimumUnavailable: 'MinimumReplicasUnavailable',
} as const;

/** Annotations the deployment keeps to itself; every other one is copied onto its ReplicaSets. */
const skipCopy = new Set([lastAppliedAnnotation, revisionAnnotation, revisionHistoryAnnotation, desiredReplicasAnnotation, maxReplicasAnnotation, rollbackToAnnotation]);

export function replicasOf(obj: Deployment | ReplicaSet): number {
  return obj.spec?.replicas ?? 1;
}

/** revisionOf reads a ReplicaSet's revision annotation (0 when absent or malformed). */
export function revisionOf(obj: { metadata?: { annotations?: Record<string, string> } }): number {
  const v = Number(obj.metadata?.annotations?.[revisionAnnotation] ?? '0');
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

export function maxRevision(rss: ReplicaSet[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/** scaledValue resolves an int-or-percent against total (upstream GetScaledValueFromIntOrPercent). */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean, def: string): number {
  const value = v ?? def;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return Number.isInteger(Number(value)) ? Number(value) : 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** resolveFenceposts returns maxSurge and maxUnavailable; both 0 would deadlock, so unavailable becomes 1. */
export function resolveFenceposts(d: Deployment): { surge: number; unavailable: number } {
  const ru = d.spec?.strategy?.rollingUpdate;
  const desired = replicasOf(d);
  const surge = scaledValue(ru?.maxSurge, desired, true, '25%');
  let unavailable = scaledValue(ru?.maxUnavailable, desired, false, '25%');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** maxSurge is how many pods above spec.replicas a rolling update may run (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? resolveFenceposts(d).surge : 0;
}

/** maxUnavailable is how many pods below spec.replicas a rolling update may go (0 for Recreate). */
export function maxUnavailable(d: Deployment): number {
  if (!isRollingUpdate(d) || replicasOf(d) === 0) return 0;
  return Math.min(resolveFenceposts(d).unavailable, replicasOf(d));
}

/** templateWithoutHash drops the pod-template-hash label, for comparing templates across ReplicaSets. */
function templateWithoutHash(t: PodTemplateSpec | undefined): unknown {
  const copy = structuredClone(t ?? {}) as PodTemplateSpec;
  if (copy.metadata?.labels) delete copy.metadata.labels[podTemplateHashLabel];
  return pruneEmpty(copy);
}

/** pruneEmpty removes empty maps, empty lists and nulls: semantic equality treats them as absent. */
function pruneEmpty(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? undefined : v.map(pruneEmpty);
  if (v === null) return undefined;
  if (typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    const p = pruneEmpty(x);
    if (p !== undefined) out[k] = p;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** equalIgnoreHash compares two pod templates semantically, ignoring pod-template-hash. */
export function equalIgnoreHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return canonicalJson(templateWithoutHash(a)) === canonicalJson(templateWithoutHash(b));
}

function created(rs: ReplicaSet): number {
  const t = Date.parse(rs.metadata?.creationTimestamp ?? '');
  return Number.isNaN(t) ? 0 : t;
}

/** byCreation orders ReplicaSets oldest first (name breaks ties). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/** bySizeNewer orders larger first, newer first on ties (scale-up order of proportional scaling). */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  return replicasOf(b) - replicasOf(a) || -byCreation(a, b);
}

/** bySizeOlder orders larger first, older first on ties (scale-down order of proportional scaling). */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  return replicasOf(b) - replicasOf(a) || byCreation(a, b);
}

export function sumReplicas(rss: ReplicaSet[]): number {
  return rss.reduce((n, rs) => n + replicasOf(rs), 0);
}

export function sumStatus(rss: ReplicaSet[], field: 'replicas' | 'readyReplicas' | 'availableReplicas'): number {
  return rss.reduce((n, rs) => n + (rs.status?.[field] ?? 0), 0);
}

/** activeReplicaSets keeps the ReplicaSets that want pods. */
export function activeReplicaSets(rss: (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rss.filter((rs): rs is ReplicaSet => rs !== undefined && replicasOf(rs) > 0);
}

/**
 * findNewReplicaSet returns the oldest ReplicaSet whose template equals the deployment's. A ReplicaSet
 * carrying the hash of the current template is also the new one: it was made from this very template,
 * even if apiserver defaulting made the two differ textually.
 */
export function findNewReplicaSet(d: Deployment, rss: ReplicaSet[]): ReplicaSet | undefined {
  const sorted = [...rss].sort(byCreation);
  const byTemplate = sorted.find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
  if (byTemplate) return byTemplate;
  const hash = computeHash(d.spec?.template, d.status?.collisionCount);
  return sorted.find((rs) => rs.metadata?.labels?.[podTemplateHashLabel] === hash && rs.metadata?.name === `${d.metadata?.name}-${hash}`);
}

/** copyDeploymentAnnotations copies the deployment's annotations onto rs; true when rs changed. */
export function copyDeploymentAnnotations(d: Deployment, rs: ReplicaSet): boolean {
  const target = (rs.metadata!.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (skipCopy.has(k) || target[k] === v) continue;
    target[k] = v;
    changed = true;
  }
  return changed;
}

/** setReplicasAnnotations stamps desired/max replicas on rs; true when rs changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = (rs.metadata!.annotations ??= {});
  if (a[desiredReplicasAnnotation] === String(desired) && a[maxReplicasAnnotation] === String(max)) return false;
  a[desiredReplicasAnnotation] = String(desired);
  a[maxReplicasAnnotation] = String(max);
  return true;
}

/**
 * setNewReplicaSetAnnotations gives the new ReplicaSet the deployment's annotations and `newRevision`
 * when that is higher than its own (a re-used template moves to the top of the history).
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  let changed = copyDeploymentAnnotations(d, rs);
  const a = (rs.metadata!.annotations ??= {});
  const old = revisionOf(rs);
  if (old < newRevision) {
    if (a[revisionAnnotation]) {
      a[revisionHistoryAnnotation] = a[revisionHistoryAnnotation] ? `${a[revisionHistoryAnnotation]},${a[revisionAnnotation]}` : a[revisionAnnotation];
    }
    a[revisionAnnotation] = String(newRevision);
    changed = true;
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

/** timestamp renders a time as the API does (RFC 3339, seconds). */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function newCondition(type: string, status: 'True' | 'False' | 'Unknown', reason: string, message: string, nowMs: number): DeploymentCondition {
  const t = timestamp(nowMs);
  return { type, status, reason, message, lastUpdateTime: t, lastTransitionTime: t };
}

/**
 * setCondition replaces the condition of the same type; it is a no-op when status and reason are
 * unchanged, and keeps lastTransitionTime when only the reason changed (upstream SetDeploymentCondition).
 */
export function setCondition(status: DeploymentStatus, cond: DeploymentCondition): void {
  const current = getCondition(status, cond.type);
  if (current && current.status === cond.status && current.reason === cond.reason) return;
  if (current && current.status === cond.status) cond.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), cond];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  const rest = (status.conditions ?? []).filter((c) => c.type !== type);
  if (rest.length > 0) status.conditions = rest;
  else delete status.conditions;
}

/** progressDeadlineMs is spec.progressDeadlineSeconds in ms; undefined when the deadline is disabled. */
export function progressDeadlineMs(d: Deployment): number | undefined {
  const s = d.spec?.progressDeadlineSeconds ?? 600;
  return s >= 2147483647 ? undefined : s * 1000;
}

/** deploymentComplete: every replica updated and available, and the latest spec observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const want = replicasOf(d);
  return (
    (s.updatedReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want &&
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  );
}

/** deploymentProgressing: the new status moved forward compared with the deployment's stored status. */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** deploymentTimedOut: no progress for progressDeadlineSeconds since the Progressing condition's update. */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, nowMs: number): boolean {
  const deadline = progressDeadlineMs(d);
  const cond = getCondition(s, 'Progressing');
  if (deadline === undefined || !cond || cond.reason === reasons.newRSAvailable) return false;
  if (cond.reason === reasons.timedOut) return true;
  const from = Date.parse(cond.lastUpdateTime ?? '');
  return !Number.isNaN(from) && from + deadline < nowMs;
}
