/**
 * The `kube-public/cluster-info` ConfigMap of token discovery: a kubeconfig holding the CA and
 * server, plus one `jws-kubeconfig-<id>` signature per signing token (what the bootstrap signer
 * controller maintains), and its verification on the joining node.
 */
import yaml from 'js-yaml';
import { publicKeyHash } from '@nanokube/pki';
import { isExpired, secretValue, tokenOf, type BootstrapToken, type BootstrapTokenSecret } from '../token/bootstrap-token.js';
import { computeDetachedSignature, verifyDetachedSignature } from './jws.js';

/** The ConfigMap's namespace and name. */
export const clusterInfoNamespace = 'kube-public';
export const clusterInfoName = 'cluster-info';
/** Signature keys are this prefix plus the token id. */
export const jwsKeyPrefix = 'jws-kubeconfig-';

/** clusterInfoKubeconfig renders the kubeconfig kubeadm puts into cluster-info. */
export function clusterInfoKubeconfig(caPem: string, server: string): string {
  return yaml.dump(
    {
      apiVersion: 'v1',
      clusters: [{ cluster: { 'certificate-authority-data': Buffer.from(caPem).toString('base64'), server }, name: '' }],
      contexts: null,
      'current-context': '',
      kind: 'Config',
      preferences: {},
      users: null,
    },
    { lineWidth: -1 },
  );
}

/** clusterInfoConfigMap builds the (unsigned) ConfigMap. */
export function clusterInfoConfigMap(caPem: string, server: string): { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; data: Record<string, string> } {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: clusterInfoName, namespace: clusterInfoNamespace }, data: { kubeconfig: clusterInfoKubeconfig(caPem, server) } };
}

/**
 * signClusterInfo is the bootstrap signer's reconcile step: given cluster-info's data and the
 * bootstrap token Secrets, it returns the data that should be stored — the kubeconfig with one
 * signature per unexpired token that allows signing, and no stale signatures. Returns undefined
 * when nothing changes.
 */
export function signClusterInfo(data: Record<string, string>, secrets: readonly BootstrapTokenSecret[], now: Date): Record<string, string> | undefined {
  const content = data['kubeconfig'];
  if (content === undefined) return undefined;
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) if (!k.startsWith(jwsKeyPrefix)) next[k] = v;
  for (const s of secrets) {
    const token = tokenOf(s);
    if (!token || s.metadata.deletionTimestamp || isExpired(s, now) || secretValue(s, 'usage-bootstrap-signing') !== 'true') continue;
    const existing = data[jwsKeyPrefix + token.id];
    // Keep a valid signature byte for byte, so that an unchanged ConfigMap is not rewritten.
    next[jwsKeyPrefix + token.id] =
      existing && verifyDetachedSignature(existing, content, token.id, token.secret) ? existing : computeDetachedSignature(content, token.id, token.secret);
  }
  const same = Object.keys(next).length === Object.keys(data).length && Object.entries(next).every(([k, v]) => data[k] === v);
  return same ? undefined : next;
}

/** What discovery learned from a verified cluster-info. */
export interface DiscoveredCluster {
  server: string;
  caPem: string;
  /** `sha256:<hex>` of the CA's public key. */
  caHash: string;
}

/** DiscoveryError is a refusal of the cluster-info a server returned, with kubeadm's wording. */
export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError';
}

/**
 * verifyClusterInfo checks cluster-info against the token (JWS) and the pinned CA public key hashes
 * (unless skipCAVerification), and returns the server and CA it names.
 */
export function verifyClusterInfo(
  data: Record<string, string> | undefined,
  token: BootstrapToken,
  pinnedHashes: readonly string[],
  skipCAVerification: boolean,
): DiscoveredCluster {
  const content = data?.['kubeconfig'];
  if (content === undefined) throw new DiscoveryError('there is no kubeconfig in the cluster-info ConfigMap');
  const sig = data?.[jwsKeyPrefix + token.id];
  if (sig === undefined) {
    throw new DiscoveryError(`there is no JWS signed token in the cluster-info ConfigMap. This token id "${token.id}" is invalid for this cluster, can't connect`);
  }
  if (!verifyDetachedSignature(sig, content, token.id, token.secret)) {
    throw new DiscoveryError("failed to verify JWS signature of received cluster info object, can't trust this API Server");
  }
  const kc = yaml.load(content) as { clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[] } | undefined;
  const cluster = kc?.clusters?.[0]?.cluster;
  if (!cluster?.server || !cluster['certificate-authority-data']) throw new DiscoveryError('the cluster-info kubeconfig names no server or CA');
  const caPem = Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8');
  const caHash = publicKeyHash(caPem);
  if (!skipCAVerification && !pinnedHashes.map((h) => h.toLowerCase()).includes(caHash)) {
    throw new DiscoveryError(`cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${caHash}" are pinned`);
  }
  return { server: cluster.server, caPem, caHash };
}
