/**
 * ControllerRevisions of DaemonSets and StatefulSets (upstream pkg/controller/history): one revision per
 * distinct pod template, named `<owner>-<hash>`, holding the template as a strategic-merge patch, with a
 * revision number that grows with every change (and on rollback to an old template).
 */
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '@nanokube/api';
import type { KubeObject, ResourceClient } from '@nanokube/client';
import { computeHash, newControllerRef, type OwnerKind } from '../../shared/index.js';

/** Label with a revision's hash, on the revision and on the pods made from it. */
export const revisionHashLabel = 'controller-revision-hash';

/** Options of {@link ensureRevision}. */
export interface EnsureRevisionOptions {
  client: ResourceClient<ControllerRevision>;
  owner: KubeObject;
  ownerKind: OwnerKind;
  template: PodTemplateSpec | undefined;
  /** Revisions the owner controls. */
  history: ControllerRevision[];
  collisionCount?: number;
}

/** revisionName returns the name (and hash) of the revision of a template. */
export function revisionName(ownerName: string, template: PodTemplateSpec | undefined, collisionCount?: number): { name: string; hash: string } {
  const hash = computeHash(template ?? {}, collisionCount);
  return { name: `${ownerName}-${hash}`, hash };
}

/**
 * ensureRevision returns the revision of the owner's current template, creating it with the next
 * revision number, or renumbering an older identical one to the newest (a rollback).
 */
export async function ensureRevision(opts: EnsureRevisionOptions): Promise<{ revision: ControllerRevision; hash: string }> {
  const ownerName = opts.owner.metadata?.name ?? '';
  const { name, hash } = revisionName(ownerName, opts.template, opts.collisionCount);
  const max = opts.history.reduce((m, r) => Math.max(m, r.revision), 0);
  const client = opts.client.inNamespace(opts.owner.metadata?.namespace ?? '');
  const existing = opts.history.find((r) => r.metadata?.name === name);
  if (existing) {
    if (existing.revision === max) return { revision: existing, hash };
    // Copy first: the cached object is shared with the informer.
    const bumped = { ...(structuredClone(existing) as ControllerRevision), revision: max + 1 };
    return { revision: await client.update(bumped), hash };
  }
  const revision: ControllerRevision = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace: opts.owner.metadata?.namespace ?? '',
      labels: { ...(opts.template?.metadata?.labels ?? {}), [revisionHashLabel]: hash },
      ownerReferences: [newControllerRef(opts.owner, opts.ownerKind)],
    },
    data: { spec: { template: { ...(opts.template ?? {}), $patch: 'replace' } } },
    revision: max + 1,
  };
  return { revision: await opts.client.inNamespace(opts.owner.metadata?.namespace ?? '').create(revision), hash };
}

/**
 * truncateHistory deletes the oldest revisions beyond `limit`, never one that live pods still use
 * (named in `inUse`) nor the current one.
 */
export async function truncateHistory(opts: {
  client: ResourceClient<ControllerRevision>;
  history: ControllerRevision[];
  limit: number;
  inUse: Set<string>;
}): Promise<void> {
  const removable = opts.history.filter((r) => !opts.inUse.has(r.metadata?.name ?? '')).sort((a, b) => a.revision - b.revision);
  const excess = opts.history.length - Math.max(opts.limit, 0) - 1;
  for (const r of removable.slice(0, Math.max(0, excess))) {
    try {
      await opts.client.inNamespace(r.metadata?.namespace ?? '').delete(r.metadata?.name ?? '');
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
