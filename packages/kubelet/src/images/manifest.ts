/**
 * OCI and Docker v2 manifest documents: media types, parsing with checks, and picking the node's platform
 * from an image index (`linux/amd64` here, as containerd's default platform matcher does).
 */
import { ImageError } from './errors.js';

/** Media types the store understands. */
export const mediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
} as const;

/** The Accept header for manifest requests: indexes first, then single-platform manifests. */
export const manifestAccept = [
  mediaTypes.ociIndex,
  mediaTypes.dockerList,
  mediaTypes.ociManifest,
  mediaTypes.dockerManifest,
].join(', ');

const indexTypes = new Set<string>([mediaTypes.ociIndex, mediaTypes.dockerList]);
const manifestTypes = new Set<string>([mediaTypes.ociManifest, mediaTypes.dockerManifest]);
const layerTypes = new Set<string>([
  mediaTypes.ociLayerGzip,
  mediaTypes.ociLayer,
  mediaTypes.dockerLayerGzip,
  mediaTypes.dockerLayer,
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
]);

/** Platform an image index entry is built for. */
export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
}

/** Descriptor points at content by digest (OCI image-spec descriptor). */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

/** ImageIndex is an OCI index or a Docker manifest list. */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** ImageManifest is an OCI image manifest or a Docker v2 schema 2 manifest. */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** ImageConfigFile is the image config blob, reduced to the fields the kubelet uses. */
export interface ImageConfigFile {
  architecture?: string;
  os?: string;
  created?: string;
  config?: {
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Env?: string[] | null;
    WorkingDir?: string;
    User?: string;
    ExposedPorts?: Record<string, unknown> | null;
    StopSignal?: string;
    Labels?: Record<string, string> | null;
  };
  rootfs: { type: string; diff_ids: string[] };
}

/** The node's platform; nanokube nodes are linux/amd64. */
export const defaultPlatform: Platform = { os: 'linux', architecture: 'amd64' };

/** ParsedManifest is a manifest document of either kind. */
export type ParsedManifest = { kind: 'index'; index: ImageIndex } | { kind: 'manifest'; manifest: ImageManifest };

function unsupported(message: string): ImageError {
  return new ImageError('MK_ERR_IMAGE_UNSUPPORTED', message);
}

/**
 * parseManifest parses a manifest document. The media type comes from the response's Content-Type (or the
 * descriptor that pointed here) and falls back to the document's own `mediaType`; schema 1 and unknown
 * types are `MK_ERR_IMAGE_UNSUPPORTED`.
 */
export function parseManifest(bytes: Uint8Array, contentType?: string): ParsedManifest {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ImageError('MK_ERR_IMAGE_INVALID_ARCHIVE', 'manifest is not valid JSON', { cause: err });
  }
  const declared = typeof doc['mediaType'] === 'string' ? doc['mediaType'] : undefined;
  const fromHeader = contentType?.split(';')[0]?.trim();
  let type = fromHeader && fromHeader !== 'application/json' && fromHeader !== 'application/octet-stream' ? fromHeader : declared;
  if (type === undefined) type = Array.isArray(doc['manifests']) ? mediaTypes.ociIndex : mediaTypes.ociManifest;
  if (doc['schemaVersion'] !== 2) throw unsupported(`unsupported manifest schema version ${String(doc['schemaVersion'])} (${type})`);
  if (indexTypes.has(type)) {
    if (!Array.isArray(doc['manifests'])) throw unsupported('image index has no manifests');
    return { kind: 'index', index: { ...(doc as unknown as ImageIndex), mediaType: type } };
  }
  if (manifestTypes.has(type)) {
    const m = doc as unknown as ImageManifest;
    if (typeof m.config?.digest !== 'string' || !Array.isArray(m.layers)) throw unsupported('image manifest lacks config or layers');
    for (const l of m.layers) {
      if (!layerTypes.has(l.mediaType)) throw unsupported(`unsupported layer media type ${l.mediaType}`);
    }
    return { kind: 'manifest', manifest: { ...m, mediaType: type } };
  }
  throw unsupported(`unsupported manifest media type ${type}`);
}

/**
 * selectManifest picks the index entry for platform: exact os/architecture, preferring an entry without a
 * variant or with the requested one, then an entry with no platform at all; attestation entries
 * (`unknown/unknown`) never match.
 * Throws `MK_ERR_IMAGE_NO_PLATFORM` when nothing matches.
 */
export function selectManifest(index: ImageIndex, platform: Platform = defaultPlatform): Descriptor {
  const candidates = index.manifests.filter(
    (d) => manifestTypes.has(d.mediaType) && d.platform?.os === platform.os && d.platform.architecture === platform.architecture,
  );
  const exact = candidates.find((d) => (d.platform?.variant ?? '') === (platform.variant ?? ''));
  // Entries without a platform match any platform, as containerd's matcher treats them; exact ones win.
  const chosen = exact ?? candidates[0] ?? index.manifests.find((d) => manifestTypes.has(d.mediaType) && !d.platform);
  if (!chosen) {
    throw new ImageError(
      'MK_ERR_IMAGE_NO_PLATFORM',
      `no match for platform in manifest: not found (want ${platform.os}/${platform.architecture})`,
    );
  }
  return chosen;
}
