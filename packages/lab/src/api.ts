/** A minimal client of the lab's apiserver, from the host through the lab bridge: GETs, and creating objects. */
import { request } from 'node:https';
import type { ResolvedKubeconfig } from '@nanokube/pki';

/** A Node as far as the lab looks at it. */
export interface LabNodeObject {
  metadata?: { name?: string };
  spec?: { podCIDR?: string };
  status?: { conditions?: { type: string; status: string }[]; addresses?: { type: string; address: string }[] };
}

/** getJson GETs an API path with the kubeconfig's credentials and parses the JSON answer. */
export function getJson<T>(kc: ResolvedKubeconfig, path: string, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, kc.server), {
      ...(kc.caPem ? { ca: kc.caPem } : {}),
      ...(kc.clientCertPem ? { cert: kc.clientCertPem } : {}),
      ...(kc.clientKeyPem ? { key: kc.clientKeyPem } : {}),
      timeout: timeoutMs,
      headers: { accept: 'application/json' },
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${path}: HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
        else resolve(JSON.parse(body) as T);
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** listNodes returns the cluster's Nodes. */
export async function listNodes(kc: ResolvedKubeconfig): Promise<LabNodeObject[]> {
  return (await getJson<{ items?: LabNodeObject[] }>(kc, '/api/v1/nodes')).items ?? [];
}

/** isReady says whether a Node's Ready condition is True. */
export function isReady(n: LabNodeObject): boolean {
  return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * createObject POSTs an object to an API collection path. An object that already exists (409) counts as
 * created, so re-applying the lab's objects is harmless; it resolves to whether this call created it.
 */
export function createObject(kc: ResolvedKubeconfig, path: string, body: unknown, timeoutMs = 5_000): Promise<boolean> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, kc.server), {
      method: 'POST',
      ...(kc.caPem ? { ca: kc.caPem } : {}),
      ...(kc.clientCertPem ? { cert: kc.clientCertPem } : {}),
      ...(kc.clientKeyPem ? { key: kc.clientKeyPem } : {}),
      timeout: timeoutMs,
      headers: { accept: 'application/json', 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        if (res.statusCode === 201 || res.statusCode === 200) resolve(true);
        else if (res.statusCode === 409) resolve(false);
        else reject(new Error(`POST ${path}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
      });
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${path}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}
