/** The pods printer (printPod of pkg/printers/internalversion, 1.32). */
import type { Container, ContainerStatus, Pod, PodCondition } from 'kubernetes-types/core/v1.js';
import type { KubeObject, TableConverter } from '../../../types.js';
import { since } from '../../shared/humanize.js';
import { ageColumn, col, nameColumn } from '../../shared/table.js';

function isRestartableInit(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function later(a: string | undefined, b: string | undefined): string | undefined {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

function hasCondition(conds: PodCondition[] | undefined, type: string): boolean {
  return (conds ?? []).some((c) => c.type === type && c.status === 'True');
}

interface InitResult {
  reason?: string;
  initializing: boolean;
  restarts: number;
  lastRestart?: string;
  sidecarRestarts: number;
  lastSidecarRestart?: string;
  ready: number;
}

function scanInitContainers(pod: Pod): InitResult {
  const specs = new Map((pod.spec?.initContainers ?? []).map((c) => [c.name, c]));
  const total = pod.spec?.initContainers?.length ?? 0;
  const r: InitResult = { initializing: false, restarts: 0, sidecarRestarts: 0, ready: 0 };
  for (const [i, st] of (pod.status?.initContainerStatuses ?? []).entries()) {
    r.restarts += st.restartCount ?? 0;
    r.lastRestart = later(r.lastRestart, st.lastState?.terminated?.finishedAt);
    const sidecar = isRestartableInit(specs.get(st.name));
    if (sidecar) {
      r.sidecarRestarts += st.restartCount ?? 0;
      r.lastSidecarRestart = later(r.lastSidecarRestart, st.lastState?.terminated?.finishedAt);
    }
    const term = st.state?.terminated;
    const waiting = st.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (sidecar && st.started === true) {
      if (st.ready) r.ready++;
      continue;
    }
    if (term) {
      if (!term.reason) r.reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
      else r.reason = `Init:${term.reason}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      r.reason = `Init:${waiting.reason}`;
    } else {
      r.reason = `Init:${i}/${total}`;
    }
    r.initializing = true;
    break;
  }
  return r;
}

function scanContainers(statuses: ContainerStatus[], start: { reason: string; ready: number }): { reason: string; ready: number; restarts: number; lastRestart?: string; hasRunning: boolean } {
  let { reason, ready } = start;
  let restarts = 0;
  let lastRestart: string | undefined;
  let hasRunning = false;
  for (let i = statuses.length - 1; i >= 0; i--) {
    const st = statuses[i];
    if (!st) continue;
    restarts += st.restartCount ?? 0;
    lastRestart = later(lastRestart, st.lastState?.terminated?.finishedAt);
    const waiting = st.state?.waiting;
    const term = st.state?.terminated;
    if (waiting?.reason) reason = waiting.reason;
    else if (term?.reason) reason = term.reason;
    else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
    else if (st.ready && st.state?.running) {
      hasRunning = true;
      ready++;
    }
  }
  return { reason, ready, restarts, lastRestart, hasRunning };
}

/** podStatusCells computes the Ready, Status and Restarts cells exactly as upstream's printPod. */
export function podStatusCells(pod: Pod, now: Date): [string, string, string] {
  const phase = pod.status?.phase ?? '';
  let reason = pod.status?.reason || phase;
  for (const c of pod.status?.conditions ?? []) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  let total = pod.spec?.containers?.length ?? 0;
  total += (pod.spec?.initContainers ?? []).filter(isRestartableInit).length;
  const init = scanInitContainers(pod);
  if (init.reason) reason = init.reason;
  let ready = init.ready;
  let restarts = init.restarts;
  let lastRestart = init.lastRestart;
  if (!init.initializing || hasCondition(pod.status?.conditions, 'Initialized')) {
    const r = scanContainers(pod.status?.containerStatuses ?? [], { reason, ready });
    reason = r.reason;
    ready = r.ready;
    restarts = init.sidecarRestarts + r.restarts;
    lastRestart = later(init.lastSidecarRestart, r.lastRestart);
    if (reason === 'Completed' && r.hasRunning) reason = hasCondition(pod.status?.conditions, 'Ready') ? 'Running' : 'NotReady';
  }
  if (pod.metadata?.deletionTimestamp && pod.status?.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  const restartText = restarts !== 0 && lastRestart ? `${restarts} (${since(lastRestart, now)} ago)` : String(restarts);
  return [`${ready}/${total}`, reason, restartText];
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  let trueCount = 0;
  for (const g of gates) {
    const cond = (pod.status?.conditions ?? []).find((c) => c.type === g.conditionType);
    if (cond?.status === 'True') trueCount++;
  }
  return `${trueCount}/${gates.length}`;
}

/** podTable renders `kubectl get pods` rows. */
export const podTable: TableConverter = {
  columns: [
    nameColumn,
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
    ageColumn,
    col('IP', 'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.', { wide: true }),
    col('Node', 'NodeName indicates in which node this pod is scheduled.', { wide: true }),
    col('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', { wide: true }),
    col('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', { wide: true }),
  ],
  row(obj: KubeObject, now: Date): unknown[] {
    const pod = obj as unknown as Pod;
    const [ready, status, restarts] = podStatusCells(pod, now);
    const ip = pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>';
    return [
      obj.metadata.name ?? '',
      ready,
      status,
      restarts,
      since(obj.metadata.creationTimestamp, now),
      ip,
      pod.spec?.nodeName || '<none>',
      pod.status?.nominatedNodeName || '<none>',
      readinessGates(pod),
    ];
  },
};
