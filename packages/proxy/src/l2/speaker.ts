/**
 * L2Speaker feeds an {@link L2Announcer} from informers: it watches Nodes (a change of eligibility),
 * Services and EndpointSlices, syncs at most once per `minSyncPeriodMs` after a change and every
 * `resyncPeriodMs` regardless (re-adding an address someone removed), and removes every address it holds
 * when stopped.
 */
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { resources, type SharedInformer, type SharedInformerFactory } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import type { L2Announcer } from './announcer.js';
import { isNodeEligible } from './owner.js';

/** Options of {@link L2Speaker}. */
export interface L2SpeakerOptions {
  factory: SharedInformerFactory;
  services: SharedInformer<Service>;
  slices: SharedInformer<EndpointSlice>;
  slicesOf: (svc: Service) => readonly EndpointSlice[];
  announcer: L2Announcer;
  log: Logger;
  /** Minimum time between two syncs, default 200 ms. */
  minSyncPeriodMs?: number;
  /** Sync even without changes this often, default 10 s. */
  resyncPeriodMs?: number;
  /** Wait after a failed sync, default 5 s. */
  retryAfterFailureMs?: number;
}

/** L2Speaker; see the module comment. */
export class L2Speaker {
  private readonly nodes: SharedInformer<Node>;
  private pending = true;
  private wake: (() => void) | undefined;

  constructor(private readonly opts: L2SpeakerOptions) {
    this.nodes = opts.factory.informerFor<Node>(resources.nodes);
    const changed = (): void => this.fire();
    this.nodes.addEventHandler({
      onAdd: changed,
      onUpdate: (oldNode, newNode) => {
        if (isNodeEligible(oldNode) !== isNodeEligible(newNode)) changed();
      },
      onDelete: changed,
    });
    for (const inf of [opts.services, opts.slices] as SharedInformer<Service | EndpointSlice>[]) {
      inf.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
    }
  }

  /** run syncs until signal aborts, then removes every address it holds. The caller starts the factory. */
  async run(signal: AbortSignal): Promise<void> {
    const minMs = this.opts.minSyncPeriodMs ?? 200;
    const resyncMs = this.opts.resyncPeriodMs ?? 10_000;
    try {
      await this.opts.factory.waitForCacheSync(signal);
      while (!signal.aborted) {
        if (this.pending) {
          this.pending = false;
          try {
            await this.syncOnce();
          } catch (err) {
            this.opts.log.error({ err }, 'Failed to sync load balancer announcements');
            this.pending = true;
            await this.sleep(this.opts.retryAfterFailureMs ?? 5_000, signal, false);
            continue;
          }
          await this.sleep(minMs, signal, false);
          continue;
        }
        await this.sleep(resyncMs, signal, true);
        this.pending = true;
      }
    } finally {
      const removed = await this.opts.announcer.cleanup();
      if (removed.length > 0) this.opts.log.info({ addresses: removed }, 'Removed load balancer addresses');
    }
  }

  /** syncOnce drives the announcer with the informers' current contents. */
  syncOnce(): ReturnType<L2Announcer['sync']> {
    return this.opts.announcer.sync({ services: this.opts.services.store.list(), nodes: this.nodes.store.list(), slicesOf: this.opts.slicesOf });
  }

  private fire(): void {
    this.pending = true;
    this.wake?.();
  }

  /** sleep waits ms, or less when interruptible and a change arrives, or until abort. */
  private sleep(ms: number, signal: AbortSignal, interruptible: boolean): Promise<void> {
    if (signal.aborted || (interruptible && this.pending)) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      if (interruptible) this.wake = done;
    });
  }
}
