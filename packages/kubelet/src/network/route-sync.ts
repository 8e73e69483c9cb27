/**
 * NodeRouteController keeps the host-gw routes of a node in step with the cluster's Nodes (what flannel's
 * host-gw backend does): it watches every Node (the kubelet's all-nodes informer) and asks the network
 * to make one route per other node's pod CIDR through that node's InternalIP, adding, replacing and
 * removing routes as nodes come, change and go. Changes are coalesced (a burst of node updates makes one
 * sync); an unchanged set of routes is not re-applied except by the periodic resync, which also repairs
 * routes removed by hand; a failed sync is retried.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import type { Logger } from '@nanokube/component-base';
import { nodeAddressingOf, type NodeAddressing } from './host-gw.js';

/** What the controller drives: {@link HostGwNetwork.syncRoutes}. */
export interface NodeRouteSyncer {
  syncRoutes(nodes: readonly NodeAddressing[]): Promise<void>;
}

/** Options of {@link NodeRouteController}. */
export interface NodeRouteControllerOptions {
  /** The Nodes as last seen (an informer's store); only read after `waitForSync` resolved. */
  nodes: () => readonly Node[];
  /** Resolves once the node list is complete (syncing an empty list early would drop every route). */
  waitForSync: (signal: AbortSignal) => Promise<unknown>;
  routes: NodeRouteSyncer;
  log: Logger;
  /** Coalescing delay after a change; default 100 ms. */
  debounceMs?: number;
  /** Full re-apply period; default 60 s. */
  resyncMs?: number;
  /** Delay before retrying a failed sync; default 5 s. */
  retryMs?: number;
}

/** addressingKey identifies the routes a node list asks for. */
function addressingKey(nodes: readonly NodeAddressing[]): string {
  return JSON.stringify(nodes.map((n) => [n.name, n.internalIP ?? '', n.podCIDR ?? '']).sort());
}

/** NodeRouteController: see the module comment. */
export class NodeRouteController {
  private wake: (() => void) | undefined;
  private pending = false;
  private lastKey: string | undefined;

  constructor(private readonly opts: NodeRouteControllerOptions) {}

  /** changed tells the controller the Nodes changed (informer add/update/delete). */
  changed(): void {
    this.pending = true;
    this.wake?.();
  }

  /** run syncs once the node list is complete, then on every change and every resync period, until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await this.opts.waitForSync(signal);
    let nextResync = 0;
    let retryAt = 0;
    while (!signal.aborted) {
      const now = Date.now();
      const force = now >= nextResync;
      if (force || this.pending || (retryAt && now >= retryAt)) {
        this.pending = false;
        retryAt = 0;
        const nodes = this.opts.nodes().map(nodeAddressingOf);
        const key = addressingKey(nodes);
        if (force || key !== this.lastKey) {
          try {
            await this.opts.routes.syncRoutes(nodes);
            this.lastKey = key;
            this.opts.log.debug({ nodes: nodes.length }, 'Synced host-gw routes');
          } catch (err) {
            this.lastKey = undefined;
            retryAt = Date.now() + (this.opts.retryMs ?? 5_000);
            this.opts.log.warn({ err }, 'Could not sync host-gw routes, retrying');
          }
        }
        if (force) nextResync = Date.now() + (this.opts.resyncMs ?? 60_000);
      }
      const until = Math.min(nextResync, retryAt || Infinity);
      await this.sleep(Math.max(0, until - Date.now()), signal);
      // Let a burst of changes settle into one sync.
      if (this.pending && !signal.aborted) await this.sleep(this.opts.debounceMs ?? 100, signal, false);
    }
  }

  private sleep(ms: number, signal: AbortSignal, wakeable = true): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      if (wakeable) {
        this.wake = done;
        if (this.pending) done();
      }
    });
  }
}
