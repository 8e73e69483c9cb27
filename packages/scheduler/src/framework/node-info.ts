/**
 * NodeInfo aggregates what the scheduler knows about one node: the Node object, the pods on it
 * (assumed ones included), their summed requests, and the host ports in use. The cache updates it
 * incrementally from informer events; every change bumps `generation`.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { addResource, cloneResource, emptyResource, nodeAllocatable, type Resource } from './resource.js';
import { hasAffinity, type HostPort, type PodInfo } from './pod-info.js';

let generationCounter = 0;

/** nextGeneration hands out increasing generation numbers. */
export function nextGeneration(): number {
  return ++generationCounter;
}

/** HostPortInfo tracks used host ports by IP; `0.0.0.0` conflicts with every IP. */
export class HostPortInfo {
  private readonly byIp = new Map<string, Map<string, number>>();

  add(p: HostPort): void {
    let m = this.byIp.get(p.ip);
    if (!m) this.byIp.set(p.ip, (m = new Map()));
    const k = `${p.protocol}/${p.port}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const m = this.byIp.get(p.ip);
    if (!m) return;
    const k = `${p.protocol}/${p.port}`;
    const n = (m.get(k) ?? 0) - 1;
    if (n > 0) m.set(k, n);
    else m.delete(k);
    if (m.size === 0) this.byIp.delete(p.ip);
  }

  /** checkConflict reports whether p collides with a used port. */
  checkConflict(p: HostPort): boolean {
    const k = `${p.protocol}/${p.port}`;
    if (p.ip === '0.0.0.0') {
      for (const m of this.byIp.values()) if (m.has(k)) return true;
      return false;
    }
    return Boolean(this.byIp.get(p.ip)?.has(k) || this.byIp.get('0.0.0.0')?.has(k));
  }

  get size(): number {
    return this.byIp.size;
  }

  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [ip, m] of this.byIp) c.byIp.set(ip, new Map(m));
    return c;
  }
}

/** NodeInfo is one node's aggregated scheduling view. */
export class NodeInfo {
  node: Node | undefined;
  pods: PodInfo[] = [];
  podsWithAffinity: PodInfo[] = [];
  podsWithRequiredAntiAffinity: PodInfo[] = [];
  usedPorts = new HostPortInfo();
  /** Sum of the pods' requests (what NodeResourcesFit checks). */
  requested: Resource = emptyResource();
  /** Sum with non-zero defaults for CPU and memory (what the scores use). */
  nonZeroMilliCpu = 0;
  nonZeroMemory = 0;
  allocatable: Resource = emptyResource();
  generation = nextGeneration();

  constructor(node?: Node) {
    if (node) this.setNode(node);
  }

  get name(): string {
    return this.node?.metadata?.name ?? '';
  }

  setNode(node: Node): void {
    this.node = node;
    this.allocatable = nodeAllocatable(node);
    this.generation = nextGeneration();
  }

  addPodInfo(pi: PodInfo): void {
    this.pods.push(pi);
    if (hasAffinity(pi)) this.podsWithAffinity.push(pi);
    if (pi.requiredAntiAffinityTerms.length) this.podsWithRequiredAntiAffinity.push(pi);
    this.account(pi, 1);
  }

  /** removePod removes the pod with this key; returns false if it was not there. */
  removePod(key: string): boolean {
    const i = this.pods.findIndex((p) => p.key === key);
    if (i < 0) return false;
    const pi = this.pods[i] as PodInfo;
    this.pods.splice(i, 1);
    this.podsWithAffinity = this.podsWithAffinity.filter((p) => p.key !== key);
    this.podsWithRequiredAntiAffinity = this.podsWithRequiredAntiAffinity.filter((p) => p.key !== key);
    this.account(pi, -1);
    return true;
  }

  private account(pi: PodInfo, sign: 1 | -1): void {
    addResource(this.requested, pi.requests, sign);
    // allowedPodNumber is not a request: keep it out of `requested`.
    this.requested.allowedPodNumber = 0;
    this.nonZeroMilliCpu += sign * pi.nonZeroMilliCpu;
    this.nonZeroMemory += sign * pi.nonZeroMemory;
    for (const p of pi.hostPorts) {
      if (sign > 0) this.usedPorts.add(p);
      else this.usedPorts.remove(p);
    }
    this.generation = nextGeneration();
  }

  /** clone copies the node info (the pod infos themselves are immutable and shared). */
  clone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.pods = [...this.pods];
    c.podsWithAffinity = [...this.podsWithAffinity];
    c.podsWithRequiredAntiAffinity = [...this.podsWithRequiredAntiAffinity];
    c.usedPorts = this.usedPorts.clone();
    c.requested = cloneResource(this.requested);
    c.nonZeroMilliCpu = this.nonZeroMilliCpu;
    c.nonZeroMemory = this.nonZeroMemory;
    c.allocatable = cloneResource(this.allocatable);
    c.generation = this.generation;
    return c;
  }
}
