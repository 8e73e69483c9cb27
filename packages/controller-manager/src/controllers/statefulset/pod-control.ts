/**
 * StatefulPodControl performs the writes of the StatefulSet controller on pods and their PVCs and records
 * the events upstream's StatefulPodControl records (`SuccessfulCreate` "create Pod web-0 in StatefulSet
 * web successful", "create Claim www-web-0 Pod web-0 in StatefulSet web success", ...).
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { isAlreadyExists, isNotFound } from '@nanokube/api';
import type { EventRecorder, ResourceClient } from '@nanokube/client';
import { ownerReferencesPatch } from '../../shared/index.js';
import { hasStaleOwnerRef, isClaimOwnerUpToDate, retentionOwnerReferences } from './claims.js';
import { claimsFor, getOrdinal, identityLabels, identityMatches, podKind, storageMatches } from './identity.js';

/** Dependencies of {@link StatefulPodControl}. */
export interface StatefulPodControlDeps {
  podClient: ResourceClient<Pod>;
  claimClient: ResourceClient<PersistentVolumeClaim>;
  /** Reads a claim from the informer cache. */
  getClaim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  recorder: EventRecorder;
}

/** eventTarget is the involvedObject of events about a StatefulSet. */
export function eventTarget(set: StatefulSet): StatefulSet {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: set.metadata ?? {} } as StatefulSet;
}

/** StatefulPodControl creates, updates and deletes a StatefulSet's pods and claims. */
export class StatefulPodControl {
  constructor(private readonly deps: StatefulPodControlDeps) {}

  /**
   * createStatefulPod creates the pod's missing claims, then the pod. It returns false when the pod
   * already exists (the cache is behind): nothing was created and the caller should wait for the event.
   */
  async createStatefulPod(set: StatefulSet, pod: Pod): Promise<boolean> {
    await this.createClaims(set, pod);
    try {
      await this.pods(set).create(pod);
    } catch (err) {
      if (isAlreadyExists(err)) return false;
      this.podEvent('create', set, pod, err);
      throw err;
    }
    this.podEvent('create', set, pod);
    return true;
  }

  /** deleteStatefulPod deletes the pod; a pod already gone counts as deleted. */
  async deleteStatefulPod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await this.pods(set).delete(pod.metadata?.name ?? '');
    } catch (err) {
      if (isNotFound(err)) return;
      this.podEvent('delete', set, pod, err);
      throw err;
    }
    this.podEvent('delete', set, pod);
  }

  /**
   * updateStatefulPod restores the pod's identity labels, creates claims it lacks and brings its claims'
   * ownerReferences in line with the retention policy. A pod's volumes cannot change after creation, so
   * unlike upstream a pod mounting the wrong claims is left as it is.
   */
  async updateStatefulPod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      if (!storageMatches(set, pod)) await this.createClaims(set, pod);
      if (!this.claimsMatchRetentionPolicy(set, pod)) await this.updateClaimsForRetentionPolicy(set, pod);
      if (identityMatches(set, pod)) return;
      const patch = { metadata: { labels: identityLabels(set, getOrdinal(pod)), resourceVersion: pod.metadata?.resourceVersion } };
      await this.pods(set).patch(pod.metadata?.name ?? '', 'merge', patch);
    } catch (err) {
      this.podEvent('update', set, pod, err);
      throw err;
    }
    this.podEvent('update', set, pod);
  }

  /** createMissingClaims re-creates claims of a pending pod (e.g. deleted by hand) and fixes their references. */
  async createMissingClaims(set: StatefulSet, pod: Pod): Promise<void> {
    await this.createClaims(set, pod);
    try {
      await this.updateClaimsForRetentionPolicy(set, pod);
    } catch (err) {
      this.podEvent('update', set, pod, err);
      throw err;
    }
  }

  /**
   * podClaimIsStale reports whether a claim of a pod about to be created still belongs to an earlier pod
   * of the same name (scaled down with whenScaled: Delete): the garbage collector is about to delete it,
   * so the pod must wait rather than bind to it.
   */
  podClaimIsStale(set: StatefulSet, pod: Pod): boolean {
    return claimsFor(set, getOrdinal(pod)).some((c) => {
      const claim = this.deps.getClaim(c.metadata?.namespace ?? '', c.metadata?.name ?? '');
      return claim !== undefined && hasStaleOwnerRef(claim, pod, podKind);
    });
  }

  /** claimsMatchRetentionPolicy reports whether every existing claim of the pod follows the policy. */
  claimsMatchRetentionPolicy(set: StatefulSet, pod: Pod): boolean {
    return claimsFor(set, getOrdinal(pod)).every((c) => {
      const claim = this.deps.getClaim(c.metadata?.namespace ?? '', c.metadata?.name ?? '');
      return claim === undefined || isClaimOwnerUpToDate(claim, set, pod);
    });
  }

  /** updateClaimsForRetentionPolicy rewrites the ownerReferences of the pod's claims that do not follow the policy. */
  async updateClaimsForRetentionPolicy(set: StatefulSet, pod: Pod): Promise<void> {
    for (const c of claimsFor(set, getOrdinal(pod))) {
      const claim = this.deps.getClaim(c.metadata?.namespace ?? '', c.metadata?.name ?? '');
      if (!claim || isClaimOwnerUpToDate(claim, set, pod)) continue;
      const patch = ownerReferencesPatch(claim, retentionOwnerReferences(claim, set, pod));
      try {
        await this.deps.claimClient.inNamespace(set.metadata?.namespace ?? '').patch(claim.metadata?.name ?? '', 'merge', patch);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** createClaims creates the pod's claims that do not exist; it fails if one is being deleted. */
  private async createClaims(set: StatefulSet, pod: Pod): Promise<void> {
    const errors: Error[] = [];
    for (const claim of claimsFor(set, getOrdinal(pod))) {
      const name = claim.metadata?.name ?? '';
      const existing = this.deps.getClaim(claim.metadata?.namespace ?? '', name);
      if (existing) {
        if (existing.metadata?.deletionTimestamp) errors.push(new Error(`pvc ${name} is being deleted`));
        continue;
      }
      const refs = retentionOwnerReferences(claim, set, pod);
      if (refs.length > 0) claim.metadata = { ...claim.metadata, ownerReferences: refs };
      try {
        await this.deps.claimClient.inNamespace(set.metadata?.namespace ?? '').create(claim);
        this.claimEvent(set, pod, claim);
      } catch (err) {
        // Created meanwhile: the cache is behind, the claim is there.
        if (isAlreadyExists(err)) continue;
        this.claimEvent(set, pod, claim, err);
        errors.push(new Error(`failed to create PVC ${name}: ${(err as Error).message}`));
      }
    }
    if (errors.length > 0) throw errors[0];
  }

  private pods(set: StatefulSet): ResourceClient<Pod> {
    return this.deps.podClient.inNamespace(set.metadata?.namespace ?? '');
  }

  private podEvent(verb: 'create' | 'update' | 'delete', set: StatefulSet, pod: Pod, err?: unknown): void {
    const title = verb[0]!.toUpperCase() + verb.slice(1);
    const subject = `${verb} Pod ${pod.metadata?.name ?? ''} in StatefulSet ${set.metadata?.name ?? ''}`;
    if (err === undefined) this.deps.recorder.event(eventTarget(set), 'Normal', `Successful${title}`, `${subject} successful`);
    else this.deps.recorder.event(eventTarget(set), 'Warning', `Failed${title}`, `${subject} failed error: ${(err as Error).message}`);
  }

  private claimEvent(set: StatefulSet, pod: Pod, claim: PersistentVolumeClaim, err?: unknown): void {
    const claimName = claim.metadata?.name ?? '';
    const podName = pod.metadata?.name ?? '';
    const setName = set.metadata?.name ?? '';
    if (err === undefined) {
      this.deps.recorder.event(eventTarget(set), 'Normal', 'SuccessfulCreate', `create Claim ${claimName} Pod ${podName} in StatefulSet ${setName} success`);
    } else {
      const msg = `create Claim ${claimName} for Pod ${podName} in StatefulSet ${setName} failed error: ${(err as Error).message}`;
      this.deps.recorder.event(eventTarget(set), 'Warning', 'FailedCreate', msg);
    }
  }
}
