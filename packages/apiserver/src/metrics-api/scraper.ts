/**
 * Scraping kubelets' `/stats/summary` (stats/v1alpha1 Summary API) the way metrics-server does: the
 * apiserver dials each Node's InternalIP at `status.daemonEndpoints.kubeletEndpoint.Port` with its
 * `apiserver-kubelet-client` certificate. With a CA (`--kubelet-certificate-authority`) the kubelet's
 * serving certificate must be signed by it and name the address dialled; without one, like upstream's
 * apiserver without the flag, it is not verified (kubelets then serve self-signed certificates).
 */
import { createSecureContext } from 'node:tls';
import { Agent, request } from 'undici';
import type { KubeObject } from '../registry/types.js';
import { tlsVerifyError } from '../server/streaming/kubelet-client.js';

/** The parts of a Summary this package reads. */
export interface StatsSummary {
  node?: { nodeName?: string; cpu?: CpuStats; memory?: MemoryStats };
  pods?: PodStats[];
}

export interface CpuStats {
  time?: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds?: number;
}

export interface MemoryStats {
  time?: string;
  workingSetBytes?: number;
}

export interface PodStats {
  podRef?: { name?: string; namespace?: string; uid?: string };
  containers?: { name?: string; startTime?: string; cpu?: CpuStats; memory?: MemoryStats }[];
}

/** Client certificate the apiserver presents to kubelets (PEM). */
export interface KubeletClientTls {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA that signs kubelet serving certificates; unset = not verified. */
  ca?: string | Buffer;
}

/** kubeletAddress returns `host:port` of a Node's kubelet, or undefined when the Node has no address yet. */
export function kubeletAddress(node: KubeObject): string | undefined {
  const status = (node['status'] ?? {}) as {
    addresses?: { type?: string; address?: string }[];
    daemonEndpoints?: { kubeletEndpoint?: { Port?: number } };
  };
  const addrs = status.addresses ?? [];
  const ip = addrs.find((a) => a.type === 'InternalIP')?.address ?? addrs.find((a) => a.type === 'Hostname')?.address;
  const port = status.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!ip || !port) return undefined;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** KubeletScraper fetches Summaries over one keep-alive agent. */
export class KubeletScraper {
  private readonly agent: Agent;

  constructor(
    tls: KubeletClientTls,
    private readonly timeoutMs = 5000,
  ) {
    // One TLS context for every kubelet: passing cert and key per connection would build a new
    // SecureContext (and parse the key) at every handshake, which at 1,000 nodes scraped every 15 s
    // cost a tenth of the apiserver's CPU.
    const secureContext = createSecureContext({ cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca } : {}) });
    this.agent = new Agent({
      connections: 4,
      // Longer than the scrape interval (the kubelet keeps idle connections 120 s).
      keepAliveTimeout: 60_000,
      connect: { secureContext, rejectUnauthorized: tls.ca !== undefined, timeout: timeoutMs },
    });
  }

  /** summary GETs `https://<address>/stats/summary?only_cpu_and_memory=true`; throws on failure. */
  async summary(address: string): Promise<StatsSummary> {
    const url = `https://${address}/stats/summary?only_cpu_and_memory=true`;
    const res = await request(url, { dispatcher: this.agent, signal: AbortSignal.timeout(this.timeoutMs) }).catch((err: unknown) => {
      const tls = tlsVerifyError(err);
      throw tls ? new Error(`Get "${url}": ${tls}`, { cause: err }) : err;
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`kubelet at ${address} answered ${res.statusCode}`);
    return JSON.parse(text) as StatsSummary;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
