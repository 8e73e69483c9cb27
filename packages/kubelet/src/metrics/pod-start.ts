/**
 * Pod start latency as upstream's `kubelet_pod_start_duration_seconds`: from the kubelet's first action on a
 * new pod (here its first sandbox: image pulls, volume set-up and container starts all come after) until
 * every regular container of the pod has started once. Each pod is observed at most once, so restarts and
 * pods adopted after a kubelet restart are not counted. Also `kubelet_started_pods_total` and
 * `kubelet_started_containers_total{container_type}`.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Counter, Histogram, type MetricsRegistry } from '@nanokube/component-base';
import type { ContainerConfig, PodSandboxConfig } from '../runtime/types.js';
import type { RuntimeCall } from './runtime-metrics.js';

/** Upstream's buckets, 0.5 s to 1 h. */
const podStartBuckets = [0.5, 1, 2, 3, 4, 5, 6, 8, 10, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600];

interface Starting {
  at: number;
  expected: Set<string>;
  started: Set<string>;
}

/** PodStartTracker turns runtime calls into pod start observations; see the module comment. */
export class PodStartTracker {
  private readonly duration: Histogram;
  private readonly startedPods: Counter;
  private readonly startedContainers: Counter;
  private readonly starting = new Map<string, Starting>();
  private readonly done = new Set<string>();
  /** Created, not yet started containers: id -> pod uid, container name, kind. */
  private readonly created = new Map<string, { uid: string; name: string; init: boolean }>();

  constructor(
    registry: MetricsRegistry,
    private readonly now: () => number = Date.now,
  ) {
    this.duration = new Histogram({
      name: 'kubelet_pod_start_duration_seconds',
      help: 'Duration in seconds from kubelet seeing a pod for the first time to the pod starting to run',
      buckets: podStartBuckets,
      registers: [registry],
    });
    this.startedPods = new Counter({ name: 'kubelet_started_pods_total', help: 'Cumulative number of pods started', registers: [registry] });
    this.startedContainers = new Counter({
      name: 'kubelet_started_containers_total',
      help: 'Cumulative number of containers started',
      labelNames: ['container_type'],
      registers: [registry],
    });
  }

  /** onCall is the runtime instrumentation's observer. */
  onCall(call: RuntimeCall): void {
    if (call.method === 'runPodSandbox') this.sandboxStarted(call.args[0] as PodSandboxConfig);
    else if (call.method === 'createContainer' && typeof call.result === 'string') {
      const config = call.args[1] as ContainerConfig;
      const sandbox = call.args[2] as PodSandboxConfig;
      const init = (sandbox.pod.spec?.initContainers ?? []).some((c) => c.name === config.name);
      this.created.set(call.result, { uid: sandbox.metadata.uid, name: config.name, init });
    } else if (call.method === 'startContainer') this.containerStarted(call.args[0] as string);
  }

  /** prune forgets pods no longer on the node (their uids are not in live). */
  prune(live: ReadonlySet<string>): void {
    for (const uid of this.done) if (!live.has(uid)) this.done.delete(uid);
    for (const uid of this.starting.keys()) if (!live.has(uid)) this.starting.delete(uid);
    for (const [id, c] of this.created) if (!live.has(c.uid)) this.created.delete(id);
  }

  private sandboxStarted(config: PodSandboxConfig): void {
    this.startedPods.inc();
    const uid = config.metadata.uid;
    if (this.done.has(uid) || this.starting.has(uid)) return;
    const expected = new Set(regularContainers(config.pod));
    this.starting.set(uid, { at: this.now(), expected, started: new Set() });
  }

  private containerStarted(id: string): void {
    const c = this.created.get(id);
    if (!c) return;
    this.created.delete(id);
    this.startedContainers.inc({ container_type: c.init ? 'init_container' : 'container' });
    const s = this.starting.get(c.uid);
    if (!s || c.init || !s.expected.has(c.name)) return;
    s.started.add(c.name);
    if (s.started.size < s.expected.size) return;
    this.duration.observe((this.now() - s.at) / 1000);
    this.starting.delete(c.uid);
    this.done.add(c.uid);
  }
}

function regularContainers(pod: Pod): string[] {
  return (pod.spec?.containers ?? []).map((c) => c.name);
}
