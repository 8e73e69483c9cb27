import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPkiError } from './errors.js';
import { buildKubeconfig, loadKubeconfig, mergeKubeconfig, readKubeconfig, writeKubeconfig } from './kubeconfig.js';

const caPem = '-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n';
const certPem = '-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n';
const keyPem = '-----BEGIN EC PRIVATE KEY-----\nS0VZ\n-----END EC PRIVATE KEY-----\n';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nk-kubeconfig-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('kubeconfig round trip', () => {
  it('writes a 0600 file that loads back to the same credentials', async () => {
    const kc = buildKubeconfig({ clusterName: 'kubernetes', server: 'https://127.0.0.1:6443', caPem, userName: 'kubernetes-admin', clientCertPem: certPem, clientKeyPem: keyPem });
    const path = join(dir, 'admin.conf');
    await writeKubeconfig(path, kc);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await loadKubeconfig(path)).toEqual({
      contextName: 'kubernetes-admin@kubernetes',
      clusterName: 'kubernetes',
      userName: 'kubernetes-admin',
      server: 'https://127.0.0.1:6443',
      caPem,
      insecureSkipTlsVerify: false,
      clientCertPem: certPem,
      clientKeyPem: keyPem,
      namespace: 'default',
    });
  });

  it('carries a token and a namespace', async () => {
    const path = join(dir, 'tok.conf');
    await writeKubeconfig(path, buildKubeconfig({ clusterName: 'c', server: 'https://h:1', caPem, userName: 'bot', token: 'abc.def', contextName: 'ctx', namespace: 'team' }));
    expect(await loadKubeconfig(path)).toMatchObject({ contextName: 'ctx', token: 'abc.def', namespace: 'team' });
  });

  it('reads file references relative to the kubeconfig folder, and tokenFile', async () => {
    await writeFile(join(dir, 'ca.crt'), caPem);
    await writeFile(join(dir, 'me.crt'), certPem);
    await writeFile(join(dir, 'me.key'), keyPem);
    await writeFile(join(dir, 'token'), 'secret-token\n');
    const doc = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://h:6443', 'certificate-authority': 'ca.crt' } }],
      users: [
        { name: 'u', user: { 'client-certificate': './me.crt', 'client-key': join(dir, 'me.key') } },
        { name: 't', user: { tokenFile: 'token' } },
      ],
      contexts: [
        { name: 'one', context: { cluster: 'c', user: 'u' } },
        { name: 'two', context: { cluster: 'c', user: 't', namespace: 'kube-system' } },
      ],
      'current-context': 'one',
    };
    const path = join(dir, 'config');
    await writeFile(path, yaml.dump(doc));
    expect(await loadKubeconfig(path)).toMatchObject({ caPem, clientCertPem: certPem, clientKeyPem: keyPem });
    expect(await loadKubeconfig(path, { context: 'two' })).toMatchObject({ token: 'secret-token', namespace: 'kube-system', userName: 't' });
  });

  it('reports a missing context as MK_ERR_PKI_INVALID_KUBECONFIG', async () => {
    const path = join(dir, 'x.conf');
    await writeKubeconfig(path, buildKubeconfig({ clusterName: 'c', server: 'https://h:1', caPem, userName: 'u', token: 't' }));
    await expect(loadKubeconfig(path, { context: 'nope' })).rejects.toSatisfy((e) => isPkiError(e, 'MK_ERR_PKI_INVALID_KUBECONFIG'));
  });
});

describe('mergeKubeconfig', () => {
  it('creates the target when it does not exist', async () => {
    const path = join(dir, 'sub', 'config');
    await mergeKubeconfig(path, buildKubeconfig({ clusterName: 'lab', server: 'https://192.168.56.10:6443', caPem, userName: 'admin', token: 't', contextName: 'nanokube-lab' }), { setCurrent: false });
    expect(await loadKubeconfig(path)).toMatchObject({ contextName: 'nanokube-lab', server: 'https://192.168.56.10:6443' });
  });

  it('replaces entries of the same name, keeps the others and their extra fields', async () => {
    const path = join(dir, 'config');
    const existing = buildKubeconfig({ clusterName: 'prod', server: 'https://prod:6443', caPem, userName: 'me', token: 'p', contextName: 'prod' });
    existing['clusters'].push({ name: 'lab', cluster: { server: 'https://old:6443' } });
    existing['extensions'] = [{ name: 'keep-me', extension: { a: 1 } }];
    await writeKubeconfig(path, existing);

    const lab = buildKubeconfig({ clusterName: 'lab', server: 'https://192.168.56.10:6443', caPem, userName: 'lab-admin', clientCertPem: certPem, clientKeyPem: keyPem, contextName: 'nanokube-lab' });
    await mergeKubeconfig(path, lab, { setCurrent: false });
    let merged = await readKubeconfig(path);
    expect(merged['current-context']).toBe('prod');
    expect(merged.clusters.map((c) => [c.name, c.cluster.server])).toEqual([
      ['prod', 'https://prod:6443'],
      ['lab', 'https://192.168.56.10:6443'],
    ]);
    expect(merged.users.map((u) => u.name)).toEqual(['me', 'lab-admin']);
    expect(merged.contexts.map((c) => c.name)).toEqual(['prod', 'nanokube-lab']);
    expect(merged['extensions']).toEqual([{ name: 'keep-me', extension: { a: 1 } }]);

    await mergeKubeconfig(path, lab, { setCurrent: true });
    merged = await readKubeconfig(path);
    expect(merged['current-context']).toBe('nanokube-lab');
    expect(merged.contexts).toHaveLength(2);
    expect(await loadKubeconfig(path)).toMatchObject({ userName: 'lab-admin', clientKeyPem: keyPem });
  });
});
