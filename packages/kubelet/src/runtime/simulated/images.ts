/**
 * The simulated image service: every image "exists" and is "pulled" at once, with stable made-up
 * digests derived from the normalised reference, so `containerStatuses[].imageID` looks like a real one.
 */
import { createHash } from 'node:crypto';
import type { ImageInfo, ImageService, PullPolicy } from '../types.js';

/**
 * normalizeImageRef expands a short reference the way containerd reports it: `nginx` →
 * `docker.io/library/nginx:latest`, `me/app:1` → `docker.io/me/app:1`.
 */
export function normalizeImageRef(ref: string): string {
  let name = ref;
  let suffix = '';
  const at = name.indexOf('@');
  if (at >= 0) {
    suffix = name.slice(at);
    name = name.slice(0, at);
  }
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasDomain = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasDomain) name = `docker.io/${slash < 0 ? `library/${name}` : name}`;
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  if (!suffix && !lastSegment.includes(':')) name += ':latest';
  return name + suffix;
}

function digest(s: string): string {
  return `sha256:${createHash('sha256').update(s).digest('hex')}`;
}

/** SimulatedImageService answers every ensureImage with a synthetic image and remembers it. */
export class SimulatedImageService implements ImageService {
  private readonly images = new Map<string, ImageInfo>();

  async ensureImage(ref: string, _opts: { pullPolicy: PullPolicy }): Promise<ImageInfo> {
    const normalized = normalizeImageRef(ref);
    let info = this.images.get(normalized);
    if (!info) {
      const repo = normalized.replace(/[:@][^/]*$/, '');
      info = {
        id: digest(`config:${normalized}`),
        repoTags: [normalized],
        repoDigests: [`${repo}@${digest(`manifest:${normalized}`)}`],
        rootfsLayers: [],
        config: {},
        sizeBytes: 0,
      };
      this.images.set(normalized, info);
    }
    return info;
  }

  async status(ref: string): Promise<ImageInfo | undefined> {
    return this.images.get(normalizeImageRef(ref));
  }

  async list(): Promise<ImageInfo[]> {
    return [...this.images.values()];
  }

  async remove(ref: string): Promise<void> {
    this.images.delete(normalizeImageRef(ref));
  }
}
