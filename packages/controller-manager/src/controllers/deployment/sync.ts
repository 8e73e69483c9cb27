/**
 * The shared steps of a deployment sync (upstream sync.go): find or create the new ReplicaSet and keep
 * revisions in order, resize one ReplicaSet, clean up old history, and the paused condition.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists } from '@nanokube/api';
import { computeHash, newControllerRef } from '../../shared/index.js';
import {
  byCreation,
  equalIgnoreHash,
  findNewReplicaSet,
  getCondition,
  maxRevision,
  maxSurge,
  newCondition,
  podTemplateHashLabel,
  progressDeadlineMs,
  reasons,
  replicasOf,
  revisionAnnotation,
  revisionOf,
  setCondition,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  sumReplicas,
} from './util.js';
import type { DeploymentController } from './controller.js';

/** SyncState is one sync's working set; `d` is a private copy, replaced by what the server returns. */
export interface SyncState {
  c: DeploymentController;
  d: Deployment;
  /** The ReplicaSets the deployment controls (after adoption and release). */
  rsList: ReplicaSet[];
  /** Pods by the uid of the ReplicaSet controlling them (used by Recreate). */
  podsByRs: Map<string, Pod[]>;
}

const deploymentKind = { apiVersion: 'apps/v1', kind: 'Deployment' };

/** eventTarget is the involvedObject of events about a deployment. */
export function eventTarget(d: Deployment): Deployment {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: d.metadata ?? {} };
}

function rsClient(s: SyncState): ReturnType<DeploymentController['rsClient']['inNamespace']> {
  return s.c.rsClient.inNamespace(s.d.metadata?.namespace ?? '');
}

/** updateDeploymentStatus writes s.d.status through the status subresource and keeps the reply. */
export async function updateDeploymentStatus(s: SyncState): Promise<void> {
  s.d = await s.c.dClient.inNamespace(s.d.metadata?.namespace ?? '').updateStatus(s.d);
}

/**
 * setDeploymentRevision records the current revision on the deployment (kubectl rollout undo needs it).
 * Upstream writes it through `/status`, whose strategy keeps metadata annotations and so does not bump
 * generation (a main-resource annotation change does). If the apiserver's status strategy dropped it,
 * fall back to a patch of the main resource.
 */
async function setDeploymentRevision(s: SyncState, revision: number): Promise<void> {
  if (s.d.metadata?.annotations?.[revisionAnnotation] === String(revision)) return;
  s.d.metadata = { ...s.d.metadata, annotations: { ...s.d.metadata?.annotations, [revisionAnnotation]: String(revision) } };
  await updateDeploymentStatus(s);
  if (s.d.metadata?.annotations?.[revisionAnnotation] === String(revision)) return;
  s.d = await s.c.dClient
    .inNamespace(s.d.metadata?.namespace ?? '')
    .patch(s.d.metadata?.name ?? '', 'merge', {
      metadata: { annotations: { [revisionAnnotation]: String(revision) }, resourceVersion: s.d.metadata?.resourceVersion },
    });
}

/**
 * getAllReplicaSetsAndSyncRevision splits the controlled ReplicaSets into the new one (matching the
 * current template; created when `create` and missing) and the old ones, and brings revisions in order.
 */
export async function getAllReplicaSetsAndSyncRevision(s: SyncState, create: boolean): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
  const existing = findNewReplicaSet(s.d, s.rsList);
  const oldRSs = s.rsList.filter((rs) => rs !== existing);
  const newRS = await getNewReplicaSet(s, existing, oldRSs, create);
  return newRS ? { newRS, oldRSs } : { oldRSs };
}

async function getNewReplicaSet(s: SyncState, existing: ReplicaSet | undefined, oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
  const newRevision = maxRevision(oldRSs) + 1;
  const now = s.c.ctx.clock.now();
  if (existing) {
    let rs = structuredClone(existing) as ReplicaSet;
    const annotationsChanged = setNewReplicaSetAnnotations(s.d, rs, newRevision, true);
    const minReadyChanged = (rs.spec?.minReadySeconds ?? 0) !== (s.d.spec?.minReadySeconds ?? 0);
    if (annotationsChanged || minReadyChanged) {
      rs.spec = { ...rs.spec!, minReadySeconds: s.d.spec?.minReadySeconds ?? 0 };
      rs = await rsClient(s).update(rs);
    }
    await setDeploymentRevision(s, revisionOf(rs));
    if (progressDeadlineMs(s.d) !== undefined && !getCondition(s.d.status, 'Progressing')) {
      s.d.status ??= {};
      setCondition(s.d.status, newCondition('Progressing', 'True', reasons.foundNewRS, `Found new replica set "${rs.metadata?.name}"`, now));
      await updateDeploymentStatus(s);
    }
    return rs;
  }
  if (!create) return undefined;
  return createNewReplicaSet(s, oldRSs, newRevision);
}

async function createNewReplicaSet(s: SyncState, oldRSs: ReplicaSet[], newRevision: number): Promise<ReplicaSet | undefined> {
  const d = s.d;
  const hash = computeHash(d.spec?.template, d.status?.collisionCount);
  const template = structuredClone(d.spec?.template ?? {});
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [podTemplateHashLabel]: hash } };
  const selector = structuredClone(d.spec?.selector ?? {});
  selector.matchLabels = { ...selector.matchLabels, [podTemplateHashLabel]: hash };
  const rs: ReplicaSet = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${d.metadata?.name}-${hash}`,
      namespace: d.metadata?.namespace ?? '',
      labels: template.metadata.labels ?? {},
      ownerReferences: [newControllerRef(d, deploymentKind)],
    },
    spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
  };
  rs.spec!.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
  setNewReplicaSetAnnotations(d, rs, newRevision, false);
  const now = s.c.ctx.clock.now();
  let created: ReplicaSet;
  let alreadyExisted = false;
  try {
    created = await rsClient(s).create(rs);
  } catch (err) {
    if (!isAlreadyExists(err)) {
      if (progressDeadlineMs(d) !== undefined) {
        s.d.status ??= {};
        const msg = `Failed to create new replica set "${rs.metadata?.name}": ${(err as Error).message}`;
        setCondition(s.d.status, newCondition('Progressing', 'False', reasons.failedRSCreate, msg, now));
        await updateDeploymentStatus(s);
      }
      throw err;
    }
    // Same name: ours from an earlier sync whose event we have not seen, or a hash collision.
    const found = await rsClient(s).get(rs.metadata?.name ?? '');
    const ours = found.metadata?.ownerReferences?.some((r) => r.controller && r.uid === d.metadata?.uid);
    if (!ours || !equalIgnoreHash(found.spec?.template, d.spec?.template)) {
      s.d.status = { ...s.d.status, collisionCount: (s.d.status?.collisionCount ?? 0) + 1 };
      await updateDeploymentStatus(s);
      throw err;
    }
    created = found;
    alreadyExisted = true;
  }
  if (!alreadyExisted && replicasOf(created) > 0) {
    s.c.ctx.recorder.event(eventTarget(d), 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata?.name} from 0 to ${replicasOf(created)}`);
  }
  await setDeploymentRevision(s, newRevision);
  if (!alreadyExisted && progressDeadlineMs(s.d) !== undefined) {
    s.d.status ??= {};
    setCondition(s.d.status, newCondition('Progressing', 'True', reasons.newRSCreated, `Created new replica set "${created.metadata?.name}"`, now));
    await updateDeploymentStatus(s);
  }
  return created;
}

/** newRSNewReplicas is the size the new ReplicaSet may grow to now (upstream NewRSNewReplicas). */
export function newRSNewReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  const want = replicasOf(d);
  if (!((d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate')) return want;
  const current = sumReplicas(allRSs);
  const maxTotal = want + maxSurge(d);
  if (current >= maxTotal) return replicasOf(newRS);
  const scaleUp = Math.min(maxTotal - current, want - replicasOf(newRS));
  return replicasOf(newRS) + Math.max(0, scaleUp);
}

/**
 * scaleReplicaSet sets a ReplicaSet's size and replica annotations; returns the stored ReplicaSet and
 * records the ScalingReplicaSet event `kubectl describe` shows.
 */
export async function scaleReplicaSet(s: SyncState, rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
  const oldScale = replicasOf(rs);
  const copy = structuredClone(rs) as ReplicaSet;
  const sizeChanged = oldScale !== newScale;
  const annotationsChanged = setReplicasAnnotations(copy, replicasOf(s.d), replicasOf(s.d) + maxSurge(s.d));
  if (!sizeChanged && !annotationsChanged) return { scaled: false, rs };
  copy.spec = { ...copy.spec!, replicas: newScale };
  const updated = await rsClient(s).update(copy);
  if (sizeChanged) {
    const op = newScale > oldScale ? 'up' : 'down';
    s.c.ctx.recorder.event(eventTarget(s.d), 'Normal', 'ScalingReplicaSet', `Scaled ${op} replica set ${rs.metadata?.name} from ${oldScale} to ${newScale}`);
  }
  const i = s.rsList.findIndex((x) => x.metadata?.uid === rs.metadata?.uid);
  if (i >= 0) s.rsList[i] = updated;
  return { scaled: sizeChanged, rs: updated };
}

/** cleanupDeployment deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit. */
export async function cleanupDeployment(s: SyncState, oldRSs: ReplicaSet[]): Promise<void> {
  const limit = s.d.spec?.revisionHistoryLimit ?? 10;
  const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
  const diff = cleanable.length - limit;
  if (diff <= 0) return;
  const byRevision = [...cleanable].sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
  for (const rs of byRevision.slice(0, diff)) {
    const busy = (rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0);
    if (busy) continue;
    try {
      await rsClient(s).delete(rs.metadata?.name ?? '', { preconditions: { uid: rs.metadata?.uid ?? '' } });
    } catch (err) {
      s.c.ctx.log.debug({ err, replicaSet: rs.metadata?.name }, 'Could not delete old ReplicaSet');
    }
  }
}

/** checkPausedConditions flips Progressing to Unknown/DeploymentPaused or DeploymentResumed. */
export async function checkPausedConditions(s: SyncState): Promise<void> {
  if (progressDeadlineMs(s.d) === undefined) return;
  const cond = getCondition(s.d.status, 'Progressing');
  if (cond?.reason === reasons.timedOut) return;
  const pausedExists = cond?.reason === reasons.paused;
  const now = s.c.ctx.clock.now();
  s.d.status ??= {};
  if (s.d.spec?.paused && !pausedExists) {
    setCondition(s.d.status, newCondition('Progressing', 'Unknown', reasons.paused, 'Deployment is paused', now));
  } else if (!s.d.spec?.paused && pausedExists) {
    setCondition(s.d.status, newCondition('Progressing', 'Unknown', reasons.resumed, 'Deployment is resumed', now));
  } else {
    return;
  }
  await updateDeploymentStatus(s);
}
