/**
 * The control-plane side of token discovery, as `kubeadm init` phases bootstrap-token and
 * upload-config do it: create a bootstrap token Secret, publish the cluster-info ConfigMap, and sign
 * it for every signing token (the bootstrap signer's work, done here too so that a join works
 * before the controller-manager's signer runs).
 */
import { isAlreadyExists, isNotFound } from '@nanokube/api';
import { resources, ResourceClient, type RestClient } from '@nanokube/client';
import { publicKeyHash } from '@nanokube/pki';
import { bootstrapTokenSecretPrefix, parseToken, tokenSecret, type BootstrapTokenSecret, type TokenSecretSpec } from '../token/bootstrap-token.js';
import { clusterInfoConfigMap, clusterInfoName, clusterInfoNamespace, signClusterInfo } from './cluster-info.js';

interface ConfigMap {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
  data?: Record<string, string>;
}

/** secretsClient returns the kube-system Secrets client. */
function secretsClient(rest: RestClient): ResourceClient<BootstrapTokenSecret & { metadata: NonNullable<BootstrapTokenSecret['metadata']> }> {
  return new ResourceClient(rest, resources.secrets, 'kube-system');
}

function configMapsClient(rest: RestClient): ResourceClient<ConfigMap> {
  return new ResourceClient<ConfigMap>(rest, resources.configmaps, clusterInfoNamespace);
}

/** createTokenSecret stores a new token; refuses an id that exists (kubeadm's message). */
export async function createTokenSecret(rest: RestClient, spec: Omit<TokenSecretSpec, 'now'> & { now?: Date }): Promise<void> {
  try {
    await secretsClient(rest).create(tokenSecret({ ...spec, now: spec.now ?? new Date() }));
  } catch (err) {
    if (isAlreadyExists(err)) throw new Error(`a token with id "${spec.token.id}" already exists`, { cause: err });
    throw err;
  }
}

/** listTokenSecrets lists the bootstrap token Secrets of kube-system. */
export async function listTokenSecrets(rest: RestClient): Promise<BootstrapTokenSecret[]> {
  const list = await secretsClient(rest).list();
  return list.items.filter((s) => s.type === 'bootstrap.kubernetes.io/token');
}

/** deleteTokenSecret deletes a token by id or full token; false when it did not exist. */
export async function deleteTokenSecret(rest: RestClient, idOrToken: string): Promise<boolean> {
  const id = idOrToken.includes('.') ? parseToken(idOrToken).id : idOrToken;
  try {
    await secretsClient(rest).delete(bootstrapTokenSecretPrefix + id);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * syncClusterInfo is one run of the bootstrap signer: it (re)computes cluster-info's JWS
 * signatures from the current token Secrets and writes them when they changed. Returns whether it wrote.
 */
export async function syncClusterInfo(rest: RestClient, now = new Date()): Promise<boolean> {
  let cm: ConfigMap;
  try {
    cm = await configMapsClient(rest).get(clusterInfoName);
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  const next = signClusterInfo(cm.data ?? {}, await listTokenSecrets(rest), now);
  if (!next) return false;
  await configMapsClient(rest).update({ ...cm, data: next });
  return true;
}

/** ensureClusterInfo creates or refreshes cluster-info for the CA and server, then signs it. */
export async function ensureClusterInfo(rest: RestClient, caPem: string, server: string, now = new Date()): Promise<void> {
  const want = clusterInfoConfigMap(caPem, server);
  const cms = configMapsClient(rest);
  try {
    const cur = await cms.get(clusterInfoName);
    if (cur.data?.['kubeconfig'] !== want.data['kubeconfig']) await cms.update({ ...cur, data: { kubeconfig: want.data['kubeconfig'] ?? '' } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await cms.create(want);
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await syncClusterInfo(rest, now);
      return;
    } catch (err) {
      if (attempt === 4) throw err;
    }
  }
}

/** joinCommand renders the line `kubeadm init` prints for workers. */
export function joinCommand(server: string, token: string, caPem: string): string {
  const host = new URL(server).host;
  return `nanokube join ${host} --token ${token} --discovery-token-ca-cert-hash ${publicKeyHash(caPem)}`;
}
