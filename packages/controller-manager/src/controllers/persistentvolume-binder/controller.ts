import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { isConflict, isNotFound } from '@nanokube/api';
import {
  metaNamespaceKey,
  RateLimitingQueue,
  resources,
  splitMetaNamespaceKey,
  type GroupVersionResource,
  type KubeObject,
  type ResourceClient,
  type SharedInformer,
} from '@nanokube/client';
import { deletedObject, runController, type ControllerContext, type ControllerDescriptor } from '../../shared/index.js';
import {
  annBindCompleted,
  annBoundByController,
  checkVolumeSatisfyClaim,
  claimClass,
  findBestMatch,
  isVolumeBoundToClaim,
} from './matching.js';

type PV = PersistentVolume;
type PVC = PersistentVolumeClaim;

const storageClasses: GroupVersionResource = { group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', kind: 'StorageClass', namespaced: false };

/** How often every volume and claim is synced again, besides their events. */
export const syncPeriodMs = 15_000;

/** Queue keys: `volume:<name>` and `claim:<namespace>/<name>`. */
const volumeKey = (name: string): string => `volume:${name}`;
const claimKey = (pvc: PVC): string => `claim:${metaNamespaceKey(pvc)}`;

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** newer returns whichever copy of an object has the higher resourceVersion. */
function newer<T extends KubeObject>(a: T | undefined, b: T | undefined): T | undefined {
  if (!a || !b) return a ?? b;
  const ra = Number(a.metadata?.resourceVersion ?? 0);
  const rb = Number(b.metadata?.resourceVersion ?? 0);
  return rb > ra ? b : a;
}

/**
 * PersistentVolumeBinder binds claims to volumes (upstream persistentvolume-binder-controller, without
 * dynamic provisioning): a Pending claim gets the smallest Available volume whose class, access modes,
 * volume mode, selector and capacity fit, or the volume it names; volumes pre-bound with a claimRef go
 * to their claim. Binding writes the volume's claimRef and phase Bound, then the claim's volumeName,
 * `pv.kubernetes.io/bind-completed` and phase Bound with the volume's capacity and access modes. When a
 * bound claim is deleted its volume becomes Released (Retain, kept with its claimRef) or is deleted
 * (Delete). Writes go through the objects' resourceVersions; the binder remembers what it wrote so a
 * lagging cache does not make it undo its own work.
 */
export class PersistentVolumeBinder {
  /** Replaced in tests. */
  syncHandler: (key: string) => Promise<void> = (key) => this.sync(key);
  readonly queue: RateLimitingQueue<string>;
  readonly volumeInformer: SharedInformer<PV>;
  readonly claimInformer: SharedInformer<PVC>;
  readonly classInformer: SharedInformer<StorageClass>;
  readonly volumeClient: ResourceClient<PV>;
  readonly claimClient: ResourceClient<PVC>;
  /** The last version of each object this binder wrote, newer than the cache until the watch catches up. */
  private readonly written = { volumes: new Map<string, PV>(), claims: new Map<string, PVC>() };

  constructor(readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>(undefined, ctx.clock);
    this.volumeInformer = ctx.informers.informerFor<PV>(resources.persistentvolumes);
    this.claimInformer = ctx.informers.informerFor<PVC>(resources.persistentvolumeclaims);
    this.classInformer = ctx.informers.informerFor<StorageClass>(storageClasses);
    this.volumeClient = ctx.client<PV>(resources.persistentvolumes);
    this.claimClient = ctx.client<PVC>(resources.persistentvolumeclaims);
    const onVolume = (pv: PV): void => {
      this.queue.add(volumeKey(pv.metadata?.name ?? ''));
      // A volume that may be free now is a chance for every waiting claim (upstream waits for its resync).
      if (!pv.spec?.claimRef || !pv.spec.claimRef.uid) this.enqueueUnboundClaims();
    };
    this.volumeInformer.addEventHandler({
      onAdd: onVolume,
      onUpdate: (_o, pv) => onVolume(pv),
      onDelete: (o) => {
        const pv = deletedObject(o);
        this.written.volumes.delete(pv.metadata?.name ?? '');
        // A claim bound to a vanished volume is now Lost.
        const ref = pv.spec?.claimRef;
        if (ref?.name) this.queue.add(`claim:${ref.namespace ?? ''}/${ref.name}`);
      },
    });
    this.claimInformer.addEventHandler({
      onAdd: (pvc) => this.queue.add(claimKey(pvc)),
      onUpdate: (_o, pvc) => this.queue.add(claimKey(pvc)),
      onDelete: (o) => {
        const pvc = deletedObject(o);
        this.written.claims.delete(metaNamespaceKey(pvc));
        // Its volume is released (or deleted) by the volume's sync.
        if (pvc.spec?.volumeName) this.queue.add(volumeKey(pvc.spec.volumeName));
        for (const pv of this.volumeInformer.store.list()) if (isVolumeBoundToClaim(pv, pvc)) onVolume(pv);
      },
    });
  }

  /** enqueueUnboundClaims queues every claim the binder has not finished binding. */
  enqueueUnboundClaims(): void {
    for (const pvc of this.claimInformer.store.list()) {
      if (pvc.metadata?.annotations?.[annBindCompleted] === undefined) this.queue.add(claimKey(pvc));
    }
  }

  /** resync queues every volume and claim (upstream's `--pvclaimbinder-sync-period`, 15 s). */
  resync(): void {
    for (const pv of this.volumeInformer.store.list()) this.queue.add(volumeKey(pv.metadata?.name ?? ''));
    for (const pvc of this.claimInformer.store.list()) this.queue.add(claimKey(pvc));
  }

  async run(signal: AbortSignal): Promise<void> {
    let timer: { cancel(): void } | undefined;
    const tick = (): void => {
      if (signal.aborted) return;
      this.resync();
      timer = this.ctx.clock.setTimeout(tick, syncPeriodMs);
    };
    timer = this.ctx.clock.setTimeout(tick, syncPeriodMs);
    signal.addEventListener('abort', () => timer?.cancel(), { once: true });
    return this.runWorkers(signal);
  }

  private runWorkers(signal: AbortSignal): Promise<void> {
    return runController({
      log: this.ctx.log,
      informers: [this.volumeInformer, this.claimInformer, this.classInformer],
      queue: this.queue,
      sync: (key) => this.syncHandler(key),
      // One worker: volume and claim syncs both write the same pairs, as upstream's binder serialises them.
      workers: 1,
      signal,
    });
  }

  async sync(key: string): Promise<void> {
    if (key.startsWith('volume:')) {
      const pv = this.volume(key.slice('volume:'.length));
      if (pv) await this.syncVolume(pv);
      return;
    }
    if (key.startsWith('claim:')) {
      const { namespace, name } = splitMetaNamespaceKey(key.slice('claim:'.length));
      const pvc = this.claim(namespace, name);
      if (pvc) await this.syncClaim(pvc);
    }
  }

  /** volume returns the freshest known copy of a volume (cache or own write). */
  private volume(name: string): PV | undefined {
    const cached = this.volumeInformer.store.get(name);
    if (!cached) return undefined;
    return newer(cached, this.written.volumes.get(name));
  }

  private claim(namespace: string, name: string): PVC | undefined {
    const key = `${namespace}/${name}`;
    const cached = this.claimInformer.store.get(key);
    if (!cached) return undefined;
    return newer(cached, this.written.claims.get(key));
  }

  private volumes(): PV[] {
    return this.volumeInformer.store.list().map((pv) => this.volume(pv.metadata?.name ?? '') ?? pv);
  }

  // ---- claims ---------------------------------------------------------------------------------

  private async syncClaim(pvc: PVC): Promise<void> {
    if (pvc.metadata?.deletionTimestamp) return;
    if (pvc.metadata?.annotations?.[annBindCompleted] === undefined) await this.syncUnboundClaim(pvc);
    else await this.syncBoundClaim(pvc);
  }

  private async syncUnboundClaim(pvc: PVC): Promise<void> {
    const wanted = pvc.spec?.volumeName;
    if (!wanted) {
      const pv = findBestMatch(this.volumes(), pvc);
      if (pv) {
        await this.bind(pv, pvc);
        return;
      }
      await this.setClaimPhase(pvc, 'Pending');
      this.reportNoVolume(pvc);
      return;
    }
    // The user asked for a particular volume.
    const pv = this.volume(wanted);
    if (!pv) {
      this.ctx.log.debug({ claim: metaNamespaceKey(pvc), volume: wanted }, 'Requested volume not found, will retry');
      await this.setClaimPhase(pvc, 'Pending');
      return;
    }
    if (!pv.spec?.claimRef) {
      const mismatch = checkVolumeSatisfyClaim(pv, pvc);
      if (mismatch) {
        this.ctx.recorder.event(this.claimTarget(pvc), 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${wanted}": ${mismatch}`);
        await this.setClaimPhase(pvc, 'Pending');
        return;
      }
      await this.bind(pv, pvc);
      return;
    }
    if (isVolumeBoundToClaim(pv, pvc)) {
      await this.bind(pv, pvc);
      return;
    }
    // The volume belongs to another claim: wait (the user may be fixing it).
    this.ctx.log.debug({ claim: metaNamespaceKey(pvc), volume: wanted }, 'Requested volume is bound to another claim');
    await this.setClaimPhase(pvc, 'Pending');
  }

  /** reportNoVolume records why a claim stays Pending, as upstream's binder and provisioner do. */
  private reportNoVolume(pvc: PVC): void {
    const target = this.claimTarget(pvc);
    const className = claimClass(pvc);
    if (className === '') {
      this.ctx.recorder.event(target, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
      return;
    }
    const sc = this.classInformer.store.get(className);
    if (!sc) {
      this.ctx.recorder.event(target, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
    } else if (sc.volumeBindingMode === 'WaitForFirstConsumer') {
      this.ctx.recorder.event(target, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
    } else if (sc.provisioner === 'kubernetes.io/no-provisioner') {
      this.ctx.recorder.event(target, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
    } else {
      this.ctx.recorder.event(
        target,
        'Normal',
        'ExternalProvisioning',
        `Waiting for a volume to be created either by the external provisioner '${sc.provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
      );
    }
  }

  private async syncBoundClaim(pvc: PVC): Promise<void> {
    const name = pvc.spec?.volumeName;
    if (!name) {
      await this.setClaimPhase(pvc, 'Lost', ['Warning', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!']);
      return;
    }
    const pv = this.volume(name);
    if (!pv) {
      await this.setClaimPhase(pvc, 'Lost', ['Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!']);
      return;
    }
    if (!pv.spec?.claimRef || isVolumeBoundToClaim(pv, pvc)) {
      // Finish (or re-do) the binding: idempotent when everything is in place.
      await this.bind(pv, pvc);
      return;
    }
    await this.setClaimPhase(pvc, 'Lost', ['Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly']);
  }

  // ---- volumes --------------------------------------------------------------------------------

  private async syncVolume(pv: PV): Promise<void> {
    if (pv.metadata?.deletionTimestamp) return;
    const ref = pv.spec?.claimRef;
    if (!ref) {
      await this.setVolumePhase(pv, 'Available');
      return;
    }
    const claim = this.claim(ref.namespace ?? '', ref.name ?? '');
    if (!ref.uid) {
      // Pre-bound by a user to a claim that may not exist yet: the claim's sync binds it.
      await this.setVolumePhase(pv, 'Available');
      if (claim) this.queue.add(claimKey(claim));
      return;
    }
    const found = claim && claim.metadata?.uid === ref.uid ? claim : undefined;
    if (!found) {
      if (pv.status?.phase !== 'Released' && pv.status?.phase !== 'Failed') {
        // The cache may lag behind a claim created a moment ago: only the server's word releases a volume.
        if (await this.claimExists(ref.namespace ?? '', ref.name ?? '', ref.uid)) return;
        pv = await this.setVolumePhase(pv, 'Released');
      }
      await this.reclaim(pv);
      return;
    }
    const claimed = found.spec?.volumeName;
    if (!claimed) {
      // Binding in progress (the claim's half is not written yet): let the claim's sync finish it.
      this.queue.add(claimKey(found));
      return;
    }
    if (claimed === pv.metadata?.name) {
      await this.setVolumePhase(pv, 'Bound');
      return;
    }
    // The claim ended up bound to another volume.
    if (pv.metadata?.annotations?.[annBoundByController] !== undefined) await this.unbindVolume(pv);
  }

  /** claimExists asks the server whether the claim with this uid exists (the cache may lag). */
  private async claimExists(namespace: string, name: string, uid: string): Promise<boolean> {
    try {
      const pvc = await this.claimClient.inNamespace(namespace).get(name);
      return pvc.metadata?.uid === uid;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** reclaim applies a Released volume's reclaim policy. */
  private async reclaim(pv: PV): Promise<void> {
    if (pv.status?.phase !== 'Released') return;
    const policy = pv.spec?.persistentVolumeReclaimPolicy ?? 'Retain';
    const name = pv.metadata?.name ?? '';
    if (policy === 'Retain') return;
    if (policy === 'Delete') {
      // No volume plugin deletes storage here: the volume object goes, its data (hostPath) stays.
      this.ctx.log.info({ volume: name }, 'Deleting released volume');
      try {
        await this.volumeClient.delete(name, pv.metadata?.uid ? { preconditions: { uid: pv.metadata.uid } } : {});
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
      return;
    }
    // Recycle: deprecated upstream and not implemented here.
    this.ctx.recorder.event(this.volumeTarget(pv), 'Warning', 'VolumeFailedRecycle', 'No recycler plugin found for the volume!');
    await this.setVolumePhase(pv, 'Failed', 'No recycler plugin found for the volume!');
  }

  /** unbindVolume gives a volume the binder chose back to the pool (or to its user's pre-binding). */
  private async unbindVolume(pv: PV): Promise<void> {
    const next = structuredClone(pv);
    const spec = (next.spec ??= {});
    if (next.metadata?.annotations?.[annBoundByController] !== undefined) {
      delete spec.claimRef;
      delete next.metadata.annotations[annBoundByController];
    } else if (spec.claimRef) {
      delete spec.claimRef.uid;
    }
    const saved = await this.writeVolume(next);
    await this.setVolumePhase(saved, 'Available');
  }

  // ---- binding --------------------------------------------------------------------------------

  /** bind writes both halves of a binding and both statuses (upstream bind()); each step is skipped when done. */
  private async bind(pv: PV, pvc: PVC): Promise<void> {
    const boundPv = await this.bindVolumeToClaim(pv, pvc);
    const phasedPv = await this.setVolumePhase(boundPv, 'Bound');
    const boundPvc = await this.bindClaimToVolume(pvc, phasedPv);
    await this.setClaimBound(boundPvc, phasedPv);
    this.ctx.log.info({ claim: metaNamespaceKey(pvc), volume: pv.metadata?.name }, 'Bound claim to volume');
  }

  private async bindVolumeToClaim(pv: PV, pvc: PVC): Promise<PV> {
    const ref = pv.spec?.claimRef;
    const uid = pvc.metadata?.uid ?? '';
    if (ref && ref.uid === uid && ref.name === pvc.metadata?.name && ref.namespace === pvc.metadata?.namespace) return pv;
    const byController = !isVolumeBoundToClaim(pv, pvc);
    const next = structuredClone(pv);
    const spec = (next.spec ??= {});
    spec.claimRef = {
      kind: 'PersistentVolumeClaim',
      namespace: pvc.metadata?.namespace ?? '',
      name: pvc.metadata?.name ?? '',
      uid,
      apiVersion: 'v1',
      resourceVersion: pvc.metadata?.resourceVersion ?? '',
    };
    const meta = (next.metadata ??= {});
    if (byController) meta.annotations = { ...meta.annotations, [annBoundByController]: 'yes' };
    return this.writeVolume(next);
  }

  private async bindClaimToVolume(pvc: PVC, pv: PV): Promise<PVC> {
    const name = pv.metadata?.name ?? '';
    const ann = pvc.metadata?.annotations ?? {};
    const byController = !pvc.spec?.volumeName;
    if (pvc.spec?.volumeName === name && ann[annBindCompleted] !== undefined) return pvc;
    const next = structuredClone(pvc);
    (next.spec ??= {}).volumeName = name;
    const meta = (next.metadata ??= {});
    meta.annotations = { ...meta.annotations, [annBindCompleted]: 'yes', ...(byController ? { [annBoundByController]: 'yes' } : {}) };
    return this.writeClaim(next);
  }

  private async setClaimBound(pvc: PVC, pv: PV): Promise<PVC> {
    const capacity = pv.spec?.capacity ?? {};
    const modes = pv.spec?.accessModes ?? [];
    const st = pvc.status ?? {};
    if (st.phase === 'Bound' && JSON.stringify(st.capacity ?? {}) === JSON.stringify(capacity) && JSON.stringify(st.accessModes ?? []) === JSON.stringify(modes)) return pvc;
    return this.writeClaim({ ...structuredClone(pvc), status: { ...pvc.status, phase: 'Bound', capacity, accessModes: modes } }, true);
  }

  // ---- writes ---------------------------------------------------------------------------------

  /** setVolumePhase writes status.phase (and lastPhaseTransitionTime) unless already there. */
  private async setVolumePhase(pv: PV, phase: string, message?: string): Promise<PV> {
    if (pv.status?.phase === phase && (message === undefined || pv.status.message === message)) return pv;
    const status: NonNullable<PV['status']> = { ...pv.status, phase, lastPhaseTransitionTime: rfc3339(this.ctx.clock.now()) };
    if (message !== undefined) status.message = message;
    else delete status.message;
    return this.writeVolume({ ...structuredClone(pv), status }, true);
  }

  /** setClaimPhase writes a claim's phase; `event` is recorded when the phase changes. */
  private async setClaimPhase(pvc: PVC, phase: string, event?: ['Normal' | 'Warning', string, string]): Promise<PVC> {
    if (pvc.status?.phase === phase) return pvc;
    const status: NonNullable<PVC['status']> = { ...pvc.status, phase };
    if (phase !== 'Bound') {
      delete status.capacity;
      delete status.accessModes;
    }
    const saved = await this.writeClaim({ ...structuredClone(pvc), status }, true);
    if (event) this.ctx.recorder.event(this.claimTarget(pvc), ...event);
    return saved;
  }

  private async writeVolume(pv: PV, status = false): Promise<PV> {
    const body = { ...pv, apiVersion: 'v1', kind: 'PersistentVolume' } as PV;
    const saved = status ? await this.volumeClient.updateStatus(body) : await this.volumeClient.update(body);
    this.written.volumes.set(saved.metadata?.name ?? '', saved);
    return saved;
  }

  private async writeClaim(pvc: PVC, status = false): Promise<PVC> {
    const client = this.claimClient.inNamespace(pvc.metadata?.namespace ?? '');
    const body = { ...pvc, apiVersion: 'v1', kind: 'PersistentVolumeClaim' } as PVC;
    const saved = status ? await client.updateStatus(body) : await client.update(body);
    this.written.claims.set(metaNamespaceKey(saved), saved);
    return saved;
  }

  private claimTarget(pvc: PVC): PVC {
    return { ...pvc, apiVersion: 'v1', kind: 'PersistentVolumeClaim' };
  }

  private volumeTarget(pv: PV): PV {
    return { ...pv, apiVersion: 'v1', kind: 'PersistentVolume' };
  }
}

/** descriptor registers the binder (upstream `persistentvolume-binder-controller`). */
export const persistentVolumeBinderControllerDescriptor: ControllerDescriptor = {
  name: 'persistentvolume-binder-controller',
  aliases: ['persistentvolume-binder'],
  create: (ctx) => new PersistentVolumeBinder(ctx),
};
