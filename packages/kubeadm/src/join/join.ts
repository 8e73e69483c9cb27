/**
 * `nanokube join`: token discovery (fetch cluster-info anonymously, check its JWS signature made with
 * the token and the CA's public key hash), then the kubelet's TLS bootstrap, then `kubelet.conf`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join as joinPath } from 'node:path';
import { buildKubeconfig, writeKubeconfig } from '@nanokube/pki';
import { Agent, request } from 'undici';
import { parseToken } from '../token/bootstrap-token.js';
import { clusterInfoName, clusterInfoNamespace, DiscoveryError, verifyClusterInfo, type DiscoveredCluster } from '../discovery/cluster-info.js';
import { requestNodeClientCertificate } from './tls-bootstrap.js';

/** Options of {@link joinNode}. */
export interface JoinOptions {
  /** `host:port` of the apiserver. */
  apiServerEndpoint: string;
  token: string;
  caCertHashes: string[];
  unsafeSkipCAVerification: boolean;
  nodeName: string;
  /** Folder for kubelet.conf, bootstrap-kubelet.conf and pki/ca.crt (kubeadm: /etc/kubernetes). */
  dir: string;
  timeoutMs: number;
  out: (line: string) => void;
  pollMs?: number;
}

const clusterInfoPath = `/api/v1/namespaces/${clusterInfoNamespace}/configmaps/${clusterInfoName}`;

async function fetchClusterInfo(endpoint: string, ca: string | undefined): Promise<Record<string, string> | undefined> {
  const dispatcher = new Agent({ connect: ca ? { ca } : { rejectUnauthorized: false } });
  try {
    const res = await request(`https://${endpoint}${clusterInfoPath}`, { dispatcher, headersTimeout: 10_000, bodyTimeout: 10_000 });
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      const msg = (() => {
        try {
          return (JSON.parse(text) as { message?: string }).message ?? text;
        } catch {
          return text;
        }
      })();
      throw new DiscoveryError(`failed to request the cluster-info ConfigMap: ${msg} (HTTP ${res.statusCode})`);
    }
    return (JSON.parse(text) as { data?: Record<string, string> }).data;
  } catch (err) {
    if (err instanceof DiscoveryError) throw err;
    throw new DiscoveryError(`failed to request the cluster-info ConfigMap from https://${endpoint}: ${(err as Error).message}`);
  } finally {
    await dispatcher.close();
  }
}

/** discover runs token discovery and returns the verified cluster. */
export async function discover(opts: Pick<JoinOptions, 'apiServerEndpoint' | 'token' | 'caCertHashes' | 'unsafeSkipCAVerification'>): Promise<DiscoveredCluster> {
  const token = parseToken(opts.token);
  if (!opts.unsafeSkipCAVerification && opts.caCertHashes.length === 0) {
    throw new DiscoveryError('using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue');
  }
  const insecure = await fetchClusterInfo(opts.apiServerEndpoint, undefined);
  const cluster = verifyClusterInfo(insecure, token, opts.caCertHashes, opts.unsafeSkipCAVerification);
  // Fetch again over TLS trusting only the discovered CA: the server must hold that CA's certificate.
  const secure = await fetchClusterInfo(opts.apiServerEndpoint, cluster.caPem);
  if (secure?.['kubeconfig'] !== insecure?.['kubeconfig']) throw new DiscoveryError('the cluster-info ConfigMap changed between the insecure and the secure request');
  return cluster;
}

/** joinNode performs discovery and TLS bootstrap and writes kubelet.conf; returns its path. */
export async function joinNode(opts: JoinOptions): Promise<string> {
  opts.out('[preflight] Running pre-flight checks');
  const cluster = await discover(opts);
  opts.out(`[discovery] Trusting the cluster CA with public key hash ${cluster.caHash} at ${cluster.server}`);
  await mkdir(joinPath(opts.dir, 'pki'), { recursive: true, mode: 0o755 });
  await writeFile(joinPath(opts.dir, 'pki', 'ca.crt'), cluster.caPem, { mode: 0o644 });
  const bootstrapConf = joinPath(opts.dir, 'bootstrap-kubelet.conf');
  await writeKubeconfig(bootstrapConf, buildKubeconfig({ clusterName: 'kubernetes', server: cluster.server, caPem: cluster.caPem, userName: 'tls-bootstrap-token-user', token: opts.token }));
  opts.out('[kubelet-start] Writing the bootstrap kubeconfig to ' + bootstrapConf);
  opts.out('[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap');
  const { certPem, keyPem } = await requestNodeClientCertificate({
    server: cluster.server,
    caPem: cluster.caPem,
    token: opts.token,
    nodeName: opts.nodeName,
    timeoutMs: opts.timeoutMs,
    ...(opts.pollMs ? { pollMs: opts.pollMs } : {}),
  });
  const kubeletConf = joinPath(opts.dir, 'kubelet.conf');
  const kc = buildKubeconfig({ clusterName: 'kubernetes', server: cluster.server, caPem: cluster.caPem, userName: `system:node:${opts.nodeName}`, clientCertPem: certPem, clientKeyPem: keyPem });
  await writeKubeconfig(kubeletConf, kc);
  return kubeletConf;
}
