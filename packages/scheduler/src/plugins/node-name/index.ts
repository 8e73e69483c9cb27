/** NodeName keeps only the node named in `spec.nodeName`, when the pod names one. */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { FilterPlugin } from '../../framework/interfaces.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { unresolvable, type Status } from '../../framework/status.js';
import { names } from '../names.js';

export const name = names.nodeName;
/** The reason for any other node. */
export const errReason = "node(s) didn't match the requested node name";

/** create builds the plugin. */
export function create(): FilterPlugin {
  return {
    name,
    filter(_state: CycleState, pod: Pod, nodeInfo: NodeInfo): Status | undefined {
      const want = pod.spec?.nodeName;
      if (!want || want === nodeInfo.name) return undefined;
      return unresolvable(errReason);
    },
  } satisfies FilterPlugin;
}
