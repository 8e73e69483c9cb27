import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { WebSocket } from 'ws';
import { generateCA, issueCertificate, parseCertificate, type CertKeyPair } from '@nanokube/pki';
import type { Kubelet } from '../kubelet.js';
import { KubeletAuth, type KubeletAuthReviewer, type KubeletRequestAttributes, type KubeletUser } from './auth.js';
import { startKubeletServer } from './server.js';

const kubelet = { nodeName: 'n1', pods: () => [], findPod: () => undefined, runtime: {} } as unknown as Kubelet;
const log = { warn: () => undefined, info: () => undefined } as never;

/** A reviewer with RBAC-like answers: admins may do anything; `reader` only GET stats; one good token. */
class FakeReviewer implements KubeletAuthReviewer {
  sars: { user: string; node: string; attrs: KubeletRequestAttributes }[] = [];
  tokens = 0;
  async tokenReview(token: string): Promise<{ user?: KubeletUser }> {
    this.tokens++;
    return token === 'good-token' ? { user: { name: 'system:serviceaccount:kube-system:metrics-server', groups: ['system:serviceaccounts'] } } : {};
  }
  async subjectAccessReview(user: KubeletUser, node: string, attrs: KubeletRequestAttributes): Promise<{ allowed: boolean }> {
    this.sars.push({ user: user.name, node, attrs });
    if (user.groups.includes('system:masters')) return { allowed: true };
    if (user.name === 'reader' || user.name.startsWith('system:serviceaccount:')) return { allowed: attrs.subresource === 'stats' && attrs.verb === 'get' };
    return { allowed: false };
  }
}

describe('kubelet server authentication and authorization', () => {
  let server: Server;
  let port = 0;
  let apiserver: CertKeyPair;
  let reader: CertKeyPair;
  let mallory: CertKeyPair;
  let foreign: CertKeyPair;
  const reviewer = new FakeReviewer();
  const agents: Agent[] = [];

  beforeAll(async () => {
    const ca = await generateCA('kubernetes');
    const otherCa = await generateCA('kubernetes');
    apiserver = await issueCertificate({ ca, cn: 'kube-apiserver-kubelet-client', orgs: ['system:masters'], usages: 'client' });
    reader = await issueCertificate({ ca, cn: 'reader', usages: 'client' });
    mallory = await issueCertificate({ ca, cn: 'mallory', orgs: ['developers'], usages: 'client' });
    foreign = await issueCertificate({ ca: otherCa, cn: 'kube-apiserver-kubelet-client', orgs: ['system:masters'], usages: 'client' });
    const auth = new KubeletAuth({ nodeName: 'n1', reviewer, log });
    server = await startKubeletServer({ kubelet, host: '127.0.0.1', port: 0, nodeIp: '127.0.0.1', clientCaPem: ca.certPem, auth, log });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.close();
    await Promise.all(agents.map((a) => a.close()));
  });

  async function get(path: string, client?: CertKeyPair, token?: string): Promise<{ status: number; body: string }> {
    const agent = new Agent({ connect: { rejectUnauthorized: false, ...(client ? { cert: client.certPem, key: client.keyPem } : {}) } });
    agents.push(agent);
    const res = await request(`https://127.0.0.1:${port}${path}`, { dispatcher: agent, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
    return { status: res.statusCode, body: await res.body.text() };
  }

  it('serves /healthz without credentials', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok' });
  });

  it('answers 401 without credentials, with a certificate of another CA or a bad token', async () => {
    expect(await get('/pods')).toEqual({ status: 401, body: 'Unauthorized\n' });
    expect((await get('/stats/summary', foreign)).status).toBe(401);
    expect((await get('/pods', undefined, 'bad-token')).status).toBe(401);
  });

  it('asks a SubjectAccessReview of nodes/<subresource> named after the node', async () => {
    expect((await get('/pods', apiserver)).status).toBe(200);
    expect(reviewer.sars.at(-1)).toEqual({ user: 'kube-apiserver-kubelet-client', node: 'n1', attrs: { verb: 'get', subresource: 'proxy' } });
  });

  it('answers 403 in upstream words when the review denies', async () => {
    expect(await get('/pods', mallory)).toEqual({ status: 403, body: 'Forbidden (user=mallory, verb=get, resource=nodes, subresource=proxy)\n' });
    const r = await get('/stats/summary', reader);
    expect(r.status).not.toBe(403);
    expect((await get('/containerLogs/default/web/c', reader)).status).toBe(403);
  });

  it('authenticates bearer tokens with a TokenReview and caches the answer', async () => {
    const before = reviewer.tokens;
    expect((await get('/stats/summary', undefined, 'good-token')).status).not.toBe(401);
    expect((await get('/pods', undefined, 'good-token')).body).toBe('Forbidden (user=system:serviceaccount:kube-system:metrics-server, verb=get, resource=nodes, subresource=proxy)\n');
    expect(reviewer.tokens - before).toBe(1);
  });

  it('refuses WebSocket upgrades before the streaming handler runs', async () => {
    const status = (client?: CertKeyPair): Promise<number> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`wss://127.0.0.1:${port}/exec/default/web/c?command=id`, ['v5.channel.k8s.io'], {
          rejectUnauthorized: false,
          ...(client ? { cert: client.certPem, key: client.keyPem } : {}),
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => reject(new Error('upgrade accepted')));
        ws.on('error', reject);
      });
    expect(await status()).toBe(401);
    expect(await status(mallory)).toBe(403);
    // An authorized client reaches the streaming handler, which does not know the pod.
    expect(await status(apiserver)).toBe(404);
  });
});

describe('kubelet server with a serving certificate source', () => {
  function servedSerial(port: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        resolve(s.getPeerCertificate().serialNumber.toLowerCase());
        s.end();
      });
      s.on('error', reject);
    });
  }

  it('fails handshakes until a certificate is issued, then serves each new one', async () => {
    const ca = await generateCA('kubernetes');
    const listeners: ((p: CertKeyPair) => void)[] = [];
    let current: CertKeyPair | undefined;
    const source = { current: () => current, onChange: (cb: (p: CertKeyPair) => void) => void listeners.push(cb) };
    const auth = new KubeletAuth({ nodeName: 'n1', reviewer: new FakeReviewer(), log });
    const server = await startKubeletServer({ kubelet, host: '127.0.0.1', port: 0, nodeIp: '127.0.0.1', clientCaPem: ca.certPem, auth, servingCertificate: source, log });
    try {
      const port = (server.address() as AddressInfo).port;
      await expect(servedSerial(port)).rejects.toThrow();
      for (let i = 0; i < 2; i++) {
        current = await issueCertificate({ ca, cn: 'system:node:n1', orgs: ['system:nodes'], sans: { ips: ['127.0.0.1'] }, usages: 'server' });
        for (const cb of listeners) cb(current);
        expect(await servedSerial(port)).toBe(parseCertificate(current.certPem).serialNumber);
      }
    } finally {
      server.close();
    }
  });
});
