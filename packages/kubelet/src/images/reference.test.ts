import { describe, expect, it } from 'vitest';
import { isImageError } from './errors.js';
import { familiarString, parseImageReference, referenceString } from './reference.js';

const hex = 'a'.repeat(64);

describe('parseImageReference', () => {
  it.each([
    { name: 'bare official image', input: 'nginx', want: 'docker.io/library/nginx:latest' },
    { name: 'official image with tag', input: 'nginx:1.14', want: 'docker.io/library/nginx:1.14' },
    { name: 'user repository', input: 'bitnami/redis:7.2', want: 'docker.io/bitnami/redis:7.2' },
    { name: 'legacy index host', input: 'index.docker.io/library/busybox', want: 'docker.io/library/busybox:latest' },
    { name: 'explicit docker.io single component', input: 'docker.io/nginx', want: 'docker.io/library/nginx:latest' },
    { name: 'registry with port and digest', input: `registry:5000/x/y@sha256:${hex}`, want: `registry:5000/x/y@sha256:${hex}` },
    { name: 'tag and digest', input: `nginx:1.14@sha256:${hex}`, want: `docker.io/library/nginx:1.14@sha256:${hex}` },
    { name: 'localhost registry', input: 'localhost/app', want: 'localhost/app:latest' },
    { name: 'dotted host', input: 'quay.io/coreos/etcd:v3.5', want: 'quay.io/coreos/etcd:v3.5' },
    { name: 'ip and port', input: '127.0.0.1:5000/busybox:1.35.0', want: '127.0.0.1:5000/busybox:1.35.0' },
    { name: 'separators', input: 'a_b__c-d--e/f.g', want: 'docker.io/a_b__c-d--e/f.g:latest' },
  ])('normalises $name', ({ input, want }) => {
    expect(referenceString(parseImageReference(input))).toBe(want);
  });

  it.each([
    { name: 'upper-case repository', input: 'NGINX', message: 'invalid reference format: repository name (library/NGINX) must be lowercase' },
    { name: '64-hex name', input: hex, message: `invalid repository name (${hex}), cannot specify 64-byte hexadecimal strings` },
    { name: 'empty', input: '', message: 'invalid reference format' },
    { name: 'bad tag', input: 'nginx:-bad', message: 'invalid reference format' },
    { name: 'double slash', input: 'a//b', message: 'invalid reference format' },
    { name: 'trailing colon', input: 'nginx:', message: 'invalid reference format' },
  ])('rejects $name', ({ input, message }) => {
    let caught: unknown;
    try {
      parseImageReference(input);
    } catch (err) {
      caught = err;
    }
    expect(isImageError(caught, 'MK_ERR_IMAGE_INVALID_REFERENCE')).toBe(true);
    expect((caught as Error).message).toBe(message);
  });

  it('treats an upper-case first component as a registry host, as Docker does', () => {
    expect(parseImageReference('Registry/app').domain).toBe('Registry');
  });

  it('gives no default tag when a digest is pinned', () => {
    const ref = parseImageReference(`busybox@sha256:${hex}`);
    expect(ref.tag).toBeUndefined();
    expect(ref.digest).toBe(`sha256:${hex}`);
  });
});

describe('familiarString', () => {
  it.each([
    ['docker.io/library/nginx:1.14', 'nginx:1.14'],
    ['docker.io/bitnami/redis:7', 'bitnami/redis:7'],
    ['quay.io/x/y:1', 'quay.io/x/y:1'],
  ])('shortens %s to %s', (input, want) => {
    expect(familiarString(input)).toBe(want);
  });
});
