/**
 * Node bootstrap end to end: `nanokube token create` publishes a signed cluster-info, anonymous
 * discovery verifies it with the token and the CA hash (and refuses a wrong hash), and the TLS
 * bootstrap authenticates with the bootstrap token. The test plays the controller-manager's CSR
 * approver and signer.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromKubeconfig, RestClient } from '@nanokube/client';
import { discover, joinNode, joinVerb, parseToken, setupBootstrapToken, tokenVerb } from '@nanokube/kubeadm';
import { loadCA, parseKubeconfig, publicKeyHash, signCSR } from '@nanokube/pki';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, startControlPlane, type ControlPlane } from './harness.js';

let cp: ControlPlane;
let admin: RestClient;

beforeAll(async () => {
  cp = await startControlPlane();
  admin = new RestClient(await configFromKubeconfig(cp.adminConf));
});

afterAll(async () => {
  await admin?.close();
  await cp?.close();
});

interface Csr {
  metadata: { name: string };
  spec: { request: string; signerName: string; username?: string; groups?: string[] };
  status?: { certificate?: string };
}

/** signPendingCsrs approves and signs kubelet client CSRs until stopped (what the controller-manager does). */
function runFakeSigner(signal: AbortSignal): Promise<void> {
  return (async () => {
    const ca = await loadCA(join(cp.dir, 'pki'));
    while (!signal.aborted) {
      const list = await admin.request<{ items: Csr[] }>({ method: 'GET', path: '/apis/certificates.k8s.io/v1/certificatesigningrequests' });
      for (const csr of list.items) {
        if (csr.status?.certificate || csr.spec.signerName !== 'kubernetes.io/kube-apiserver-client-kubelet') continue;
        const cert = await signCSR(ca, Buffer.from(csr.spec.request, 'base64').toString('utf8'), { usages: 'client', validityDays: 1 });
        const base = `/apis/certificates.k8s.io/v1/certificatesigningrequests/${csr.metadata.name}`;
        const approved = { type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'test approver', lastUpdateTime: new Date().toISOString() };
        // The /approval subresource may not be served yet by this apiserver build; signing alone is enough here.
        const after = await admin
          .request<Csr>({ method: 'PUT', path: `${base}/approval`, body: { ...csr, status: { conditions: [approved] } } })
          .catch((err: unknown) => {
            if ((err as { code?: number }).code === 405) return csr;
            throw err;
          });
        await admin.request({ method: 'PUT', path: `${base}/status`, body: { ...after, status: { ...after.status, certificate: Buffer.from(cert).toString('base64') } } });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
}

describe('bootstrap tokens and join', () => {
  let token = '';

  it('creates a never-expiring token and prints the join command', async () => {
    const setup = await setupBootstrapToken({ adminConf: cp.adminConf, ttlMs: 0 });
    token = setup.token;
    const host = new URL(cp.server).host;
    expect(setup.joinCommand).toBe(`nanokube join ${host} --token ${token} --discovery-token-ca-cert-hash ${publicKeyHash(cp.caCert)}`);
    const secret = (await kubectl(cp.adminConf, ['get', 'secret', `bootstrap-token-${parseToken(token).id}`, '-n', 'kube-system', '-o', 'jsonpath={.type}'])).stdout;
    expect(secret).toBe('bootstrap.kubernetes.io/token');
    const keys = Object.keys(JSON.parse((await kubectl(cp.adminConf, ['get', 'cm', 'cluster-info', '-n', 'kube-public', '-o', 'json'])).stdout).data as object);
    expect(keys.sort()).toEqual([`jws-kubeconfig-${parseToken(token).id}`, 'kubeconfig']);
  });

  it('lists tokens with nanokube token list', async () => {
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => (chunks.push(s), true)) as typeof process.stdout.write;
    try {
      expect(await tokenVerb.run(['list', '--kubeconfig', cp.adminConf])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    const lines = chunks.join('').split('\n');
    expect(lines[0]).toMatch(/^TOKEN\s+TTL\s+EXPIRES\s+USAGES\s+DESCRIPTION\s+EXTRA GROUPS$/);
    expect(lines[1]).toMatch(new RegExp(`^${token.replace('.', '\\.')}\\s+<forever>\\s+<never>\\s+authentication,signing\\s+The default bootstrap token`));
  });

  it('discovers the cluster anonymously and refuses a wrong CA hash', async () => {
    const endpoint = new URL(cp.server).host;
    const cluster = await discover({ apiServerEndpoint: endpoint, token, caCertHashes: [publicKeyHash(cp.caCert)], unsafeSkipCAVerification: false });
    expect(cluster.server).toBe(cp.server);
    const wrong = `sha256:${'0'.repeat(64)}`;
    await expect(discover({ apiServerEndpoint: endpoint, token, caCertHashes: [wrong], unsafeSkipCAVerification: false })).rejects.toThrow('none of the public keys');
    await expect(discover({ apiServerEndpoint: endpoint, token: 'zzzzzz.0123456789abcdef', caCertHashes: [publicKeyHash(cp.caCert)], unsafeSkipCAVerification: false })).rejects.toThrow(
      'This token id "zzzzzz" is invalid for this cluster',
    );
  });

  it('nanokube join refuses a wrong CA hash with a clear message and exit code 1', async () => {
    const errs: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (errs.push(s), true)) as typeof process.stderr.write;
    const dir = mkdtempSync(join(tmpdir(), 'nk-join-'));
    let code: number;
    try {
      code = await joinVerb.run([new URL(cp.server).host, '--token', token, '--discovery-token-ca-cert-hash', `sha256:${'a'.repeat(64)}`, '--dir', dir]);
    } finally {
      process.stderr.write = write;
      rmSync(dir, { recursive: true, force: true });
    }
    expect(code).toBe(1);
    expect(errs.join('')).toBe(
      `error execution phase preflight: couldn't validate the identity of the API Server: cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${publicKeyHash(cp.caCert)}" are pinned\n`,
    );
  });

  it('TLS-bootstraps a kubelet credential for system:node:<name>', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nk-join-'));
    const stop = new AbortController();
    const signer = runFakeSigner(stop.signal);
    try {
      const lines: string[] = [];
      const conf = await joinNode({
        apiServerEndpoint: new URL(cp.server).host,
        token,
        caCertHashes: [publicKeyHash(cp.caCert)],
        unsafeSkipCAVerification: false,
        nodeName: 'worker01',
        dir,
        timeoutMs: 20_000,
        pollMs: 200,
        out: (l) => lines.push(l),
      });
      const kc = parseKubeconfig(readFileSync(conf, 'utf8'));
      expect(kc.users[0]?.name).toBe('system:node:worker01');
      const who = await kubectl(conf, ['get', 'nodes']);
      expect(who.code).toBe(0);
      const csrs = (await kubectl(cp.adminConf, ['get', 'csr', '-o', 'jsonpath={.items[*].spec.username}'])).stdout;
      expect(csrs).toContain(`system:bootstrap:${parseToken(token).id}`);
    } finally {
      stop.abort();
      await signer;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
