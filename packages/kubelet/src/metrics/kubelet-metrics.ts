/**
 * The kubelet's Prometheus registry, served at `/metrics` of its HTTPS port (upstream's `nodes/metrics`):
 * process and Node.js collectors, `kubelet_node_name`, `kubelet_running_pods`,
 * `kubelet_running_containers{container_state}`, the runtime operation metrics and the pod start latency.
 * One registry per runtime: several simulated kubelets sharing a runtime share it too.
 */
import { createMetricsRegistry, Gauge, renderMetrics, type MetricsRegistry } from '@nanokube/component-base';
import type { Kubelet } from '../kubelet.js';
import type { RuntimeService } from '../runtime/types.js';
import { PodStartTracker } from './pod-start.js';
import { RuntimeMetrics } from './runtime-metrics.js';

/** Options of {@link KubeletMetrics}. */
export interface KubeletMetricsOptions {
  /** Include the `process_*` and `nodejs_*` collectors (default true). */
  defaultMetrics?: boolean;
  now?: () => number;
}

/** KubeletMetrics instruments one runtime and reports on the kubelets running on it. */
export class KubeletMetrics {
  readonly registry: MetricsRegistry;
  readonly podStart: PodStartTracker;
  private readonly kubelets = new Set<Kubelet>();
  private readonly raw: Partial<RuntimeService>;
  private readonly nodeName: Gauge;
  private readonly runningPods: Gauge;
  private readonly runningContainers: Gauge;

  constructor(runtime: RuntimeService, opts: KubeletMetricsOptions = {}) {
    this.registry = createMetricsRegistry({ defaultMetrics: opts.defaultMetrics !== false });
    const runtimeMetrics = new RuntimeMetrics(this.registry);
    this.podStart = new PodStartTracker(this.registry, opts.now);
    runtimeMetrics.onCall((call) => this.podStart.onCall(call));
    this.raw = runtimeMetrics.instrument(runtime);
    this.nodeName = new Gauge({ name: 'kubelet_node_name', help: "The node's name. The count is always 1.", labelNames: ['node'], registers: [this.registry] });
    this.runningPods = new Gauge({ name: 'kubelet_running_pods', help: 'Number of pods that have a running pod sandbox', registers: [this.registry] });
    this.runningContainers = new Gauge({
      name: 'kubelet_running_containers',
      help: 'Number of containers currently running',
      labelNames: ['container_state'],
      registers: [this.registry],
    });
  }

  /** attach adds a kubelet whose pods are counted. */
  attach(kubelet: Kubelet): void {
    this.kubelets.add(kubelet);
  }

  /** render refreshes the gauges from the runtime (uncounted calls) and returns the text exposition. */
  async render(): Promise<{ contentType: string; body: string }> {
    await this.refresh();
    return renderMetrics(this.registry);
  }

  private async refresh(): Promise<void> {
    const live = new Set<string>();
    this.nodeName.reset();
    for (const k of this.kubelets) {
      this.nodeName.set({ node: k.nodeName }, 1);
      for (const p of k.pods()) if (p.metadata?.uid) live.add(p.metadata.uid);
    }
    this.podStart.prune(live);
    const sandboxes = (await this.raw.listPodSandboxes?.()) ?? [];
    const podOfSandbox = new Map(sandboxes.map((s) => [s.id, s.metadata.uid]));
    this.runningPods.set(new Set(sandboxes.filter((s) => s.state === 'ready' && live.has(s.metadata.uid)).map((s) => s.metadata.uid)).size);
    const byState: Record<string, number> = { created: 0, running: 0, exited: 0, unknown: 0 };
    for (const c of (await this.raw.listContainers?.()) ?? []) {
      if (live.has(podOfSandbox.get(c.podSandboxId) ?? '')) byState[c.state] = (byState[c.state] ?? 0) + 1;
    }
    for (const [state, n] of Object.entries(byState)) this.runningContainers.set({ container_state: state }, n);
  }
}

const byRuntime = new WeakMap<RuntimeService, KubeletMetrics>();

/**
 * kubeletMetricsFor returns the metrics of the kubelet's runtime, instrumenting the runtime on first use
 * (call it when the kubelet starts, so that pod starts are timed from the beginning).
 */
export function kubeletMetricsFor(kubelet: Kubelet): KubeletMetrics {
  let m = byRuntime.get(kubelet.runtime);
  if (!m) {
    m = new KubeletMetrics(kubelet.runtime);
    byRuntime.set(kubelet.runtime, m);
  }
  m.attach(kubelet);
  return m;
}
