/**
 * Where `pods/{id}/proxy` and `services/{id}/proxy` go, as upstream's pod.ResourceLocation and the
 * service REST's ResourceLocation: the id is `name`, `name:port` or `scheme:name:port` (scheme http or
 * https); a pod is reached at its first pod IP, a service at one address of its Endpoints that belongs
 * to a pod of the same namespace with that IP.
 */
import { isIP } from 'node:net';
import { newBadRequest, newServiceUnavailable } from '@nanokube/api';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';

/** The parts of a proxy id (upstream's SplitSchemeNamePort). */
export interface ProxyId {
  /** The id as written in the URL. */
  raw: string;
  scheme: '' | 'http' | 'https';
  name: string;
  port: string;
}

/** A resolved backend. */
export interface ProxyTarget {
  scheme: 'http' | 'https';
  /** IP address (no brackets). */
  host: string;
  /** Port; undefined = the scheme's default. */
  port?: number;
}

/** splitSchemeNamePort parses `name`, `name:port` or `scheme:name:port`; undefined when malformed. */
export function splitSchemeNamePort(id: string): ProxyId | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) name = parts[0] ?? '';
  else if (parts.length === 2) [name = '', port = ''] = parts;
  else if (parts.length === 3) [scheme = '', name = '', port = ''] = parts;
  else return undefined;
  if (name === '' || (scheme !== '' && scheme !== 'http' && scheme !== 'https')) return undefined;
  return { raw: id, scheme: scheme as ProxyId['scheme'], name, port };
}

/** parseProxyId is splitSchemeNamePort with upstream's 400 for a malformed id. */
export function parseProxyId(kind: 'pod' | 'service', id: string): ProxyId {
  const parsed = splitSchemeNamePort(id);
  if (!parsed) throw newBadRequest(`invalid ${kind} request "${id}"`);
  return parsed;
}

/**
 * isProxyableAddress: upstream accepts only global unicast IPs (no loopback, link-local, multicast or
 * unspecified). Loopback is accepted here as well: on nanokube's loopback control plane the pods that
 * simulated nodes run, and test backends, listen on 127.0.0.0/8.
 */
export function isProxyableAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) {
    const octets = ip.split('.').map(Number);
    const [a = 0, b = 0] = octets;
    if (a === 0 || a >= 224) return false; // unspecified, "this network", multicast, reserved, broadcast
    if (a === 169 && b === 254) return false; // link-local
    return true;
  }
  if (family === 6) {
    const lower = ip.toLowerCase();
    if (lower === '::') return false;
    if (/^fe[89ab]/.test(lower) || lower.startsWith('ff')) return false; // link-local, multicast
    return true;
  }
  return false;
}

function podIP(pod: Pod): string {
  return pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? '';
}

/** podTarget is upstream's pod ResourceLocation: the pod IP, the id's port or the first container port. */
export function podTarget(pod: Pod, id: ProxyId): ProxyTarget {
  let port = id.port;
  if (port === '') {
    for (const c of pod.spec?.containers ?? []) {
      const first = c.ports?.[0];
      if (first) {
        port = String(first.containerPort);
        break;
      }
    }
  }
  const ip = podIP(pod);
  if (!isProxyableAddress(ip)) throw newBadRequest('address not allowed');
  return { scheme: id.scheme || 'http', host: ip, ...(port === '' ? {} : { port: portNumber(port) }) };
}

function portNumber(port: string): number {
  const n = Number(port);
  // A named port (`web:http`) is not resolved for pods upstream either; the dial fails.
  if (!/^\d+$/.test(port) || n < 1 || n > 65535) throw newServiceUnavailable(`error trying to reach service: dial tcp: address ${port}: invalid port`);
  return n;
}

/** servicePortName maps a numeric id port to the name of the service port with that number. */
export function servicePortName(svc: Service, id: ProxyId): string {
  if (!/^-?\d+$/.test(id.port)) return id.port;
  const n = Number(id.port);
  const found = (svc.spec?.ports ?? []).find((p) => p.port === n);
  if (!found) throw newServiceUnavailable(`no service port ${n} found for service "${id.name}"`);
  return found.name ?? '';
}

/**
 * serviceTarget picks an address of the service's Endpoints with the named port, as upstream: a random
 * subset and address to start from, and only addresses whose targetRef is a pod of the namespace
 * carrying that IP (`podIPs(namespace, name)` returns them, or undefined when the pod is gone).
 */
export async function serviceTarget(
  eps: Endpoints,
  id: ProxyId,
  portName: string,
  namespace: string,
  podIPs: (name: string) => Promise<string[] | undefined>,
  random: (n: number) => number = (n) => Math.floor(Math.random() * n),
): Promise<ProxyTarget> {
  const subsets = eps.subsets ?? [];
  if (subsets.length === 0) throw newServiceUnavailable(`no endpoints available for service "${id.name}"`);
  const ssSeed = random(subsets.length);
  for (let i = 0; i < subsets.length; i++) {
    const ss = subsets[(ssSeed + i) % subsets.length];
    const addrs = ss?.addresses ?? [];
    if (!ss || addrs.length === 0) continue;
    for (const p of ss.ports ?? []) {
      if ((p.name ?? '') !== portName) continue;
      const addrSeed = random(addrs.length);
      for (let t = 0; t < addrs.length; t++) {
        const addr = addrs[(addrSeed + t) % addrs.length];
        if (!addr?.targetRef || addr.targetRef.namespace !== namespace || !addr.targetRef.name) continue;
        const ips = await podIPs(addr.targetRef.name);
        if (!ips?.includes(addr.ip) || !isProxyableAddress(addr.ip)) continue;
        return { scheme: id.scheme || 'http', host: addr.ip, port: p.port };
      }
    }
  }
  // Upstream's message names the whole id here (`name:port`).
  throw newServiceUnavailable(`no endpoints available for service "${id.raw}"`);
}

/** podIPsOf lists a pod's IPs (status.podIPs, or status.podIP). */
export function podIPsOf(pod: Pod): string[] {
  const ips = (pod.status?.podIPs ?? []).map((p) => p.ip).filter((ip): ip is string => !!ip);
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return ips;
}
