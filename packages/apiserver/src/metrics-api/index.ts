/**
 * The in-process metrics API (what metrics-server adds to a cluster): `metrics.k8s.io/v1beta1` NodeMetrics
 * and PodMetrics from kubelets' `/stats/summary`. {@link createMetricsApi} wires scraper, store and handler.
 */
import type { Logger } from '@nanokube/component-base';
import type { Registry, RequestContext } from '../registry/types.js';
import { MetricsApiHandler } from './handler.js';
import { KubeletScraper, type KubeletClientTls } from './scraper.js';
import { MetricsStore } from './store.js';

export { formatCpu, formatMemory, MetricsApiHandler, metricsDefinitions, metricsGroup, metricsVersion } from './handler.js';
export { KubeletScraper, kubeletAddress } from './scraper.js';
export type { KubeletClientTls, StatsSummary } from './scraper.js';
export { MetricsStore } from './store.js';
export type { MetricsSource, MetricsStoreOptions, NodeMetricsPoint, PodMetricsPoint, Usage } from './store.js';

export interface MetricsApiOptions {
  registry: Registry;
  /** The apiserver's kubelet client certificate (`apiserver-kubelet-client.crt/.key`). */
  kubeletClient: KubeletClientTls;
  logger: Logger;
  freshMs?: number;
  resolutionMs?: number;
}

/** A wired metrics API: serve through `handler`, keep `run` going in the background, `close` at exit. */
export interface MetricsApi {
  handler: MetricsApiHandler;
  store: MetricsStore;
  run(signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

const systemContext = (): RequestContext => ({ namespace: '', user: { name: 'system:apiserver', groups: ['system:masters'] }, dryRun: false, now: new Date() });

/** createMetricsApi builds the metrics API over the registry's Nodes and the kubelets they name. */
export function createMetricsApi(opts: MetricsApiOptions): MetricsApi {
  const scraper = new KubeletScraper(opts.kubeletClient);
  const nodeDef = opts.registry.resources.find((d) => d.group === '' && d.resource === 'nodes');
  const store = new MetricsStore({
    logger: opts.logger,
    ...(opts.freshMs !== undefined ? { freshMs: opts.freshMs } : {}),
    ...(opts.resolutionMs !== undefined ? { resolutionMs: opts.resolutionMs } : {}),
    source: {
      listNodes: async () => (nodeDef ? (await opts.registry.list(systemContext(), nodeDef, {})).items : []),
      summary: (address) => scraper.summary(address),
    },
  });
  return {
    handler: new MetricsApiHandler(store, opts.registry),
    store,
    run: (signal) => store.run(signal),
    close: () => scraper.close(),
  };
}
