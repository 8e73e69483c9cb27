/**
 * The node lease controller (upstream's pkg/kubelet/nodelease via component-helpers' lease controller):
 * keeps `kube-node-lease/<node>` renewed every 10 s (a quarter of its 40 s duration), holder = node name,
 * owned by the Node so it goes away with it. A failed renewal is retried after 200 ms doubling to 7 s.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { isConflict, isNotFound } from '@nanokube/api';
import { sleep, type Clock, type ResourceClient } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';

/** The namespace of node leases. */
export const nodeLeaseNamespace = 'kube-node-lease';

/** microTime renders epoch milliseconds as a MicroTime (RFC 3339 with microseconds). */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** Options of {@link NodeLeaseController}. */
export interface NodeLeaseOptions {
  leases: Pick<ResourceClient<Lease>, 'get' | 'create' | 'update'>;
  nodeName: string;
  /** The Node's uid once registered, for the owner reference. */
  nodeUid(): string | undefined;
  clock: Clock;
  log: Logger;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
}

/** NodeLeaseController renews one node's Lease. */
export class NodeLeaseController {
  private lease: Lease | undefined;

  constructor(private readonly opts: NodeLeaseOptions) {}

  private get durationSeconds(): number {
    return this.opts.leaseDurationSeconds ?? 40;
  }

  /** run renews the lease every renew interval until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const interval = this.opts.renewIntervalMs ?? (this.durationSeconds * 1000) / 4;
    while (!signal.aborted) {
      let retryMs = 200;
      while (!signal.aborted) {
        try {
          await this.sync();
          break;
        } catch (err) {
          this.opts.log.warn({ err, node: this.opts.nodeName, retryMs }, 'Failed to update lease, will retry');
          await sleep(retryMs, signal, this.opts.clock);
          retryMs = Math.min(retryMs * 2, 7_000);
        }
      }
      await sleep(interval, signal, this.opts.clock);
    }
  }

  /** sync creates the lease or renews it once (re-reading it after a conflict). */
  async sync(attempt = 0): Promise<Lease> {
    if (!this.lease) {
      try {
        this.lease = await this.opts.leases.get(this.opts.nodeName);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.lease = await this.opts.leases.create(this.desired(undefined));
        return this.lease;
      }
    }
    try {
      this.lease = await this.opts.leases.update(this.desired(this.lease));
    } catch (err) {
      this.lease = undefined;
      if ((isConflict(err) || isNotFound(err)) && attempt < 3) return this.sync(attempt + 1);
      throw err;
    }
    return this.lease;
  }

  private desired(base: Lease | undefined): Lease {
    const uid = this.opts.nodeUid();
    const owner = uid ? [{ apiVersion: 'v1', kind: 'Node', name: this.opts.nodeName, uid }] : undefined;
    const metadata = base?.metadata ?? { name: this.opts.nodeName, namespace: nodeLeaseNamespace };
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        ...metadata,
        ...(metadata.ownerReferences?.length || !owner ? {} : { ownerReferences: owner }),
      },
      spec: {
        ...base?.spec,
        holderIdentity: this.opts.nodeName,
        leaseDurationSeconds: this.durationSeconds,
        renewTime: microTime(this.opts.clock.now()),
      },
    };
  }
}
