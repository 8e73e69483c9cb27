/**
 * Pulling from registries: resolve the reference to a manifest (through an image index for multi-platform
 * images), verify every document and blob by digest, store, unpack, commit. Concurrent pulls of the same
 * reference share one pull. Failures keep their {@link ImageError} code and read as containerd's
 * (`failed to pull and unpack image "docker.io/library/nginx:1.17.23": failed to resolve reference ...`).
 */
import { sha256Digest, digestMismatch } from './digest.js';
import { ImageError } from './errors.js';
import type { ImageRecord } from './image-index.js';
import { commitImage } from './image-record.js';
import { defaultPlatform, parseManifest, selectManifest, type Descriptor, type ImageManifest, type Platform } from './manifest.js';
import { digestString, parseImageReference, referenceString, tagString, type ImageReference } from './reference.js';
import type { RegistryClient, RequestContext } from './registry-client.js';
import type { ImageStore } from './store.js';

/** Puller pulls images from registries into one store. */
export class Puller {
  private readonly inflight = new Map<string, Promise<ImageRecord>>();

  constructor(
    private readonly store: ImageStore,
    private readonly client: RegistryClient,
    private readonly platform: Platform = defaultPlatform,
  ) {}

  /** pull fetches image (any reference Docker accepts) and returns the stored record. */
  pull(image: string, ctx: RequestContext = {}): Promise<ImageRecord> {
    const ref = parseImageReference(image);
    const key = referenceString(ref);
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.store.track(() => this.pullRef(ref, key, ctx)).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async pullRef(ref: ImageReference, display: string, ctx: RequestContext): Promise<ImageRecord> {
    const prefix = `failed to pull and unpack image "${display}"`;
    let resolved: { digest: string; manifestDigest: string; manifest: ImageManifest; extra: string[] };
    try {
      resolved = await this.resolve(ref, display, ctx);
    } catch (err) {
      throw wrap(err, `${prefix}: failed to resolve reference "${display}"`);
    }
    try {
      const { manifest } = resolved;
      await Promise.all([manifest.config, ...manifest.layers].map((d) => this.fetchBlob(ref, d, ctx)));
      const tag = tagString(ref);
      return await commitImage(this.store, {
        manifestDigest: resolved.manifestDigest,
        manifest,
        repoTags: tag ? [tag] : [],
        repoDigests: [digestString(ref, resolved.digest)],
        extraBlobs: resolved.extra,
      });
    } catch (err) {
      throw wrap(err, prefix);
    }
  }

  /** resolve fetches the tag's (or digest's) manifest, descending through an index to the node's platform. */
  private async resolve(ref: ImageReference, display: string, ctx: RequestContext) {
    const top = await this.fetchManifest(ref, ref.digest ?? ref.tag ?? 'latest', ref.digest, ctx, display);
    if (top.parsed.kind === 'manifest') {
      return { digest: top.digest, manifestDigest: top.digest, manifest: top.parsed.manifest, extra: [] as string[] };
    }
    const desc = selectManifest(top.parsed.index, this.platform);
    const child = await this.fetchManifest(ref, desc.digest, desc.digest, ctx, display);
    if (child.parsed.kind !== 'manifest') {
      throw new ImageError('MK_ERR_IMAGE_UNSUPPORTED', `nested image index ${desc.digest} is not supported`);
    }
    return { digest: top.digest, manifestDigest: child.digest, manifest: child.parsed.manifest, extra: [top.digest] };
  }

  private async fetchManifest(ref: ImageReference, reference: string, expected: string | undefined, ctx: RequestContext, display: string) {
    const got = await this.client.getManifest(ref, reference, ctx, display);
    const digest = sha256Digest(got.bytes);
    if (expected !== undefined && digest !== expected) throw digestMismatch(`manifest-${expected}`, expected, digest);
    if (got.headerDigest !== undefined && got.headerDigest !== digest) {
      throw digestMismatch(`manifest-${got.headerDigest}`, got.headerDigest, digest);
    }
    const parsed = parseManifest(got.bytes, got.contentType);
    await this.store.putBlob(got.bytes, digest);
    return { digest, parsed };
  }

  private async fetchBlob(ref: ImageReference, desc: Descriptor, ctx: RequestContext): Promise<void> {
    if (await this.store.hasBlob(desc.digest)) return;
    const body = await this.client.fetchBlob(ref, desc.digest, ctx);
    await this.store.writeBlob(body, { digest: desc.digest, size: desc.size });
  }
}

/**
 * wrap prefixes err's message with context while keeping its code (containerd nests messages the same way);
 * stray errors (a connection dropped mid-blob) become `MK_ERR_IMAGE_REGISTRY`, aborts pass through.
 */
function wrap(err: unknown, context: string): unknown {
  if (err instanceof ImageError) return new ImageError(err.code, `${context}: ${err.message}`, { cause: err });
  if (err instanceof Error && err.name === 'AbortError') return err;
  return new ImageError('MK_ERR_IMAGE_REGISTRY', `${context}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
