import { describe, expect, it } from 'vitest';
import { isImageError } from './errors.js';
import { mediaTypes, parseManifest, selectManifest, type Descriptor, type ImageIndex } from './manifest.js';

const d = (n: string, platform?: Descriptor['platform'], mediaType: string = mediaTypes.ociManifest): Descriptor => ({
  mediaType,
  digest: `sha256:${n.repeat(64)}`,
  size: 1,
  ...(platform ? { platform } : {}),
});

const index = (manifests: Descriptor[]): ImageIndex => ({ schemaVersion: 2, mediaType: mediaTypes.ociIndex, manifests });

describe('selectManifest', () => {
  it('picks linux/amd64 among platforms and skips attestations', () => {
    const chosen = selectManifest(
      index([
        d('1', { os: 'linux', architecture: 'arm64', variant: 'v8' }),
        d('2', { os: 'unknown', architecture: 'unknown' }),
        d('3', { os: 'linux', architecture: 'amd64' }),
        d('4', { os: 'windows', architecture: 'amd64' }),
      ]),
    );
    expect(chosen.digest).toBe(`sha256:${'3'.repeat(64)}`);
  });

  it('accepts Docker manifest list entries', () => {
    const chosen = selectManifest(index([d('5', { os: 'linux', architecture: 'amd64' }, mediaTypes.dockerManifest)]));
    expect(chosen.digest).toBe(`sha256:${'5'.repeat(64)}`);
  });

  it('falls back to an entry without a platform', () => {
    expect(selectManifest(index([d('6')])).digest).toBe(`sha256:${'6'.repeat(64)}`);
  });

  it('fails with MK_ERR_IMAGE_NO_PLATFORM when no entry fits', () => {
    expect(() => selectManifest(index([d('7', { os: 'linux', architecture: 's390x' })]))).toThrow(/no match for platform/);
  });
});

describe('parseManifest', () => {
  const manifest = { schemaVersion: 2, config: d('a', undefined, mediaTypes.dockerConfig), layers: [d('b', undefined, mediaTypes.dockerLayerGzip)] };

  it('takes the media type from the Content-Type header', () => {
    const parsed = parseManifest(Buffer.from(JSON.stringify(manifest)), `${mediaTypes.dockerManifest}; charset=utf-8`);
    expect(parsed.kind).toBe('manifest');
    if (parsed.kind === 'manifest') expect(parsed.manifest.mediaType).toBe(mediaTypes.dockerManifest);
  });

  it('recognises a Docker manifest list from its mediaType field', () => {
    const list = { schemaVersion: 2, mediaType: mediaTypes.dockerList, manifests: [] };
    expect(parseManifest(Buffer.from(JSON.stringify(list))).kind).toBe('index');
  });

  it('rejects schema 1 manifests', () => {
    let caught: unknown;
    try {
      parseManifest(Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'x' })), 'application/vnd.docker.distribution.manifest.v1+prettyjws');
    } catch (err) {
      caught = err;
    }
    expect(isImageError(caught, 'MK_ERR_IMAGE_UNSUPPORTED')).toBe(true);
  });

  it('rejects zstd layers by media type', () => {
    const zstd = { ...manifest, mediaType: mediaTypes.ociManifest, layers: [d('c', undefined, 'application/vnd.oci.image.layer.v1.tar+zstd')] };
    expect(() => parseManifest(Buffer.from(JSON.stringify(zstd)))).toThrow(/unsupported layer media type/);
  });
});
