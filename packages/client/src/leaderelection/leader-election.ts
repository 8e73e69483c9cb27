import { isAlreadyExists, isConflict, isNotFound } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import { realClock, sleep, type Clock } from '../clock.js';
import type { ResourceClient } from '../rest/resource-client.js';

/** The coordination.k8s.io/v1 Lease fields leader election uses. */
export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** Configuration of {@link runLeaderElection}; defaults are client-go's (15 s, 10 s, 2 s). */
export interface LeaderElectionConfig {
  leases: ResourceClient<Lease>;
  name: string;
  namespace: string;
  identity: string;
  log: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  /** Called once this process holds the lease; `signal` aborts when leadership is lost. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Always called when leading stops (lease lost, or the outer signal aborted). */
  onStoppedLeading?(): void;
  onNewLeader?(identity: string): void;
}

/** MicroTime format: RFC3339 with microseconds, as the Lease API stores renewTime. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * runLeaderElection acquires the Lease, calls onStartedLeading, renews every retryPeriod and gives up
 * leadership if it could not renew within renewDeadline. Like client-go's, it does not fence: a paused
 * leader may act briefly after its lease expired, so controllers must stay safe under overlap
 * (optimistic concurrency on every write makes them so).
 */
export async function runLeaderElection(cfg: LeaderElectionConfig, signal: AbortSignal): Promise<void> {
  const clock = cfg.clock ?? realClock;
  const leaseMs = cfg.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = cfg.renewDeadlineMs ?? 10_000;
  const retryMs = cfg.retryPeriodMs ?? 2_000;
  const log = cfg.log.child({ lease: `${cfg.namespace}/${cfg.name}`, identity: cfg.identity });
  const leases = cfg.leases.inNamespace(cfg.namespace);
  let observed: { holder: string; renewTime: string; seenAt: number } | undefined;

  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const now = clock.now();
    let lease: Lease | undefined;
    try {
      lease = await leases.get(cfg.name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const spec = lease?.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    if (!observed || observed.holder !== holder || observed.renewTime !== (spec.renewTime ?? '')) {
      observed = { holder, renewTime: spec.renewTime ?? '', seenAt: now };
      if (holder && holder !== cfg.identity) cfg.onNewLeader?.(holder);
    }
    const durationMs = (spec.leaseDurationSeconds ?? leaseMs / 1000) * 1000;
    // Someone else holds an unexpired lease (judged by when *we* saw it change, to be immune to clock skew).
    if (holder && holder !== cfg.identity && observed.seenAt + durationMs > now) return false;
    const transitions = (spec.leaseTransitions ?? 0) + (holder === cfg.identity ? 0 : 1);
    const next: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: cfg.name, namespace: cfg.namespace, ...(lease?.metadata.resourceVersion ? { resourceVersion: lease.metadata.resourceVersion } : {}) },
      spec: {
        holderIdentity: cfg.identity,
        leaseDurationSeconds: Math.round(leaseMs / 1000),
        acquireTime: holder === cfg.identity && spec.acquireTime ? spec.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: lease ? transitions : 0,
      },
    };
    try {
      if (lease) await leases.update(next);
      else await leases.create(next);
    } catch (err) {
      if (isConflict(err) || isAlreadyExists(err)) return false;
      throw err;
    }
    observed = { holder: cfg.identity, renewTime: next.spec?.renewTime ?? '', seenAt: now };
    return true;
  };

  const attempt = async (): Promise<boolean> => {
    try {
      return await tryAcquireOrRenew();
    } catch (err) {
      log.warn({ err }, 'Failed to acquire or renew lease');
      return false;
    }
  };

  while (!signal.aborted) {
    // Acquire.
    while (!signal.aborted && !(await attempt())) await sleep(retryMs, signal, clock);
    if (signal.aborted) return;
    log.info('Became leader');
    const leading = new AbortController();
    const onOuterAbort = (): void => leading.abort();
    signal.addEventListener('abort', onOuterAbort, { once: true });
    void Promise.resolve(cfg.onStartedLeading(leading.signal)).catch((err: unknown) => log.error({ err }, 'Leader function failed'));
    // Renew until a renewal cannot be made within the deadline.
    let lastRenew = clock.now();
    while (!signal.aborted) {
      await sleep(retryMs, signal, clock);
      if (signal.aborted) break;
      if (await attempt()) lastRenew = clock.now();
      else if (clock.now() - lastRenew > renewDeadlineMs) break;
    }
    signal.removeEventListener('abort', onOuterAbort);
    leading.abort();
    log.info('Stopped leading');
    cfg.onStoppedLeading?.();
    if (signal.aborted) return;
  }
}
