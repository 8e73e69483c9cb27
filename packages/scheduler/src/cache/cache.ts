/**
 * SchedulerCache keeps a NodeInfo per node, updated incrementally from the node and pod informers,
 * plus "assumed" pods: pods the scheduler has placed but whose binding the watch has not confirmed yet.
 * Assumed pods count against their node at once, so the next cycle does not overcommit it.
 *
 * The cache is also the cycle's snapshot (SharedLister): a scheduling cycle runs synchronously, so the
 * informers cannot change it mid-cycle and no copy is needed. Lists are rebuilt lazily when dirty.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { SharedLister } from '../framework/interfaces.js';
import { NodeInfo } from '../framework/node-info.js';
import { hasAffinity, newPodInfo, podKey, type PodInfo } from '../framework/pod-info.js';

const zoneLabel = 'topology.kubernetes.io/zone';
const regionLabel = 'topology.kubernetes.io/region';

interface PodState {
  pod: Pod;
  nodeName: string;
  assumed: boolean;
}

/** SchedulerCache is the scheduler's view of nodes and the pods placed on them. */
export class SchedulerCache implements SharedLister {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  private nodeList: NodeInfo[] | undefined;
  private affinityList: NodeInfo[] | undefined;
  private antiAffinityList: NodeInfo[] | undefined;

  // SharedLister

  list(): readonly NodeInfo[] {
    if (!this.nodeList) this.nodeList = this.buildNodeList();
    return this.nodeList;
  }

  get(nodeName: string): NodeInfo | undefined {
    const ni = this.nodes.get(nodeName);
    return ni?.node ? ni : undefined;
  }

  havePodsWithAffinityList(): readonly NodeInfo[] {
    if (!this.affinityList) this.affinityList = this.list().filter((n) => n.podsWithAffinity.length > 0);
    return this.affinityList;
  }

  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    if (!this.antiAffinityList) this.antiAffinityList = this.list().filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
    return this.antiAffinityList;
  }

  // Nodes

  addNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    let ni = this.nodes.get(name);
    if (!ni) this.nodes.set(name, (ni = new NodeInfo()));
    ni.setNode(node);
    this.invalidateNodes();
  }

  updateNode(_oldNode: Node, newNode: Node): void {
    this.addNode(newNode);
  }

  /** removeNode forgets the Node; its NodeInfo stays while pods still reference it. */
  removeNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const ni = this.nodes.get(name);
    if (!ni) return;
    if (ni.pods.length === 0) this.nodes.delete(name);
    else ni.node = undefined;
    this.invalidateNodes();
  }

  // Pods

  /** assumePod counts a pod (with spec.nodeName set to the chosen node) before its binding is confirmed. */
  assumePod(pod: Pod): void {
    const key = podKey(pod);
    if (this.podStates.has(key)) throw new Error(`pod ${key} is in the cache, so can't be assumed`);
    const nodeName = pod.spec?.nodeName ?? '';
    this.addToNode(newPodInfo(pod), nodeName);
    this.podStates.set(key, { pod, nodeName, assumed: true });
  }

  /** forgetPod undoes assumePod (binding failed). */
  forgetPod(pod: Pod): void {
    const key = podKey(pod);
    const st = this.podStates.get(key);
    if (!st?.assumed) return;
    this.removeFromNode(key, st.nodeName);
    this.podStates.delete(key);
  }

  isAssumed(pod: Pod): boolean {
    return this.podStates.get(podKey(pod))?.assumed === true;
  }

  /** addPod records an assigned pod seen by the informer; it confirms an assumed pod. */
  addPod(pod: Pod): void {
    const key = podKey(pod);
    const st = this.podStates.get(key);
    if (st) this.removeFromNode(key, st.nodeName);
    const nodeName = pod.spec?.nodeName ?? '';
    this.addToNode(newPodInfo(pod), nodeName);
    this.podStates.set(key, { pod, nodeName, assumed: false });
  }

  updatePod(_oldPod: Pod, newPod: Pod): void {
    this.addPod(newPod);
  }

  removePod(pod: Pod): void {
    const key = podKey(pod);
    const st = this.podStates.get(key);
    if (!st) return;
    this.removeFromNode(key, st.nodeName);
    this.podStates.delete(key);
  }

  /** podCount returns how many pods (assumed included) the cache holds. */
  podCount(): number {
    return this.podStates.size;
  }

  private addToNode(pi: PodInfo, nodeName: string): void {
    let ni = this.nodes.get(nodeName);
    if (!ni) this.nodes.set(nodeName, (ni = new NodeInfo()));
    ni.addPodInfo(pi);
    if (hasAffinity(pi)) this.affinityList = undefined;
    if (pi.requiredAntiAffinityTerms.length) this.antiAffinityList = undefined;
  }

  private removeFromNode(key: string, nodeName: string): void {
    const ni = this.nodes.get(nodeName);
    if (!ni) return;
    const had = ni.podsWithAffinity.length;
    const hadAnti = ni.podsWithRequiredAntiAffinity.length;
    ni.removePod(key);
    if (ni.podsWithAffinity.length !== had) this.affinityList = undefined;
    if (ni.podsWithRequiredAntiAffinity.length !== hadAnti) this.antiAffinityList = undefined;
    if (!ni.node && ni.pods.length === 0) this.nodes.delete(nodeName);
  }

  private invalidateNodes(): void {
    this.nodeList = undefined;
    this.affinityList = undefined;
    this.antiAffinityList = undefined;
  }

  /** buildNodeList interleaves zones (upstream's nodeTree), so sampling a prefix spreads over zones. */
  private buildNodeList(): NodeInfo[] {
    const byZone = new Map<string, NodeInfo[]>();
    for (const ni of this.nodes.values()) {
      if (!ni.node) continue;
      const labels = ni.node.metadata?.labels ?? {};
      const zone = `${labels[regionLabel] ?? ''}:${labels[zoneLabel] ?? ''}`;
      let list = byZone.get(zone);
      if (!list) byZone.set(zone, (list = []));
      list.push(ni);
    }
    const zones = [...byZone.values()];
    const total = zones.reduce((a, z) => a + z.length, 0);
    const out: NodeInfo[] = [];
    for (let i = 0; out.length < total; i++) {
      for (const z of zones) {
        const ni = z[i];
        if (ni) out.push(ni);
      }
    }
    return out;
  }
}
