/**
 * Finding a pod's kubelet and talking to it: the node from `spec.nodeName`, its InternalIP and
 * `status.daemonEndpoints.kubeletEndpoint.Port`, and TLS with the apiserver-kubelet-client certificate.
 */
import { newBadRequest, newStatus, StatusError } from '@nanokube/api';
import type { Container, Node, Pod } from 'kubernetes-types/core/v1.js';
import type { SubresourceRequest } from '../resource-handler.js';

/** How the apiserver authenticates to kubelets (kube-apiserver's --kubelet-client-* flags). */
export interface KubeletClientConfig {
  cert?: string | Buffer;
  key?: string | Buffer;
  /** CA that signs kubelet serving certificates; unset = the kubelet's certificate is not verified (upstream's default). */
  ca?: string | Buffer;
}

/** Where one pod's container is served. */
export interface KubeletTarget {
  pod: Pod;
  namespace: string;
  podName: string;
  /** `host:port` of the kubelet (IPv6 hosts in brackets). */
  hostPort: string;
}

/** tlsOptions are the TLS options of every connection to a kubelet. */
export function tlsOptions(cfg: KubeletClientConfig): { cert?: string | Buffer; key?: string | Buffer; ca?: string | Buffer; rejectUnauthorized: boolean } {
  return {
    ...(cfg.cert ? { cert: cfg.cert } : {}),
    ...(cfg.key ? { key: cfg.key } : {}),
    ...(cfg.ca ? { ca: cfg.ca } : {}),
    rejectUnauthorized: cfg.ca !== undefined,
  };
}

/** locateKubelet finds the node serving the request's pod; errors as upstream's pod REST strategy. */
export async function locateKubelet(r: SubresourceRequest): Promise<KubeletTarget> {
  const pod = (await r.registry.get(r.ctx, r.def, r.info.name)) as Pod;
  const podName = r.info.name;
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw newBadRequest(`pod ${podName} does not have a host assigned`);
  const nodesDef = r.registry.resources.find((d) => d.group === '' && d.resource === 'nodes');
  if (!nodesDef) throw new StatusError(newStatus('InternalError', 'nodes are not served'));
  let node: Node;
  try {
    node = (await r.registry.get({ ...r.ctx, namespace: '' }, nodesDef, nodeName)) as Node;
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) throw new StatusError(newStatus('InternalError', `node "${nodeName}" not found`));
    throw err;
  }
  const addrs = node.status?.addresses ?? [];
  const host = (addrs.find((a) => a.type === 'InternalIP') ?? addrs.find((a) => a.type === 'ExternalIP') ?? addrs.find((a) => a.type === 'Hostname'))?.address;
  if (!host) throw new StatusError(newStatus('InternalError', `no preferred addresses found; known addresses: []`));
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port || 10250;
  return { pod, namespace: r.ctx.namespace, podName, hostPort: `${host.includes(':') ? `[${host}]` : host}:${port}` };
}

/**
 * containerOf picks the container a request names (`?container=`), defaulting to the only one; errors in
 * upstream's words.
 */
export function containerOf(pod: Pod, requested: string | undefined): string {
  const name = pod.metadata?.name ?? '';
  const all: Container[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...((pod.spec?.ephemeralContainers ?? []) as Container[])];
  if (!requested) {
    const only = pod.spec?.containers ?? [];
    if (only.length === 1 && only[0]) return only[0].name;
    const names = only.map((c) => c.name).join(' ');
    throw newBadRequest(`a container name must be specified for pod ${name}, choose one of: [${names}]`);
  }
  if (!all.some((c) => c.name === requested)) throw newBadRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

const unknownAuthority = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * tlsVerifyError describes a failed verification of a kubelet's serving certificate in Go's words, as
 * kube-apiserver reports it with --kubelet-certificate-authority (`tls: failed to verify certificate:
 * x509: certificate signed by unknown authority`); undefined for any other error.
 */
export function tlsVerifyError(err: unknown): string | undefined {
  const e = err as { code?: string; host?: string; cert?: { subjectaltname?: string }; cause?: unknown } | undefined;
  if (!e || typeof e !== 'object') return undefined;
  const prefix = 'tls: failed to verify certificate: x509: ';
  if (e.code && unknownAuthority.has(e.code)) return `${prefix}certificate signed by unknown authority`;
  if (e.code === 'CERT_HAS_EXPIRED' || e.code === 'CERT_NOT_YET_VALID') return `${prefix}certificate has expired or is not yet valid`;
  if (e.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const host = e.host ?? '';
    const sans = (e.cert?.subjectaltname ?? '').split(',').map((x) => x.trim()).filter(Boolean);
    const isIp = /^[\d.]+$|:/.test(host);
    const names = sans.filter((x) => x.startsWith(isIp ? 'IP Address:' : 'DNS:')).map((x) => x.slice(x.indexOf(':') + 1));
    if (isIp && names.length === 0) return `${prefix}cannot validate certificate for ${host} because it doesn't contain any IP SANs`;
    return `${prefix}certificate is valid for ${names.join(', ')}, not ${host}`;
  }
  return e.cause !== undefined && e.cause !== err ? tlsVerifyError(e.cause) : undefined;
}

/**
 * backendError is the Status upstream's apiserver sends for a plain Go error (ErrorToAPIStatus): code 500
 * and no reason, which kubectl prints as `Error from server: <message>`.
 */
export function backendError(message: string): StatusError {
  const { reason: _reason, ...status } = newStatus('InternalError', message);
  return new StatusError(status);
}

/** dialError is the Status for a kubelet that cannot be reached or whose certificate does not verify. */
export function dialError(err: unknown): StatusError {
  const e = err as { message?: string };
  return backendError(`error dialing backend: ${tlsVerifyError(err) ?? e.message ?? String(err)}`);
}

/** queryOf flattens fastify's parsed query (`a=1&a=2` becomes an array) into URLSearchParams. */
export function queryOf(query: unknown): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) out.append(k, String(one));
  }
  return out;
}
