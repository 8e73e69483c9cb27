/**
 * SimulatedFleet is what many simulated node agents in one process share instead of two watches each (as
 * kwok runs all its fake nodes): one informer on every bound pod (`spec.nodeName!=`) and one on every Node
 * (not only those labelled `type=simulated`: a relabelled node must not vanish from its own agent), split
 * per node by {@link PerNodeViews}. At 1,000 nodes this is 2 watches instead of 2,000,
 * which the apiserver would otherwise hold open (memory per connection, work per event per watch).
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { realClock, ResourceClient, resources, SharedInformer, type Clock, type RestClient } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import type { KubeletSources } from '../../../kubelet.js';
import { PerNodeViews } from './per-node-views.js';

/** Options of {@link SimulatedFleet}. */
export interface SimulatedFleetOptions {
  rest: RestClient;
  log: Logger;
  clock?: Clock;
}

export class SimulatedFleet {
  private readonly podInformer: SharedInformer<Pod>;
  private readonly nodeInformer: SharedInformer<Node>;
  private readonly pods: PerNodeViews<Pod>;
  private readonly nodes: PerNodeViews<Node>;

  constructor(opts: SimulatedFleetOptions) {
    const clock = opts.clock ?? realClock;
    const log = opts.log.child({ fleet: true });
    this.podInformer = new SharedInformer<Pod>({
      client: new ResourceClient<Pod>(opts.rest, resources.pods),
      log,
      fieldSelector: 'spec.nodeName!=',
      clock,
    });
    this.nodeInformer = new SharedInformer<Node>({
      client: new ResourceClient<Node>(opts.rest, resources.nodes),
      log,
      clock,
    });
    this.pods = new PerNodeViews<Pod>({ source: this.podInformer, nodeOf: (p) => p.spec?.nodeName ?? '' });
    this.nodes = new PerNodeViews<Node>({ source: this.nodeInformer, nodeOf: (n) => n.metadata?.name ?? '' });
  }

  /** sourcesFor is what node agent `nodeName` watches through (KubeletOptions.sources). */
  sourcesFor(nodeName: string): KubeletSources {
    return { pods: this.pods.view(nodeName), node: this.nodes.view(nodeName) };
  }

  /** run lists and watches the fleet's pods and Nodes until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all([this.podInformer.run(signal), this.nodeInformer.run(signal)]);
  }
}
