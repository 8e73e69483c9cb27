/**
 * Resource amounts the way the scheduler counts them: CPU in millicores, memory and storage in bytes,
 * the pod count, and any other (extended, hugepages) resource as an integer. Pod requests follow
 * upstream's rules: regular containers (and restartable "sidecar" init containers) are summed, each
 * ordinary init container is taken as a maximum because it runs alone, then the pod overhead is added.
 */
import type { Container, Node, Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity, quantityToInt, quantityToMilli } from '@nanokube/api';

/** An amount of each resource. */
export interface Resource {
  milliCpu: number;
  memory: number;
  ephemeralStorage: number;
  /** Only meaningful for allocatable: `allocatable.pods`. */
  allowedPodNumber: number;
  /** Every other resource by name (extended resources, hugepages-*). */
  scalar: Map<string, number>;
}

/** The CPU request assumed for scoring when a container sets none (upstream DefaultMilliCPURequest). */
export const defaultMilliCpuRequest = 100;
/** The memory request assumed for scoring when a container sets none (upstream DefaultMemoryRequest, 200Mi). */
export const defaultMemoryRequest = 200 * 1024 * 1024;

/** emptyResource returns a zero Resource. */
export function emptyResource(): Resource {
  return { milliCpu: 0, memory: 0, ephemeralStorage: 0, allowedPodNumber: 0, scalar: new Map() };
}

/** cloneResource copies a Resource. */
export function cloneResource(r: Resource): Resource {
  return { ...r, scalar: new Map(r.scalar) };
}

function amount(name: string, value: string | number): number {
  const q = parseQuantity(value);
  return name === 'cpu' ? quantityToMilli(q) : quantityToInt(q);
}

/** addList adds a `ResourceList` (`{cpu: "100m", memory: "1Gi"}`) into r. */
export function addList(r: Resource, list: Record<string, string | number> | undefined, sign = 1): void {
  if (!list) return;
  for (const [name, value] of Object.entries(list)) {
    const v = sign * amount(name, value);
    switch (name) {
      case 'cpu':
        r.milliCpu += v;
        break;
      case 'memory':
        r.memory += v;
        break;
      case 'ephemeral-storage':
        r.ephemeralStorage += v;
        break;
      case 'pods':
        r.allowedPodNumber += v;
        break;
      default:
        r.scalar.set(name, (r.scalar.get(name) ?? 0) + v);
    }
  }
}

/** addResource adds b into a (sign -1 subtracts). */
export function addResource(a: Resource, b: Resource, sign = 1): void {
  a.milliCpu += sign * b.milliCpu;
  a.memory += sign * b.memory;
  a.ephemeralStorage += sign * b.ephemeralStorage;
  a.allowedPodNumber += sign * b.allowedPodNumber;
  for (const [k, v] of b.scalar) a.scalar.set(k, (a.scalar.get(k) ?? 0) + sign * v);
}

function maxInto(a: Resource, b: Resource): void {
  a.milliCpu = Math.max(a.milliCpu, b.milliCpu);
  a.memory = Math.max(a.memory, b.memory);
  a.ephemeralStorage = Math.max(a.ephemeralStorage, b.ephemeralStorage);
  for (const [k, v] of b.scalar) a.scalar.set(k, Math.max(a.scalar.get(k) ?? 0, v));
}

/** nodeAllocatable reads `status.allocatable` (falling back to `status.capacity`, as the kubelet fills both). */
export function nodeAllocatable(node: Node): Resource {
  const r = emptyResource();
  addList(r, (node.status?.allocatable ?? node.status?.capacity) as Record<string, string> | undefined);
  return r;
}

function containerRequest(c: Container, nonZero: boolean): Resource {
  const r = emptyResource();
  const requests = c.resources?.requests as Record<string, string> | undefined;
  addList(r, requests);
  if (nonZero) {
    if (requests?.['cpu'] === undefined) r.milliCpu = defaultMilliCpuRequest;
    if (requests?.['memory'] === undefined) r.memory = defaultMemoryRequest;
  }
  return r;
}

/**
 * podRequests computes the pod's effective request. With `nonZero`, containers that request no CPU or
 * memory count as 100m / 200Mi (used only for scoring, so that empty pods still spread).
 */
export function podRequests(pod: Pod, nonZero = false): Resource {
  const spec = pod.spec;
  const result = emptyResource();
  if (!spec) return result;
  for (const c of spec.containers ?? []) addResource(result, containerRequest(c, nonZero));
  const sidecars = emptyResource();
  const initMax = emptyResource();
  for (const c of spec.initContainers ?? []) {
    const req = containerRequest(c, nonZero);
    if (c.restartPolicy === 'Always') {
      addResource(sidecars, req);
      maxInto(initMax, sidecars);
    } else {
      const withSidecars = cloneResource(req);
      addResource(withSidecars, sidecars);
      maxInto(initMax, withSidecars);
    }
  }
  addResource(result, sidecars);
  maxInto(result, initMax);
  addList(result, spec.overhead as Record<string, string> | undefined);
  return result;
}
