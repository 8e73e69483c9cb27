import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isBadRequest } from '../errors/status.js';
import { decodeKubernetesProtobuf, isKubernetesProtobuf } from './decode.js';

// Fixtures: real kubectl 1.32 request bodies captured by fixtures/capture.mjs (commands in
// fixtures/commands.json); <name>.json is what the same command prints with --dry-run=client -o json.
const dir = fileURLToPath(new URL('./fixtures/', import.meta.url));
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.bin'))
  .map((f) => f.slice(0, -4));
const withJson = names.filter((n) => readdirSync(dir).includes(`${n}.json`));

describe('decodeKubernetesProtobuf', () => {
  it('has fixtures for every generator kind', () => {
    expect(withJson.length).toBeGreaterThanOrEqual(25);
  });

  it.each(withJson.map((name) => ({ name })))('decodes $name exactly as kubectl renders it as JSON', ({ name }) => {
    const body = readFileSync(`${dir}${name}.bin`);
    const want: unknown = JSON.parse(readFileSync(`${dir}${name}.json`, 'utf8'));
    expect(isKubernetesProtobuf(body)).toBe(true);
    expect(decodeKubernetesProtobuf(body)).toEqual(want);
  });

  it('decodes a TokenRequest from kubectl create token', () => {
    const got = decodeKubernetesProtobuf(readFileSync(`${dir}token.bin`));
    expect(got).toMatchObject({
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      spec: { audiences: ['a', 'b'], expirationSeconds: 600 },
    });
  });

  it('decodes a bound TokenRequest', () => {
    const got = decodeKubernetesProtobuf(readFileSync(`${dir}token-bound.bin`));
    expect(got['spec']).toMatchObject({ boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1', uid: '123' } });
  });

  it.each([
    { name: 'empty body', body: new Uint8Array() },
    { name: 'JSON body', body: new TextEncoder().encode('{"kind":"Pod"}') },
    { name: 'truncated envelope', body: Uint8Array.of(0x6b, 0x38, 0x73, 0x00, 0x0a, 0x20, 0x0a) },
    { name: 'unknown kind', body: Uint8Array.of(0x6b, 0x38, 0x73, 0x00, 0x0a, 0x09, 0x0a, 0x02, 0x76, 0x31, 0x12, 0x03, 0x46, 0x6f, 0x6f) },
  ])('rejects $name with BadRequest', ({ body }) => {
    expect(() => decodeKubernetesProtobuf(body)).toThrow();
    try {
      decodeKubernetesProtobuf(body);
    } catch (e) {
      expect(isBadRequest(e)).toBe(true);
    }
  });
});
