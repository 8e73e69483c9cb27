/** NodeUnschedulable filters out nodes with `spec.unschedulable` (cordoned) unless the pod tolerates it. */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { FilterPlugin } from '../../framework/interfaces.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { unresolvable, type Status } from '../../framework/status.js';
import { tolerationsTolerateTaint } from '../helper/taints.js';
import { names } from '../names.js';

export const name = names.nodeUnschedulable;
/** The reason for a cordoned node. */
export const errReasonUnschedulable = 'node(s) were unschedulable';
/** The reason when the Node object is gone (upstream ErrReasonUnknownCondition). */
export const errReasonUnknownCondition = 'node(s) had unknown conditions';

/** The taint a pod must tolerate to land on a cordoned node. */
export const unschedulableTaint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' } as const;

/** create builds the plugin. */
export function create(): FilterPlugin {
  return {
    name,
    filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
      const node = nodeInfo.node;
      if (!node) return unresolvable(errReasonUnknownCondition);
      if (!node.spec?.unschedulable) return undefined;
      if (tolerationsTolerateTaint(pod.spec?.tolerations, unschedulableTaint)) return undefined;
      return unresolvable(errReasonUnschedulable);
    },
  } satisfies FilterPlugin;
}
