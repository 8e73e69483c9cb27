/**
 * Proxier is kube-proxy's iptables mode: it watches Services and EndpointSlices, and after every change
 * (at most once per min-sync-period) recomputes the whole rule set and restores only the chains that
 * differ from the last restore. A full restore of all its chains runs at start, every hour, after a
 * failure, and when the canary chains disappear. It never flushes conntrack and never removes a chain
 * before its replacement is in place, so a restart keeps established connections.
 */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Service } from 'kubernetes-types/core/v1.js';
import { resources, SharedInformerFactory, type RestClient, type SharedInformer } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import { endpointsForServicePort, serviceNameLabel } from './endpoints.js';
import type { ProxierHealth } from './health-server.js';
import { canaryMissing, ensureJumps } from './iptables/jumps.js';
import type { Iptables } from './iptables/iptables.js';
import { buildRestore, parseSavedChains, type ExistingChains } from './iptables/restore.js';
import { generateRules, type RuleOptions, type RuleSet, type ServiceEndpoints } from './iptables/rules.js';
import type { L2Announcer } from './l2/announcer.js';
import { L2Speaker } from './l2/speaker.js';
import type { ProxierMetrics } from './metrics.js';
import { servicePortsOf } from './service-port.js';

/** Options of {@link Proxier}. */
export interface ProxierOptions extends RuleOptions {
  rest: RestClient;
  log: Logger;
  iptables: Iptables;
  /** This node's name: endpoints whose nodeName matches are local. */
  nodeName: string;
  /** Minimum time between two syncs (--iptables-min-sync-period), default 1 s. */
  minSyncPeriodMs?: number;
  /** How often the canary chains are checked (--iptables-sync-period), default 30 s. */
  syncPeriodMs?: number;
  /** How often every chain is rewritten even without changes, default 1 h (upstream's FullSyncPeriod). */
  fullSyncPeriodMs?: number;
  health?: ProxierHealth;
  /** Sync and change metrics (`kubeproxy_sync_proxy_rules_*`), when the metrics server is on. */
  metrics?: ProxierMetrics;
  /** When set, this node also announces the LoadBalancer addresses it owns (layer2, MetalLB-style). */
  l2Announcer?: L2Announcer;
}

/** Statistics of the last sync, for logs, tests and the benchmark. */
export interface SyncResult {
  full: boolean;
  written: number;
  deleted: number;
  durationMs: number;
}

const sliceServiceIndex = 'service';
const retryAfterFailureMs = 5_000;

/** Wakeup is a resettable one-shot signal for the sync loop. */
class Wakeup {
  private resolve: (() => void) | undefined;
  private fired = false;

  fire(): void {
    this.fired = true;
    this.resolve?.();
  }

  /** wait resolves on fire(), after ms, or on abort; returns whether it was fired. */
  async wait(ms: number, signal: AbortSignal): Promise<boolean> {
    if (!this.fired && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done(): void {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          resolve();
        }
        this.resolve = done;
        signal.addEventListener('abort', done, { once: true });
      });
    }
    this.resolve = undefined;
    const fired = this.fired;
    this.fired = false;
    return fired;
  }
}

/** Proxier programs a node's iptables for Services; see the module comment. */
export class Proxier {
  private readonly services: SharedInformer<Service>;
  private readonly slices: SharedInformer<EndpointSlice>;
  private readonly factory: SharedInformerFactory;
  private readonly wakeup = new Wakeup();
  private applied: RuleSet | undefined;
  private needFullSync = true;
  private lastFullSync = 0;
  private lastSync = 0;
  private synced = false;
  private readonly speaker: L2Speaker | undefined;

  constructor(private readonly opts: ProxierOptions) {
    this.factory = new SharedInformerFactory(opts.rest, opts.log);
    this.services = this.factory.informerFor<Service>(resources.services);
    this.slices = this.factory.informerFor<EndpointSlice>(resources.endpointslices, {
      indexers: { [sliceServiceIndex]: (s) => sliceServiceKeys(s) },
    });
    const changed = (kind: 'service' | 'endpoints') => (): void => {
      opts.health?.queuedUpdate();
      opts.metrics?.changeQueued(kind);
      this.wakeup.fire();
    };
    const pairs: [SharedInformer<Service | EndpointSlice>, 'service' | 'endpoints'][] = [[this.services, 'service'], [this.slices, 'endpoints']];
    for (const [inf, kind] of pairs) inf.addEventHandler({ onAdd: changed(kind), onUpdate: changed(kind), onDelete: changed(kind) });
    if (opts.l2Announcer) {
      this.speaker = new L2Speaker({
        factory: this.factory,
        services: this.services,
        slices: this.slices,
        slicesOf: (svc) => this.slices.store.byIndex(sliceServiceIndex, `${svc.metadata?.namespace}/${svc.metadata?.name}`),
        announcer: opts.l2Announcer,
        log: opts.log.child({ loop: 'l2' }),
      });
    }
  }

  /** hasSynced reports whether the first sync after the caches filled has succeeded. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** run watches and syncs until signal aborts; the layer2 speaker, if any, removes its addresses on the way out. */
  async run(signal: AbortSignal): Promise<void> {
    this.factory.start(signal);
    const l2 = this.speaker?.run(signal);
    try {
      await this.syncLoop(signal);
    } finally {
      await l2;
    }
  }

  private async syncLoop(signal: AbortSignal): Promise<void> {
    await this.factory.waitForCacheSync(signal);
    const minSyncMs = this.opts.minSyncPeriodMs ?? 1_000;
    const periodMs = this.opts.syncPeriodMs ?? 30_000;
    let pending = true;
    while (!signal.aborted) {
      const wait = Math.max(0, this.lastSync + minSyncMs - Date.now());
      if (wait > 0) await sleepFor(wait, signal);
      if (signal.aborted) break;
      if (pending) {
        pending = false;
        try {
          await this.syncProxyRules();
        } catch (err) {
          this.opts.log.error({ err }, 'Failed to sync iptables rules');
          this.needFullSync = true;
          pending = true;
          await sleepFor(retryAfterFailureMs, signal);
          continue;
        }
      }
      pending = await this.wakeup.wait(periodMs, signal);
      if (!pending && !signal.aborted) pending = await this.checkCanary();
    }
  }

  /** syncProxyRules computes the rules from the caches and restores what changed (everything on a full sync). */
  async syncProxyRules(): Promise<SyncResult> {
    const start = Date.now();
    this.lastSync = start;
    const full = this.needFullSync || start - this.lastFullSync > (this.opts.fullSyncPeriodMs ?? 3_600_000);
    const desired = generateRules(this.currentServices(), this.opts);
    let existing: ExistingChains | undefined;
    if (full) {
      await ensureJumps(this.opts.iptables);
      const filter = parseSavedChains(await this.opts.iptables.save('filter')).get('filter') ?? new Set<string>();
      const nat = parseSavedChains(await this.opts.iptables.save('nat')).get('nat') ?? new Set<string>();
      existing = { filter, nat };
    }
    const input = buildRestore(desired, full ? { ...(existing ? { existing } : {}) } : { ...(this.applied ? { previous: this.applied } : {}) });
    if (input.text) {
      try {
        await this.opts.iptables.restore(input.text);
      } catch (err) {
        this.applied = undefined;
        this.opts.metrics?.restoreFailed();
        throw err;
      }
    }
    this.applied = desired;
    if (full) {
      this.needFullSync = false;
      this.lastFullSync = start;
    }
    this.synced = true;
    this.opts.health?.updated();
    const end = Date.now();
    const result = { full, written: input.written, deleted: input.deleted, durationMs: end - start };
    this.opts.metrics?.synced(result, end);
    this.opts.log.debug(result, 'Synced iptables rules');
    return result;
  }

  /** currentServices pairs every proxied service port with its endpoints, from the informer caches. */
  currentServices(): ServiceEndpoints[] {
    const out: ServiceEndpoints[] = [];
    for (const svc of this.services.store.list()) {
      const ports = servicePortsOf(svc);
      if (ports.length === 0) continue;
      const slices = this.slices.store.byIndex(sliceServiceIndex, `${svc.metadata?.namespace}/${svc.metadata?.name}`);
      for (const port of ports) out.push({ port, endpoints: endpointsForServicePort(port, slices, this.opts.nodeName) });
    }
    return out;
  }

  private async checkCanary(): Promise<boolean> {
    try {
      if (!(await canaryMissing(this.opts.iptables))) return false;
      this.opts.log.info('Canary chain missing, rewriting every rule');
    } catch (err) {
      this.opts.log.warn({ err }, 'Could not check the canary chains');
    }
    this.needFullSync = true;
    return true;
  }
}

function sliceServiceKeys(slice: EndpointSlice): string[] {
  const svc = slice.metadata?.labels?.[serviceNameLabel];
  return svc ? [`${slice.metadata?.namespace ?? ''}/${svc}`] : [];
}

function sleepFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
