/** NodePorts filters out nodes where a host port the pod asks for is already in use. */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { FilterPlugin, PreFilterPlugin, PreFilterResult } from '../../framework/interfaces.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { cyclePodInfo, type HostPort } from '../../framework/pod-info.js';
import { skip, unschedulable, type Status } from '../../framework/status.js';
import { names } from '../names.js';

export const name = names.nodePorts;
/** The reason for a port clash. */
export const errReason = "node(s) didn't have free ports for the requested pod ports";

const preFilterStateKey = `PreFilter${name}`;

/** create builds the plugin. */
export function create(): PreFilterPlugin & FilterPlugin {
  return {
    name,
    preFilter(state: CycleState, pod: Pod): PreFilterResult | undefined {
      const ports = cyclePodInfo(state, pod).hostPorts;
      if (ports.length === 0) return { status: skip() };
      state.write(preFilterStateKey, ports);
      return undefined;
    },
    filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status | undefined {
      const ports = state.read<HostPort[]>(preFilterStateKey) ?? [];
      if (nodeInfo.usedPorts.size === 0) return undefined;
      return ports.some((p) => nodeInfo.usedPorts.checkConflict(p)) ? unschedulable(errReason) : undefined;
    },
  } satisfies PreFilterPlugin & FilterPlugin;
}
