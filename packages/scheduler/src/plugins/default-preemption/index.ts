/**
 * DefaultPreemption is the PostFilter that runs when no node fits: on every node that failed with a
 * resolvable status it simulates removing all lower-priority pods, re-runs the filters, then reprieves
 * as many victims as possible (highest priority first). The best candidate's victims are returned for
 * eviction and the pod is nominated to that node. When nothing helps it explains why per node, worded
 * as upstream ("Preemption is not helpful for scheduling", "No preemption victims found for incoming pod").
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import { formatNodeHistogram } from '../../framework/fit-error.js';
import type { Handle, NodeToStatus, PostFilterPlugin, PostFilterResult } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { podPriority, type PodInfo } from '../../framework/pod-info.js';
import { Code, Status, unresolvable, unschedulable } from '../../framework/status.js';
import { names } from '../names.js';

export const name = names.defaultPreemption;
/** Per-node reasons, as upstream words them. */
export const reasonNotHelpful = 'Preemption is not helpful for scheduling';
export const reasonNoVictims = 'No preemption victims found for incoming pod';
export const reasonPreemptionPolicyNever = 'not eligible due to preemptionPolicy=Never.';

interface Candidate {
  nodeName: string;
  victims: PodInfo[];
}

/** selectVictimsOnNode returns the victims that make the pod fit, or the status saying why it cannot. */
function selectVictimsOnNode(handle: Handle, state: CycleState, pod: Pod, original: NodeInfo): PodInfo[] | Status {
  const runner = handle.filterRunner;
  if (!runner) return new Status(Code.Error, ['preemption has no filter runner']);
  const nodeInfo = original.clone();
  const prio = podPriority(pod);
  const potential = nodeInfo.pods.filter((p) => podPriority(p.pod) < prio);
  for (const p of potential) {
    nodeInfo.removePod(p.key);
    runner.runPreFilterExtensionRemovePod(state, pod, p, nodeInfo);
  }
  if (potential.length === 0) return unresolvable(reasonNoVictims);
  const s = runner.runFilterPlugins(state, pod, nodeInfo);
  if (s) return s;
  // Reprieve the most important pods first; whoever no longer fits back in is a victim.
  potential.sort((a, b) => podPriority(b.pod) - podPriority(a.pod));
  const victims: PodInfo[] = [];
  for (const p of potential) {
    nodeInfo.addPodInfo(p);
    runner.runPreFilterExtensionAddPod(state, pod, p, nodeInfo);
    if (runner.runFilterPlugins(state, pod, nodeInfo)) {
      nodeInfo.removePod(p.key);
      runner.runPreFilterExtensionRemovePod(state, pod, p, nodeInfo);
      victims.push(p);
    }
  }
  return victims;
}

/** pickOneNode prefers the lowest highest-victim priority, then the lowest priority sum, then fewest victims. */
function pickOneNode(candidates: Candidate[]): Candidate | undefined {
  const key = (c: Candidate): [number, number, number] => [
    Math.max(...c.victims.map((v) => podPriority(v.pod))),
    c.victims.reduce((a, v) => a + podPriority(v.pod), 0),
    c.victims.length,
  ];
  let best: Candidate | undefined;
  let bestKey: [number, number, number] | undefined;
  for (const c of candidates) {
    const k = key(c);
    if (!bestKey || k[0] < bestKey[0] || (k[0] === bestKey[0] && (k[1] < bestKey[1] || (k[1] === bestKey[1] && k[2] < bestKey[2])))) {
      best = c;
      bestKey = k;
    }
  }
  return best;
}

function withPrefix(s: Status): Status {
  return new Status(s.code, [`preemption: ${s.message()}`]);
}

/** create builds the plugin. */
export function create(_args: unknown, handle: Handle): PostFilterPlugin {
  return {
    name,
    postFilter(state: CycleState, pod: Pod, m: NodeToStatus): PostFilterResult {
      if (pod.spec?.preemptionPolicy === 'Never') return { status: withPrefix(unschedulable(reasonPreemptionPolicyNever)) };
      const statuses = new Map<string, Status>();
      const candidates: Candidate[] = [];
      const notHelpful = unresolvable(reasonNotHelpful);
      for (const ni of handle.snapshot.list()) {
        const s = m.statuses.get(ni.name) ?? m.absentStatus;
        if (!s || s.code !== Code.Unschedulable) {
          statuses.set(ni.name, notHelpful);
          continue;
        }
        const r = selectVictimsOnNode(handle, state.clone(), pod, ni);
        if (r instanceof Status) statuses.set(ni.name, r);
        else if (r.length) candidates.push({ nodeName: ni.name, victims: r });
      }
      const best = pickOneNode(candidates);
      if (!best) {
        const msg = formatNodeHistogram({ statuses, absentStatus: notHelpful, numAllNodes: m.numAllNodes });
        return { status: withPrefix(unschedulable(msg.endsWith('.') ? msg.slice(0, -1) : msg)) };
      }
      return { status: new Status(Code.Success), nominatedNodeName: best.nodeName, victims: best.victims.map((v) => v.pod) };
    },
  } satisfies PostFilterPlugin;
}
