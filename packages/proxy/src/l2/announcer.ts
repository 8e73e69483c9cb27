/**
 * L2Announcer makes one node hold the LoadBalancer addresses it owns: given the current Services, Nodes
 * and EndpointSlices it computes every address's owner ({@link computeAnnouncements}), adds the owned
 * ones as /32 to the announce interface and sends gratuitous ARP, and removes the ones it no longer owns.
 * It is driven with plain objects (the L2Speaker feeds it from informers; tests hand-make them).
 */
import type { Node, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Logger } from '@nanokube/component-base';
import { addressLabel, addressLabelSuffix, type Addresses } from './addresses.js';
import { computeAnnouncements } from './owner.js';

/** The event reason and message MetalLB's speaker records on the Service it announces. */
export const nodeAssignedReason = 'nodeAssigned';
export function nodeAssignedMessage(node: string): string {
  return `announcing from node "${node}" with protocol "layer2"`;
}

/** What the announcer records events with (an EventRecorder from @nanokube/client fits). */
export interface ServiceEventSink {
  event(target: Service, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** Options of {@link L2Announcer}. */
export interface L2AnnouncerOptions {
  nodeName: string;
  /** The interface the owned addresses go on. */
  iface: string;
  addresses: Addresses;
  log: Logger;
  events?: ServiceEventSink;
}

/** The state the announcer is driven with. */
export interface L2State {
  services: readonly Service[];
  nodes: readonly Node[];
  /** The EndpointSlices of a Service (only consulted for externalTrafficPolicy Local). */
  slicesOf: (svc: Service) => readonly EndpointSlice[];
}

/** What one sync changed. */
export interface L2SyncResult {
  added: string[];
  removed: string[];
  /** Every address this node holds after the sync. */
  held: string[];
}

/** L2Announcer; see the module comment. */
export class L2Announcer {
  /** Addresses this node currently holds, with the Services that use them. */
  private readonly held = new Set<string>();
  /** Which `ns/name@ip` already got a nodeAssigned event from this node. */
  private readonly recorded = new Set<string>();

  constructor(private readonly opts: L2AnnouncerOptions) {}

  /** heldAddresses lists the addresses this node holds. */
  heldAddresses(): string[] {
    return [...this.held].sort();
  }

  /**
   * sync adds the addresses this node owns and removes the rest. It first reads the labelled addresses
   * actually on the interface, so it adopts what a previous run left behind (and removes it if no longer
   * owned) and re-adds an owned address someone deleted. Errors of single addresses are logged and
   * retried on the next sync; the first one is rethrown at the end.
   */
  async sync(state: L2State): Promise<L2SyncResult> {
    const { nodeName, iface, addresses, log } = this.opts;
    if (addressLabel(iface)) {
      const present = await this.leftovers();
      this.held.clear();
      for (const ip of present) this.held.add(ip);
    }
    const wanted = new Map<string, Service[]>();
    for (const a of computeAnnouncements(state.services, state.nodes, state.slicesOf)) {
      if (a.owner === nodeName) wanted.set(a.ip, a.services);
    }
    const added: string[] = [];
    const removed: string[] = [];
    let firstError: unknown;
    for (const ip of [...this.held].sort()) {
      if (wanted.has(ip)) continue;
      try {
        await addresses.remove(iface, ip);
        this.held.delete(ip);
        removed.push(ip);
        for (const key of this.recorded) if (key.endsWith(`@${ip}`)) this.recorded.delete(key);
        log.info({ ip, iface }, 'Stopped announcing load balancer address');
      } catch (err) {
        firstError ??= err;
        log.error({ err, ip, iface }, 'Could not remove load balancer address');
      }
    }
    for (const [ip, services] of wanted) {
      if (!this.held.has(ip)) {
        try {
          await addresses.add(iface, ip);
        } catch (err) {
          firstError ??= err;
          log.error({ err, ip, iface }, 'Could not add load balancer address');
          continue;
        }
        this.held.add(ip);
        added.push(ip);
        log.info({ ip, iface, services: services.map(serviceKey) }, 'Announcing load balancer address');
        // Gratuitous ARP moves the neighbours' caches over from a previous owner. It takes about a second
        // (two packets), so it runs in the background: a failover of many addresses is not serialised on it.
        void addresses.announce(iface, ip).catch((err: unknown) => log.warn({ err, ip, iface }, 'Could not send gratuitous ARP'));
      }
      for (const svc of services) {
        const key = `${serviceKey(svc)}@${ip}`;
        if (this.recorded.has(key)) continue;
        this.recorded.add(key);
        // List items may lack kind: the event needs it for `kubectl describe service` to find it.
        this.opts.events?.event({ ...svc, apiVersion: 'v1', kind: 'Service' }, 'Normal', nodeAssignedReason, nodeAssignedMessage(nodeName));
      }
    }
    if (firstError !== undefined) throw firstError;
    return { added, removed, held: this.heldAddresses() };
  }

  /** cleanup removes every address this announcer (or a previous run, by label) added. */
  async cleanup(): Promise<string[]> {
    const all = new Set([...this.held, ...(await this.leftovers().catch(() => []))]);
    const removed: string[] = [];
    for (const ip of [...all].sort()) {
      try {
        await this.opts.addresses.remove(this.opts.iface, ip);
        removed.push(ip);
      } catch (err) {
        this.opts.log.error({ err, ip, iface: this.opts.iface }, 'Could not remove load balancer address');
      }
      this.held.delete(ip);
    }
    this.recorded.clear();
    return removed;
  }

  /** leftovers lists the labelled /32 addresses on our interface. */
  private async leftovers(): Promise<string[]> {
    const label = addressLabel(this.opts.iface);
    if (!label) return [];
    return (await this.opts.addresses.list()).filter((a) => a.iface === this.opts.iface && a.label === label && a.prefixLength === 32).map((a) => a.ip);
  }
}

/** cleanupAnnouncedAddresses removes every labelled announce address on any interface (for `--cleanup`). */
export async function cleanupAnnouncedAddresses(addresses: Addresses): Promise<string[]> {
  const removed: string[] = [];
  for (const a of await addresses.list()) {
    if (a.prefixLength !== 32 || a.label !== `${a.iface}${addressLabelSuffix}`) continue;
    await addresses.remove(a.iface, a.ip);
    removed.push(a.ip);
  }
  return removed;
}

function serviceKey(svc: Service): string {
  return `${svc.metadata?.namespace ?? 'default'}/${svc.metadata?.name ?? ''}`;
}
