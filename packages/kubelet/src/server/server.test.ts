import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { WebSocket } from 'ws';
import { generateCA, issueCertificate, type CertKeyPair } from '@nanokube/pki';
import type { Kubelet } from '../kubelet.js';
import { startKubeletServer } from './server.js';

const kubelet = { nodeName: 'n1', pods: () => [], findPod: () => undefined, runtime: {} } as unknown as Kubelet;
const log = { warn: () => undefined, info: () => undefined } as never;

describe('kubelet server client authentication', () => {
  let server: Server;
  let port = 0;
  let apiserver: CertKeyPair;
  let kubeadmAdmin: CertKeyPair;
  let mallory: CertKeyPair;
  let foreign: CertKeyPair;
  const agents: Agent[] = [];

  beforeAll(async () => {
    const ca = await generateCA('kubernetes');
    const otherCa = await generateCA('kubernetes');
    apiserver = await issueCertificate({ ca, cn: 'kube-apiserver-kubelet-client', orgs: ['system:masters'], usages: 'client' });
    kubeadmAdmin = await issueCertificate({ ca, cn: 'kubernetes-admin', orgs: ['kubeadm:cluster-admins'], usages: 'client' });
    mallory = await issueCertificate({ ca, cn: 'mallory', orgs: ['developers'], usages: 'client' });
    foreign = await issueCertificate({ ca: otherCa, cn: 'kube-apiserver-kubelet-client', orgs: ['system:masters'], usages: 'client' });
    server = await startKubeletServer({ kubelet, host: '127.0.0.1', port: 0, nodeIp: '127.0.0.1', clientCaPem: ca.certPem, log });
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.close();
    await Promise.all(agents.map((a) => a.close()));
  });

  async function get(path: string, client?: CertKeyPair): Promise<{ status: number; body: string }> {
    const agent = new Agent({ connect: { rejectUnauthorized: false, ...(client ? { cert: client.certPem, key: client.keyPem } : {}) } });
    agents.push(agent);
    const res = await request(`https://127.0.0.1:${port}${path}`, { dispatcher: agent });
    return { status: res.statusCode, body: await res.body.text() };
  }

  it('serves /healthz without a client certificate', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok' });
  });

  it('answers 401 without a client certificate or with one from another CA', async () => {
    expect((await get('/pods')).status).toBe(401);
    expect((await get('/stats/summary', foreign)).status).toBe(401);
    expect((await get('/containerLogs/default/web/c', foreign)).status).toBe(401);
  });

  it('answers 403 to a client of the cluster CA that is not an administrator', async () => {
    const r = await get('/pods', mallory);
    expect(r.status).toBe(403);
    expect(r.body).toContain('user=mallory');
  });

  it('serves the apiserver-kubelet-client identity and kubeadm cluster admins', async () => {
    const r = await get('/pods', apiserver);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'PodList', items: [] });
    expect((await get('/pods', kubeadmAdmin)).status).toBe(200);
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
