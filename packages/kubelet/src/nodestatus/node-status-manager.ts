/**
 * NodeStatusManager registers the Node and keeps its status current (upstream's registerWithAPIServer and
 * syncNodeStatus). With node leases doing the heartbeating, the status is computed every
 * `updateFrequencyMs` (10 s) but written only when something changed or `reportFrequencyMs` (5 min) has
 * passed, as upstream's kubelet does; the node lifecycle controller reads liveness from the Lease.
 */
import type { Node, NodeStatus } from 'kubernetes-types/core/v1.js';
import { deepEqual, isAlreadyExists, isConflict } from '@nanokube/api';
import { sleep, type Clock, type ResourceClient } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import { createMergePatch } from '../internal/merge-patch.js';
import { computeNodeStatus, defaultNodeLabels, initialNode, withoutHeartbeats, type NodeConfig, type RuntimeHealth } from './node.js';

/** Options of {@link NodeStatusManager}. */
export interface NodeStatusManagerOptions {
  nodes: Pick<ResourceClient<Node>, 'create' | 'get' | 'patch'>;
  config: NodeConfig;
  health(): RuntimeHealth;
  /** The Node as last seen by the kubelet's node informer (fresher than anything this class wrote). */
  observed(): Node | undefined;
  log: Logger;
  clock: Clock;
  updateFrequencyMs?: number;
  reportFrequencyMs?: number;
}

/** NodeStatusManager owns the Node object of one kubelet. */
export class NodeStatusManager {
  private lastReportAt = 0;
  private lastReported: NodeStatus | undefined;
  private registered: Node | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;

  constructor(private readonly opts: NodeStatusManagerOptions) {}

  /** node returns the registered Node (with its uid) once registration succeeded. */
  node(): Node | undefined {
    return this.registered;
  }

  /**
   * register creates the Node, or reconciles an existing one (default labels and the attach-detach
   * annotation; taints only on create, as upstream). Retries with backoff (up to 7 s) until it succeeds.
   */
  async register(signal: AbortSignal): Promise<Node | undefined> {
    let backoffMs = 100;
    while (!signal.aborted) {
      try {
        this.registered = await this.tryRegister();
        this.opts.log.info({ node: this.opts.config.nodeName }, 'Successfully registered node');
        return this.registered;
      } catch (err) {
        this.opts.log.warn({ err, node: this.opts.config.nodeName, backoffMs }, 'Unable to register node with API server');
        await sleep(backoffMs, signal, this.opts.clock);
        backoffMs = Math.min(backoffMs * 2, 7_000);
      }
    }
    return undefined;
  }

  private async tryRegister(): Promise<Node> {
    const desired = initialNode(this.opts.config);
    try {
      return await this.opts.nodes.create(desired);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const existing = await this.opts.nodes.get(this.opts.config.nodeName);
    const labels = { ...existing.metadata?.labels };
    let changed = false;
    for (const [k, v] of Object.entries({ ...defaultNodeLabels(this.opts.config), ...this.opts.config.labels })) {
      if (labels[k] !== v) {
        labels[k] = v;
        changed = true;
      }
    }
    const annotations = { ...existing.metadata?.annotations, ...desired.metadata?.annotations };
    if (!deepEqual(annotations, existing.metadata?.annotations ?? {})) changed = true;
    if (!changed) return existing;
    return this.opts.nodes.patch(this.opts.config.nodeName, 'merge', { metadata: { labels, annotations } });
  }

  /** run reports status every update period, and at once after kick(), until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const every = this.opts.updateFrequencyMs ?? 10_000;
    while (!signal.aborted) {
      try {
        await this.syncNodeStatus();
      } catch (err) {
        this.opts.log.warn({ err, node: this.opts.config.nodeName }, 'Error updating node status, will retry');
      }
      if (this.kicked) {
        this.kicked = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void sleep(every, signal, this.opts.clock).then(resolve);
      });
      this.wake = undefined;
      this.kicked = false;
    }
  }

  /** kick makes the status loop run now (the runtime or network changed). */
  kick(): void {
    // A kick while a sync is in flight must not be lost: the loop then syncs again at once.
    this.kicked = true;
    this.wake?.();
  }

  /** syncNodeStatus writes the node status when it changed or the report period passed. */
  async syncNodeStatus(): Promise<boolean> {
    const now = this.opts.clock.now();
    const base = this.opts.observed()?.status ?? this.lastReported;
    const next = computeNodeStatus(this.opts.config, this.opts.health(), base, now);
    const reportEvery = this.opts.reportFrequencyMs ?? 300_000;
    const unchanged = deepEqual(withoutHeartbeats(base), withoutHeartbeats({ ...base, ...next }));
    if (unchanged && now - this.lastReportAt < reportEvery) return false;
    const patch = createMergePatch(base ?? {}, { ...base, ...next });
    try {
      await this.opts.nodes.patch(this.opts.config.nodeName, 'merge', { status: patch }, { subresource: 'status' });
    } catch (err) {
      if (!isConflict(err)) throw err;
      return false;
    }
    this.lastReported = { ...base, ...next };
    this.lastReportAt = now;
    return true;
  }
}
