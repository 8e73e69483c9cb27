/**
 * LocalImageService is the kubelet's {@link ImageService} on a node's content-addressed store: pull policy
 * as upstream's image manager applies it, pulls from registries (or a mirror), imports, and container root
 * filesystems. Errors the user must see are {@link ImagePullError}s in the kubelet's words.
 */
import type { Dispatcher } from 'undici';
import { ImagePullError, type ImageInfo, type ImageService, type PullPolicy, type RegistryAuth } from '../runtime/types.js';
import { grpcCodeOf, isImageError } from './errors.js';
import type { ImageRecord } from './image-index.js';
import { importArchive, type ImportOptions } from './import.js';
import { defaultPlatform, type Platform } from './manifest.js';
import { Puller } from './puller.js';
import { parseImageReference } from './reference.js';
import { RegistryClient } from './registry-client.js';
import { prepareRootfs, type PreparedRootfs } from './rootfs.js';
import { defaultImageRoot, ImageStore } from './store.js';

/** Options of {@link LocalImageService.open}. */
export interface LocalImageServiceOptions {
  /** Store root; default `/var/lib/nanokube/images`. */
  root?: string;
  /**
   * Registry base URLs by host, like containerd's registry mirrors: `{ 'docker.io': 'http://192.168.56.1:5000' }`
   * makes `nginx` pull from that mirror.
   */
  endpoints?: Record<string, string>;
  platform?: Platform;
  dispatcher?: Dispatcher;
}

/** LocalImageService implements the kubelet's ImageService; see the module comment. */
export class LocalImageService implements ImageService {
  private readonly puller: Puller;

  private constructor(
    readonly store: ImageStore,
    private readonly client: RegistryClient,
    platform: Platform,
  ) {
    this.puller = new Puller(store, client, platform);
  }

  /** open opens (creating if needed) the store at opts.root. */
  static async open(opts: LocalImageServiceOptions = {}): Promise<LocalImageService> {
    const store = await ImageStore.open(opts.root ?? defaultImageRoot);
    const client = new RegistryClient({
      ...(opts.endpoints ? { endpoints: opts.endpoints } : {}),
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    });
    return new LocalImageService(store, client, opts.platform ?? defaultPlatform);
  }

  /**
   * ensureImage applies the pull policy as the kubelet's image manager does: `Never` uses only the local
   * image (`ErrImageNeverPull`), `IfNotPresent` pulls when missing, `Always` pulls every time. Bad
   * references are `InvalidImageName`; failed pulls `ErrImagePull` with upstream's message.
   */
  async ensureImage(ref: string, opts: { pullPolicy: PullPolicy; auth?: RegistryAuth[]; signal?: AbortSignal }): Promise<ImageInfo> {
    try {
      parseImageReference(ref);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new ImagePullError('InvalidImageName', `Failed to apply default image tag "${ref}": couldn't parse image name "${ref}": ${why}`, {
        cause: err,
      });
    }
    const local = await this.store.find(ref);
    if (opts.pullPolicy === 'Never' || (opts.pullPolicy === 'IfNotPresent' && local)) {
      if (local) return this.toInfo(local);
      throw new ImagePullError('ErrImageNeverPull', `Container image "${ref}" is not present with pull policy of Never`);
    }
    try {
      return this.toInfo(await this.puller.pull(ref, { ...(opts.auth ? { auth: opts.auth } : {}), ...(opts.signal ? { signal: opts.signal } : {}) }));
    } catch (err) {
      if (!isImageError(err)) throw err;
      throw new ImagePullError('ErrImagePull', `Failed to pull image "${ref}": rpc error: code = ${grpcCodeOf(err)} desc = ${err.message}`, {
        cause: err,
      });
    }
  }

  /** pull fetches ref from its registry regardless of what is present (`nanokube image pull`). */
  async pull(ref: string, opts: { auth?: RegistryAuth[]; signal?: AbortSignal } = {}): Promise<ImageInfo> {
    return this.toInfo(await this.puller.pull(ref, opts));
  }

  async status(ref: string): Promise<ImageInfo | undefined> {
    const record = await this.store.find(ref).catch((err: unknown) => {
      if (isImageError(err, 'MK_ERR_IMAGE_INVALID_REFERENCE')) return undefined;
      throw err;
    });
    return record && this.toInfo(record);
  }

  async list(): Promise<ImageInfo[]> {
    return (await this.store.list()).map((r) => this.toInfo(r));
  }

  /** remove deletes the image ref names (all its tags) and the content only it used. */
  async remove(ref: string): Promise<void> {
    await this.store.remove(ref);
  }

  /** importArchive loads an OCI layout or `docker save` tarball (see import.ts). */
  async importArchive(file: string, opts: ImportOptions = {}): Promise<ImageInfo[]> {
    return (await importArchive(this.store, file, opts)).map((r) => this.toInfo(r));
  }

  /** prepareRootfs mounts a container root filesystem of image under containerDir (see rootfs.ts). */
  prepareRootfs(image: string, containerDir: string): Promise<PreparedRootfs> {
    return prepareRootfs(this.store, image, containerDir);
  }

  /** close releases registry connections. */
  async close(): Promise<void> {
    await this.client.close();
  }

  private toInfo(r: ImageRecord): ImageInfo {
    return {
      id: r.id,
      repoTags: [...r.repoTags],
      repoDigests: [...r.repoDigests],
      rootfsLayers: r.layers.map((l) => this.store.layerDir(l.chainId)),
      config: structuredClone(r.config),
      sizeBytes: r.size,
    };
  }
}
