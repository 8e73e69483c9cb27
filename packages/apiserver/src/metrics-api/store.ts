/**
 * MetricsStore turns kubelet Summaries into NodeMetrics and PodMetrics points, as metrics-server's
 * storage does: CPU is the kubelet's `usageNanoCores` when it reports one, else the rate between two
 * scrapes of the cumulative `usageCoreNanoSeconds` (a container seen once has no CPU rate yet and is left
 * out, as is a pod with no container metrics). Scrapes happen on demand when the last one is older than
 * `freshMs` (concurrent requests share one), and in the background every `resolutionMs`.
 */
import type { Logger } from '@nanokube/component-base';
import type { KubeObject } from '../registry/types.js';
import { kubeletAddress, type CpuStats, type StatsSummary } from './scraper.js';

/** Usage in base units: CPU in nanocores, memory in bytes. */
export interface Usage {
  cpuNanoCores: number;
  memoryBytes: number;
}

export interface NodeMetricsPoint {
  name: string;
  labels: Record<string, string>;
  timestamp: number;
  windowMs: number;
  usage: Usage;
}

export interface ContainerMetricsPoint {
  name: string;
  usage: Usage;
}

export interface PodMetricsPoint {
  namespace: string;
  name: string;
  timestamp: number;
  windowMs: number;
  containers: ContainerMetricsPoint[];
}

/** Where the store gets Nodes and Summaries from (the registry and a KubeletScraper in production). */
export interface MetricsSource {
  listNodes(): Promise<KubeObject[]>;
  summary(address: string): Promise<StatsSummary>;
}

export interface MetricsStoreOptions {
  source: MetricsSource;
  logger: Logger;
  /** Data older than this is refreshed before answering (default 5 s). */
  freshMs?: number;
  /** Background scrape period (metrics-server's --metric-resolution, default 15 s). */
  resolutionMs?: number;
  now?: () => number;
}

/** The window reported with a kubelet-computed rate (cAdvisor's housekeeping interval). */
const kubeletWindowMs = 10_000;

interface CumulativeSample {
  at: number;
  nanoSeconds: number;
}

export class MetricsStore {
  private nodes: NodeMetricsPoint[] = [];
  private pods: PodMetricsPoint[] = [];
  private scrapedAt = 0;
  private inflight: Promise<void> | undefined;
  /** Previous cumulative CPU samples by `node/<name>` or `pod/<uid>/<container>`. */
  private previous = new Map<string, CumulativeSample>();
  /** Nodes the last scrape tried (reachable or not). */
  private attempted = new Set<string>();
  private readonly now: () => number;
  private readonly freshMs: number;

  constructor(private readonly opts: MetricsStoreOptions) {
    this.now = opts.now ?? Date.now;
    this.freshMs = opts.freshMs ?? 5000;
  }

  /** run scrapes every resolutionMs until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const period = this.opts.resolutionMs ?? 15_000;
    while (!signal.aborted) {
      await this.refresh().catch((err: unknown) => this.opts.logger.warn({ err }, 'Could not scrape kubelets'));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, period);
        signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
    }
  }

  /** ensureFresh scrapes unless the last scrape is younger than freshMs and no Node joined since. */
  async ensureFresh(): Promise<void> {
    // An empty result (e.g. scraped before any Node registered) is never kept for long.
    const fresh = this.scrapedAt > 0 && this.now() - this.scrapedAt < (this.nodes.length > 0 ? this.freshMs : 1000);
    if (fresh) {
      const names = (await this.opts.source.listNodes()).map((n) => n.metadata.name ?? '');
      if (names.every((n) => this.attempted.has(n))) return;
    }
    await this.refresh();
  }

  nodeMetrics(): readonly NodeMetricsPoint[] {
    return this.nodes;
  }

  podMetrics(): readonly PodMetricsPoint[] {
    return this.pods;
  }

  /** refresh scrapes every Node's kubelet once (single-flight). */
  refresh(): Promise<void> {
    this.inflight ??= this.scrape().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async scrape(): Promise<void> {
    const nodes = await this.opts.source.listNodes();
    const attempted = new Set(nodes.map((n) => n.metadata.name ?? ''));
    const results = await Promise.all(
      nodes.map(async (node) => {
        const address = kubeletAddress(node);
        if (!address) return undefined;
        try {
          return { node, summary: await this.opts.source.summary(address) };
        } catch (err) {
          this.opts.logger.debug({ err, node: node.metadata.name, address }, 'Could not scrape kubelet');
          return undefined;
        }
      }),
    );
    const at = this.now();
    const seen = new Map<string, CumulativeSample>();
    const nodePoints: NodeMetricsPoint[] = [];
    const podPoints: PodMetricsPoint[] = [];
    for (const r of results) {
      if (!r) continue;
      const name = r.node.metadata.name ?? '';
      const cpu = this.cpuOf(`node/${name}`, r.summary.node?.cpu, at, seen);
      const mem = r.summary.node?.memory?.workingSetBytes;
      if (cpu && mem !== undefined) {
        nodePoints.push({ name, labels: r.node.metadata.labels ?? {}, timestamp: cpu.timestamp, windowMs: cpu.windowMs, usage: { cpuNanoCores: cpu.nanoCores, memoryBytes: mem } });
      }
      for (const pod of r.summary.pods ?? []) {
        const containers: ContainerMetricsPoint[] = [];
        let timestamp = at;
        let windowMs = kubeletWindowMs;
        let complete = true;
        for (const c of pod.containers ?? []) {
          const ccpu = this.cpuOf(`pod/${pod.podRef?.uid ?? ''}/${c.name ?? ''}`, c.cpu, at, seen);
          const cmem = c.memory?.workingSetBytes;
          if (!ccpu || cmem === undefined) {
            complete = false;
            continue;
          }
          timestamp = ccpu.timestamp;
          windowMs = ccpu.windowMs;
          containers.push({ name: c.name ?? '', usage: { cpuNanoCores: ccpu.nanoCores, memoryBytes: cmem } });
        }
        // metrics-server drops a pod whose containers are not all measured: partial sums mislead the HPA.
        if (!complete || containers.length === 0) continue;
        podPoints.push({ namespace: pod.podRef?.namespace ?? '', name: pod.podRef?.name ?? '', timestamp, windowMs, containers });
      }
    }
    this.previous = seen;
    this.attempted = attempted;
    this.nodes = nodePoints.sort((a, b) => a.name.localeCompare(b.name));
    this.pods = podPoints.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    this.scrapedAt = at;
  }

  private cpuOf(key: string, cpu: CpuStats | undefined, at: number, seen: Map<string, CumulativeSample>): { nanoCores: number; timestamp: number; windowMs: number } | undefined {
    if (!cpu) return undefined;
    const sampledAt = (cpu.time ? Date.parse(cpu.time) : NaN) || at;
    if (cpu.usageCoreNanoSeconds !== undefined) seen.set(key, { at: sampledAt, nanoSeconds: cpu.usageCoreNanoSeconds });
    if (cpu.usageNanoCores !== undefined) return { nanoCores: cpu.usageNanoCores, timestamp: sampledAt, windowMs: kubeletWindowMs };
    const prev = this.previous.get(key);
    if (!prev || cpu.usageCoreNanoSeconds === undefined || sampledAt <= prev.at || cpu.usageCoreNanoSeconds < prev.nanoSeconds) return undefined;
    const windowMs = sampledAt - prev.at;
    return { nanoCores: Math.round(((cpu.usageCoreNanoSeconds - prev.nanoSeconds) * 1000) / windowMs), timestamp: sampledAt, windowMs };
  }
}
