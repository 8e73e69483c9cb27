/**
 * Turning a verified manifest whose blobs are all in the store into an image: read the config, compute
 * ChainIDs, unpack the layers, and commit the record with its names. Shared by registry pulls and imports.
 */
import type { OciImageConfig } from '../runtime/types.js';
import { chainIds } from './digest.js';
import { ImageError } from './errors.js';
import type { ImageRecord, LayerRecord } from './image-index.js';
import type { ImageConfigFile, ImageManifest } from './manifest.js';
import type { ImageStore } from './store.js';

/** What {@link commitImage} needs. */
export interface CommitImageInput {
  manifestDigest: string;
  manifest: ImageManifest;
  repoTags: string[];
  repoDigests: string[];
  extraBlobs?: string[];
}

/** toOciImageConfig keeps the parts of an image config file a runtime needs. */
export function toOciImageConfig(file: ImageConfigFile): OciImageConfig {
  const c = file.config ?? {};
  const out: OciImageConfig = {};
  if (c.Entrypoint) out.entrypoint = c.Entrypoint;
  if (c.Cmd) out.cmd = c.Cmd;
  if (c.Env) out.env = c.Env;
  if (c.WorkingDir) out.workingDir = c.WorkingDir;
  if (c.User) out.user = c.User;
  if (c.ExposedPorts) out.exposedPorts = c.ExposedPorts;
  if (c.StopSignal) out.stopSignal = c.StopSignal;
  if (c.Labels) out.labels = c.Labels;
  return out;
}

/** readConfig parses the config blob of manifest from the store and checks it matches the layers. */
export async function readConfig(store: ImageStore, manifest: ImageManifest): Promise<ImageConfigFile> {
  let file: ImageConfigFile;
  try {
    file = JSON.parse((await store.readBlob(manifest.config.digest)).toString('utf8')) as ImageConfigFile;
  } catch (err) {
    throw new ImageError('MK_ERR_IMAGE_INVALID_ARCHIVE', `image config ${manifest.config.digest} is not valid JSON`, { cause: err });
  }
  const diffIds = file.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new ImageError(
      'MK_ERR_IMAGE_INVALID_ARCHIVE',
      `mismatched image rootfs and manifest layers: ${diffIds.length} diff ids, ${manifest.layers.length} layers`,
    );
  }
  return file;
}

/** commitImage unpacks the manifest's layers and records the image in images.json. */
export async function commitImage(store: ImageStore, input: CommitImageInput): Promise<ImageRecord> {
  const file = await readConfig(store, input.manifest);
  const chains = chainIds(file.rootfs.diff_ids);
  const layers: LayerRecord[] = input.manifest.layers.map((d, i) => ({
    digest: d.digest,
    mediaType: d.mediaType,
    size: d.size,
    diffId: file.rootfs.diff_ids[i] ?? '',
    chainId: chains[i] ?? '',
  }));
  await store.unpackLayers(layers);
  return store.commit({
    id: input.manifest.config.digest,
    repoTags: input.repoTags,
    repoDigests: input.repoDigests,
    manifestDigest: input.manifestDigest,
    layers,
    config: toOciImageConfig(file),
    size: input.manifest.config.size + layers.reduce((n, l) => n + l.size, 0),
    ...(file.created ? { created: file.created } : {}),
    ...(input.extraBlobs?.length ? { extraBlobs: input.extraBlobs } : {}),
  });
}
