/**
 * buildStatsSummary answers `/stats/summary` in the kubelet Summary API shape (stats/v1alpha1), with the
 * node and per-pod CPU and memory that metrics-server reads for `kubectl top`.
 */
import type { Kubelet } from '../kubelet.js';
import { kubeletProcessUsage } from '../metrics/index.js';

/** buildStatsSummary collects container stats from the runtime and groups them by pod. */
export async function buildStatsSummary(kubelet: Kubelet): Promise<object> {
  kubelet.runtime.observePods?.(kubelet.pods());
  const stats = new Map((await kubelet.runtime.stats()).map((s) => [s.containerId, s]));
  const now = new Date().toISOString();
  const system = kubelet.runtime.systemUsage?.() ?? kubeletProcessUsage();
  let nodeCpu = system?.cpuUsageCoreNanoSeconds ?? 0;
  let nodeNanoCores: number | undefined = system ? system.usageNanoCores : 0;
  let nodeMem = system?.memoryWorkingSetBytes ?? 0;
  const pods = [];
  for (const pod of kubelet.pods()) {
    const uid = pod.metadata?.uid ?? '';
    const containers = [];
    for (const c of await kubelet.runtime.listContainers({ podUid: uid })) {
      const s = stats.get(c.id);
      if (!s || c.state !== 'running') continue;
      nodeCpu += s.cpuUsageCoreNanoSeconds;
      nodeNanoCores = nodeNanoCores !== undefined && s.usageNanoCores !== undefined ? nodeNanoCores + s.usageNanoCores : undefined;
      nodeMem += s.memoryWorkingSetBytes;
      const time = new Date(s.timestamp).toISOString();
      containers.push({
        name: c.name,
        startTime: new Date(c.startedAt).toISOString(),
        cpu: { time, usageCoreNanoSeconds: s.cpuUsageCoreNanoSeconds, ...(s.usageNanoCores !== undefined ? { usageNanoCores: s.usageNanoCores } : {}) },
        memory: { time, workingSetBytes: s.memoryWorkingSetBytes },
      });
    }
    pods.push({ podRef: { name: pod.metadata?.name, namespace: pod.metadata?.namespace, uid }, startTime: pod.status?.startTime, containers });
  }
  return {
    node: {
      nodeName: kubelet.nodeName,
      startTime: now,
      cpu: { time: now, usageCoreNanoSeconds: nodeCpu, ...(nodeNanoCores !== undefined ? { usageNanoCores: nodeNanoCores } : {}) },
      memory: { time: now, workingSetBytes: nodeMem },
    },
    pods,
  };
}
