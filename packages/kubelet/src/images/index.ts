/**
 * OCI images for the kubelet: registry pulls, tarball imports, the node's content-addressed store and
 * overlayfs container root filesystems. Each file's header states its guarantees. `LocalImageService` is the
 * kubelet's ImageService, `imageVerb` the `nanokube image` command.
 */
export { ImageError, isImageError, grpcCodeOf, type ImageErrorCode } from './errors.js';
export {
  parseImageReference,
  referenceString,
  repositoryName,
  familiarString,
  type ImageReference,
} from './reference.js';
export { mediaTypes, parseManifest, selectManifest, defaultPlatform, type Descriptor, type ImageIndex, type ImageManifest, type Platform } from './manifest.js';
export { chainIds, sha256Digest } from './digest.js';
export { ImageStore, defaultImageRoot, type ImageLease } from './store.js';
export type { ImageRecord, LayerRecord } from './image-index.js';
export { RegistryClient, type RegistryClientOptions } from './registry-client.js';
export { Puller } from './puller.js';
export { importArchive, type ImportOptions } from './import.js';
export { prepareRootfs, isMounted, type PreparedRootfs } from './rootfs.js';
export { LocalImageService, type LocalImageServiceOptions } from './service.js';
export { startRegistryServer, type RegistryServer, type RegistryServerOptions } from './registry-server.js';
export { imageVerb, runImageCommand, formatImageTable } from './verb.js';
