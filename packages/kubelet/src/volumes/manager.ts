/**
 * VolumeManager materialises a pod's volumes on the node before its containers start, as upstream's
 * volume manager and in-tree plugins do, under `<podsDir>/<uid>/volumes/kubernetes.io~<plugin>/<name>`:
 *
 * - emptyDir: a 0777 folder shared by the pod's containers; `medium: Memory` is a tmpfs when the kubelet
 *   may mount (root), a plain folder otherwise;
 * - configMap, secret, downwardAPI, projected: files published with {@link writeAtomic} (the `..data`
 *   symlink dance), refreshed on every sync so updates reach running pods;
 * - hostPath: the node path itself after the `type` check;
 * - persistentVolumeClaim: PVC → `spec.volumeName` → PV `hostPath.path` (or `local.path`), waiting while
 *   the claim is unbound;
 * - projected serviceAccountToken: a TokenRequest bound to the pod, refreshed after 80% of its lifetime.
 *
 * Without a `podsDir` (simulated nodes) the manager only resolves what volumes reference, so missing
 * ConfigMaps and unbound claims still hold the pod in ContainerCreating with upstream's events, but nothing
 * is written on the host.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, realpath, rm, rmdir, stat } from 'node:fs/promises';
import { join, normalize, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import type { ConfigMap, Container, Pod, Secret, Volume, VolumeProjection } from 'kubernetes-types/core/v1.js';
import { toNumber, tryParseQuantity } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import type { Mount } from '../runtime/types.js';
import { ContainerConfigError, expand, fieldRefValue, FieldRefError, lookupIn, resourceFieldValue, type EnvVarValue, type PodAddresses } from '../envvars/index.js';
import { PayloadError, writeAtomic, type Payload } from './atomic-writer.js';
import { checkHostPathType, HostPathTypeError } from './hostpath.js';
import type { IssuedToken, PodSources } from './sources.js';

const run = promisify(execFile);

/**
 * VolumeError keeps a pod's containers from starting; `message` is the `FailedMount` event's text
 * (`MountVolume.SetUp failed for volume "cfg" : configmap "cfg" not found`).
 */
export class VolumeError extends Error {
  override readonly name = 'VolumeError';
  constructor(
    readonly volume: string,
    message: string,
  ) {
    super(message);
  }
}

/** A set-up volume of a pod. */
export interface MountedVolume {
  /** Path on the node that containers bind-mount. */
  hostPath: string;
  /** configMap/secret/downwardAPI/projected volumes and read-only claims are always mounted read-only. */
  readOnly: boolean;
}

/** The set-up volumes of a pod by volume name. */
export type PodVolumes = Map<string, MountedVolume>;

/** Options of {@link VolumeManager}. */
export interface VolumeManagerOptions {
  sources: PodSources;
  /** `<root-dir>/pods`; absent = resolve references only and write nothing (simulated nodes). */
  podsDir?: string;
  /** Node allocatable, for downward-API resource limits a container does not set. */
  nodeAllocatable(): Record<string, string>;
  now(): number;
  /** Whether `medium: Memory` emptyDirs may be mounted as tmpfs (the kubelet runs as root). */
  canMount?: boolean;
  log: Logger;
}

const defaultMode = 0o644;

function pluginDir(kind: string): string {
  return `kubernetes.io~${kind}`;
}

function decodeSecret(s: Secret): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(s.data ?? {})) out.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(s.stringData ?? {})) out.set(k, Buffer.from(v));
  return out;
}

function configMapData(cm: ConfigMap): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(cm.data ?? {})) out.set(k, Buffer.from(v));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out.set(k, Buffer.from(v, 'base64'));
  return out;
}

/** projectKeys turns object data into payload files: every key, or only `items` (key → path, mode). */
function projectKeys(
  data: Map<string, Buffer>,
  items: { key: string; path: string; mode?: number }[] | undefined,
  mode: number,
  missingKey: (key: string) => string,
  optional: boolean,
  into: Payload,
): void {
  if (!items || items.length === 0) {
    for (const [k, v] of data) into.set(k, { data: v, mode });
    return;
  }
  for (const it of items) {
    const v = data.get(it.key);
    if (v === undefined) {
      if (optional) continue;
      throw new Error(missingKey(it.key));
    }
    into.set(it.path, { data: v, mode: it.mode ?? mode });
  }
}

/** VolumeManager sets up and tears down pod volumes on one node. */
export class VolumeManager {
  private readonly tokens = new Map<string, IssuedToken & { issuedAt: number }>();
  private readonly tmpfs = new Set<string>();

  constructor(private readonly opts: VolumeManagerOptions) {}

  /** podDir is `<podsDir>/<uid>` (empty without a podsDir). */
  podDir(uid: string): string {
    return this.opts.podsDir ? join(this.opts.podsDir, uid) : '';
  }

  /**
   * setUpPod sets up (or refreshes) every volume of the pod. Throws {@link VolumeError} for the first
   * volume that cannot be set up; the caller records it as a `FailedMount` event and retries later.
   */
  async setUpPod(pod: Pod, addresses: PodAddresses): Promise<PodVolumes> {
    const out: PodVolumes = new Map();
    for (const vol of pod.spec?.volumes ?? []) {
      try {
        out.set(vol.name, await this.setUpVolume(pod, vol, addresses));
      } catch (err) {
        if (err instanceof VolumeError) throw err;
        throw new VolumeError(vol.name, `MountVolume.SetUp failed for volume "${vol.name}" : ${(err as Error).message}`);
      }
    }
    return out;
  }

  private volumeDir(pod: Pod, kind: string, name: string): string {
    const dir = this.podDir(pod.metadata?.uid ?? '');
    return dir ? join(dir, 'volumes', pluginDir(kind), name) : '';
  }

  private async setUpVolume(pod: Pod, vol: Volume, addresses: PodAddresses): Promise<MountedVolume> {
    const ns = pod.metadata?.namespace ?? 'default';
    const dry = !this.opts.podsDir;
    if (vol.hostPath) {
      if (!dry) await checkHostPathType(vol.hostPath.path, vol.hostPath.type);
      return { hostPath: vol.hostPath.path, readOnly: false };
    }
    if (vol.persistentVolumeClaim) return this.setUpClaim(pod, vol.name, vol.persistentVolumeClaim.claimName, vol.persistentVolumeClaim.readOnly === true);
    if (vol.emptyDir) {
      const dir = this.volumeDir(pod, 'empty-dir', vol.name);
      if (!dry) await this.setUpEmptyDir(dir, vol.emptyDir.medium === 'Memory', vol.emptyDir.sizeLimit);
      return { hostPath: dir, readOnly: false };
    }
    let kind: string;
    const payload: Payload = new Map();
    if (vol.configMap) {
      kind = 'configmap';
      const src = vol.configMap;
      await this.addConfigMap(ns, src.name ?? '', src.items, src.defaultMode ?? defaultMode, src.optional === true, payload);
    } else if (vol.secret) {
      kind = 'secret';
      const src = vol.secret;
      await this.addSecret(ns, src.secretName ?? '', src.items, src.defaultMode ?? defaultMode, src.optional === true, payload);
    } else if (vol.downwardAPI) {
      kind = 'downward-api';
      this.addDownward(pod, vol.downwardAPI.items ?? [], vol.downwardAPI.defaultMode ?? defaultMode, addresses, payload);
    } else if (vol.projected) {
      kind = 'projected';
      const mode = vol.projected.defaultMode ?? defaultMode;
      for (const source of vol.projected.sources ?? []) await this.addProjection(pod, vol.name, source, mode, addresses, payload, dry);
    } else {
      throw new Error('unsupported volume type');
    }
    const dir = this.volumeDir(pod, kind, vol.name);
    if (!dry) {
      try {
        await writeAtomic(dir, payload, new Date(this.opts.now()));
      } catch (err) {
        if (err instanceof PayloadError) throw new Error(err.message);
        throw err;
      }
    }
    return { hostPath: dir, readOnly: true };
  }

  private async setUpClaim(pod: Pod, volume: string, claimName: string, readOnly: boolean): Promise<MountedVolume> {
    const ns = pod.metadata?.namespace ?? 'default';
    const fail = (detail: string): never => {
      throw new VolumeError(
        volume,
        `Unable to attach or mount volumes: unmounted volumes=[${volume}], unattached volumes=[], failed to process volumes=[${volume}]: error processing PVC ${ns}/${claimName}: ${detail}`,
      );
    };
    const pvc = await this.opts.sources.persistentVolumeClaim(ns, claimName);
    if (!pvc) return fail(`failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`);
    const pvName = pvc.spec?.volumeName;
    if (pvc.status?.phase !== 'Bound' || !pvName) return fail('PVC is not bound');
    const pv = await this.opts.sources.persistentVolume(pvName);
    if (!pv) return fail(`failed to fetch PV ${pvName} from API server: persistentvolumes "${pvName}" not found`);
    const path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
    if (!path) throw new VolumeError(volume, `MountVolume.SetUp failed for volume "${pvName}" : only hostPath and local persistent volumes are supported by this kubelet`);
    if (this.opts.podsDir && pv.spec?.hostPath) {
      try {
        await checkHostPathType(path, pv.spec.hostPath.type);
      } catch (err) {
        if (err instanceof HostPathTypeError) throw new VolumeError(volume, `MountVolume.SetUp failed for volume "${pvName}" : ${err.message}`);
        throw err;
      }
    }
    return { hostPath: path, readOnly: readOnly || pv.spec?.accessModes?.every((m) => m === 'ReadOnlyMany') === true };
  }

  private async setUpEmptyDir(dir: string, memory: boolean, sizeLimit: string | undefined): Promise<void> {
    await mkdir(dir, { recursive: true });
    if (memory && this.opts.canMount && !this.tmpfs.has(dir)) {
      const mounted = (await readFile('/proc/self/mounts', 'utf8').catch(() => '')).split('\n').some((l) => l.split(' ')[1] === dir);
      const bytes = sizeLimit ? tryParseQuantity(sizeLimit) : undefined;
      const size = bytes ? `size=${Math.ceil(toNumber(bytes))}` : 'size=50%';
      if (!mounted) await run('mount', ['-t', 'tmpfs', '-o', `${size},mode=0777`, 'tmpfs', dir]);
      this.tmpfs.add(dir);
    }
    await chmod(dir, 0o777);
  }

  private async addConfigMap(ns: string, name: string, items: { key: string; path: string; mode?: number }[] | undefined, mode: number, optional: boolean, payload: Payload): Promise<void> {
    const cm = await this.opts.sources.configMap(ns, name);
    if (!cm) {
      if (optional) return;
      throw new Error(`configmap "${name}" not found`);
    }
    projectKeys(configMapData(cm), items, mode, (k) => `configmap references non-existent config key: ${k}`, optional, payload);
  }

  private async addSecret(ns: string, name: string, items: { key: string; path: string; mode?: number }[] | undefined, mode: number, optional: boolean, payload: Payload): Promise<void> {
    const s = await this.opts.sources.secret(ns, name);
    if (!s) {
      if (optional) return;
      throw new Error(`secret "${name}" not found`);
    }
    projectKeys(decodeSecret(s), items, mode, (k) => `references non-existent secret key: ${k}`, optional, payload);
  }

  private addDownward(
    pod: Pod,
    items: NonNullable<NonNullable<Volume['downwardAPI']>['items']>,
    mode: number,
    addresses: PodAddresses,
    payload: Payload,
  ): void {
    for (const it of items) {
      let value = '';
      try {
        if (it.fieldRef) value = fieldRefValue(pod, it.fieldRef.fieldPath, addresses);
        else if (it.resourceFieldRef) {
          const ref = it.resourceFieldRef;
          const c = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((x) => x.name === ref.containerName);
          if (!c) throw new Error(`container ${ref.containerName ?? ''} not found`);
          value = resourceFieldValue(c, ref.resource, ref.divisor, this.opts.nodeAllocatable());
        }
      } catch (err) {
        if (err instanceof FieldRefError) throw new Error(err.message);
        throw err;
      }
      payload.set(it.path, { data: Buffer.from(value), mode: it.mode ?? mode });
    }
  }

  private async addProjection(pod: Pod, volume: string, src: VolumeProjection, mode: number, addresses: PodAddresses, payload: Payload, dry: boolean): Promise<void> {
    const ns = pod.metadata?.namespace ?? 'default';
    if (src.configMap) await this.addConfigMap(ns, src.configMap.name ?? '', src.configMap.items, mode, src.configMap.optional === true, payload);
    if (src.secret) await this.addSecret(ns, src.secret.name ?? '', src.secret.items, mode, src.secret.optional === true, payload);
    if (src.downwardAPI) this.addDownward(pod, src.downwardAPI.items ?? [], mode, addresses, payload);
    if (src.serviceAccountToken && !dry) {
      const t = src.serviceAccountToken;
      const token = await this.token(pod, volume, t.path, t.audience, t.expirationSeconds ?? 3600);
      payload.set(t.path, { data: Buffer.from(token), mode });
    }
  }

  /** token returns a cached bound token, asking for a new one after 80% of its lifetime (or 24 h). */
  private async token(pod: Pod, volume: string, path: string, audience: string | undefined, expirationSeconds: number): Promise<string> {
    const uid = pod.metadata?.uid ?? '';
    const key = `${uid}/${volume}/${path}`;
    const now = this.opts.now();
    const hit = this.tokens.get(key);
    if (hit) {
      const refreshAt = Math.min(hit.issuedAt + 0.8 * (hit.expiresAt - hit.issuedAt), hit.issuedAt + 24 * 3600_000);
      if (now < refreshAt) return hit.token;
    }
    const sa = pod.spec?.serviceAccountName ?? 'default';
    const issued = await this.opts.sources.serviceAccountToken(pod.metadata?.namespace ?? 'default', sa, {
      audiences: audience ? [audience] : [],
      expirationSeconds,
      boundPod: { name: pod.metadata?.name ?? '', uid },
    });
    this.tokens.set(key, { ...issued, issuedAt: now });
    return issued.token;
  }

  /**
   * mountsFor turns a container's volumeMounts into runtime bind mounts: subPath (and subPathExpr
   * expanded with the container's env) must stay inside the volume and is created as a folder when
   * missing. Throws {@link ContainerConfigError} as upstream does for a bad subPath.
   */
  async mountsFor(container: Container, volumes: PodVolumes, env: EnvVarValue[]): Promise<Mount[]> {
    const out: Mount[] = [];
    const lookup = lookupIn(new Map(env.map((e) => [e.name, e.value])));
    for (const vm of container.volumeMounts ?? []) {
      const vol = volumes.get(vm.name);
      if (!vol) throw new ContainerConfigError(`cannot find volume "${vm.name}" to mount into container "${container.name}"`);
      let hostPath = vol.hostPath;
      const sub = vm.subPathExpr !== undefined ? expand(vm.subPathExpr, lookup) : vm.subPath;
      if (sub) {
        if (sub.startsWith('/') || normalize(sub).split(sep).includes('..')) {
          throw new ContainerConfigError(`failed to prepare subPath for volumeMount "${vm.name}" of container "${container.name}"`);
        }
        hostPath = join(vol.hostPath, sub);
        if (this.opts.podsDir) await this.prepareSubPath(vol.hostPath, hostPath, vm.name, container.name);
      }
      out.push({ containerPath: vm.mountPath, hostPath, readOnly: vm.readOnly === true || vol.readOnly });
    }
    return out;
  }

  private async prepareSubPath(volumePath: string, subPath: string, volume: string, container: string): Promise<void> {
    const err = (): ContainerConfigError => new ContainerConfigError(`failed to prepare subPath for volumeMount "${volume}" of container "${container}"`);
    try {
      await stat(subPath);
    } catch {
      const st = await stat(volumePath).catch(() => undefined);
      if (!st) throw err();
      await mkdir(subPath, { recursive: true, mode: st.mode & 0o7777 });
    }
    const [root, real] = await Promise.all([realpath(volumePath), realpath(subPath)]);
    if (real !== root && !real.startsWith(root + sep)) throw err();
  }

  /**
   * tearDownPod unmounts tmpfs emptyDirs and removes the pod's `volumes` folder (the rest of the pod
   * folder belongs to the runtime); forgets its tokens. Call it once the pod's containers are stopped.
   */
  async tearDownPod(uid: string): Promise<void> {
    for (const k of this.tokens.keys()) if (k.startsWith(`${uid}/`)) this.tokens.delete(k);
    const pod = this.podDir(uid);
    if (!pod) return;
    const dir = join(pod, 'volumes');
    const mounts = (await readFile('/proc/self/mounts', 'utf8').catch(() => ''))
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((p) => p.startsWith(resolve(dir) + sep));
    for (const p of new Set([...mounts, ...[...this.tmpfs].filter((t) => t.startsWith(dir + sep))])) {
      try {
        await run('umount', [p]);
      } catch (err) {
        this.opts.log.warn({ err, path: p }, 'Could not unmount pod volume');
      }
      this.tmpfs.delete(p);
    }
    await rm(dir, { recursive: true, force: true });
    // The pod folder itself goes when nothing else is left in it.
    await rmdir(pod).catch(() => undefined);
  }

  /** podDirUids lists the pods that have a folder under podsDir (volumes or runtime state). */
  async podDirUids(): Promise<string[]> {
    if (!this.opts.podsDir) return [];
    const entries = await readdir(this.opts.podsDir, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  }

  /**
   * removePodDir removes what is left of a pod's folder once the pod is gone for good (upstream's
   * orphaned pod cleanup): volumes first (tmpfs unmounted), then the folder, unless something is still
   * mounted below it (a volume or root filesystem that would not unmount), which is left alone.
   */
  async removePodDir(uid: string): Promise<void> {
    const pod = this.podDir(uid);
    if (!pod || !(await stat(pod).catch(() => undefined))) return;
    await this.tearDownPod(uid);
    if (!(await stat(pod).catch(() => undefined))) return;
    const prefix = resolve(pod) + sep;
    const mounted = (await readFile('/proc/self/mounts', 'utf8').catch(() => ''))
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((p) => p.startsWith(prefix));
    if (mounted.length > 0) {
      this.opts.log.warn({ podUid: uid, mounts: mounted.length }, 'Orphaned pod folder still has mounts, leaving it');
      return;
    }
    await rm(pod, { recursive: true, force: true });
  }
}
