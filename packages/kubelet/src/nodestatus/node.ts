/**
 * The Node object a kubelet registers and the status it reports (upstream's kubelet_node_status.go and
 * pkg/kubelet/nodestatus setters): default labels, taints from --register-with-taints, capacity and
 * allocatable (capacity minus the default hard eviction thresholds), addresses, nodeInfo and the four
 * conditions with upstream's reasons and messages.
 */
import type { Node, NodeCondition, NodeStatus, Taint } from 'kubernetes-types/core/v1.js';
import { parseQuantity, quantityToInt } from '@nanokube/api';
import { toApiTime } from '../status/generate.js';

/** The kubelet version every nanokube node reports. */
export const kubeletVersion = 'v1.32.0';

/** Static facts about the machine, reported in `status.nodeInfo`. */
export interface NodeSystemInfo {
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  containerRuntimeVersion: string;
  kubeletVersion: string;
  kubeProxyVersion: string;
  operatingSystem: string;
  architecture: string;
}

/** Everything needed to build the Node and its status. */
export interface NodeConfig {
  nodeName: string;
  nodeIp: string;
  /** Labels from --node-labels (merged over the defaults). */
  labels: Record<string, string>;
  /** Taints from --register-with-taints (applied at registration only, as upstream). */
  taints: Taint[];
  /** cpu, memory, pods, ephemeral-storage as quantities. */
  capacity: Record<string, string>;
  /** HTTPS port of the kubelet server (status.daemonEndpoints). */
  port: number;
  systemInfo: NodeSystemInfo;
}

/** What the runtime says about its health, for the Ready condition. */
export interface RuntimeHealth {
  runtimeReady: boolean;
  networkReady: boolean;
  message?: string;
}

/** defaultNodeLabels are the labels the kubelet always sets on its Node. */
export function defaultNodeLabels(cfg: NodeConfig): Record<string, string> {
  const os = cfg.systemInfo.operatingSystem;
  const arch = cfg.systemInfo.architecture;
  return {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': os,
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': cfg.nodeName,
    'kubernetes.io/os': os,
  };
}

/** initialNode is the Node the kubelet creates when registering. */
export function initialNode(cfg: NodeConfig): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: cfg.nodeName,
      labels: { ...defaultNodeLabels(cfg), ...cfg.labels },
      annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec: cfg.taints.length ? { taints: cfg.taints } : {},
  };
}

const gi = 1024 * 1024 * 1024;
const evictionMemoryBytes = 100 * 1024 * 1024;

/** allocatableOf subtracts the default hard eviction thresholds (memory 100Mi, nodefs 10%) from capacity. */
export function allocatableOf(capacity: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...capacity };
  const mem = capacity['memory'];
  if (mem !== undefined) out['memory'] = `${Math.max(0, Math.floor((quantityToInt(parseQuantity(mem)) - evictionMemoryBytes) / 1024))}Ki`;
  const disk = capacity['ephemeral-storage'];
  if (disk !== undefined) out['ephemeral-storage'] = String(Math.floor(quantityToInt(parseQuantity(disk)) * 0.9));
  return out;
}

/** normalizeCapacity renders memory in Ki as cAdvisor-fed kubelets do and adds the hugepages entries. */
export function normalizeCapacity(capacity: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...capacity, 'hugepages-1Gi': '0', 'hugepages-2Mi': '0' };
  const mem = capacity['memory'];
  if (mem !== undefined) out['memory'] = `${Math.floor(quantityToInt(parseQuantity(mem)) / 1024)}Ki`;
  const disk = capacity['ephemeral-storage'];
  if (disk !== undefined && quantityToInt(parseQuantity(disk)) % gi !== 0) out['ephemeral-storage'] = `${Math.floor(quantityToInt(parseQuantity(disk)) / 1024)}Ki`;
  return out;
}

function cond(type: string, status: 'True' | 'False', reason: string, message: string): NodeCondition {
  return { type, status, reason, message };
}

/** nodeConditions computes MemoryPressure, DiskPressure, PIDPressure and Ready in upstream's order and words. */
export function nodeConditions(health: RuntimeHealth): NodeCondition[] {
  let ready = cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status');
  if (!health.runtimeReady) {
    ready = cond('Ready', 'False', 'KubeletNotReady', `container runtime is down: ${health.message ?? 'runtime not ready'}`);
  } else if (!health.networkReady) {
    const why = health.message ?? 'Network plugin returns error: cni plugin not initialized';
    ready = cond('Ready', 'False', 'KubeletNotReady', `container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:${why}`);
  }
  return [
    cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready,
  ];
}

/**
 * computeNodeStatus builds the full status to report. Heartbeat times are `now`; a condition keeps its
 * lastTransitionTime from `previous` while its status is unchanged.
 */
export function computeNodeStatus(cfg: NodeConfig, health: RuntimeHealth, previous: NodeStatus | undefined, now: number): NodeStatus {
  const stamp = toApiTime(now);
  const conditions = nodeConditions(health).map((c) => {
    const before = previous?.conditions?.find((p) => p.type === c.type);
    const lastTransitionTime = before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : stamp;
    return { ...c, lastHeartbeatTime: stamp, lastTransitionTime };
  });
  const capacity = normalizeCapacity(cfg.capacity);
  return {
    capacity,
    allocatable: allocatableOf(capacity),
    conditions,
    addresses: [
      { type: 'InternalIP', address: cfg.nodeIp },
      { type: 'Hostname', address: cfg.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: cfg.port } },
    nodeInfo: { ...cfg.systemInfo },
  };
}

/** withoutHeartbeats drops the heartbeat times, to tell a real change from a mere refresh. */
export function withoutHeartbeats(status: NodeStatus | undefined): NodeStatus | undefined {
  if (!status) return undefined;
  return { ...status, conditions: status.conditions?.map(({ lastHeartbeatTime: _h, ...c }) => c) ?? [] };
}
