/** DefaultBinder binds with POST `pods/<name>/binding`, as upstream's defaultbinder. */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { BindPlugin, Handle } from '../../framework/interfaces.js';
import { Code, Status } from '../../framework/status.js';
import { names } from '../names.js';

export const name = names.defaultBinder;

/** bindingFor builds the Binding object for a pod and node. */
export function bindingFor(pod: Pod, nodeName: string): unknown {
  return {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: pod.metadata?.name, namespace: pod.metadata?.namespace, ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}) },
    target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
  };
}

/** create builds the plugin. API errors are thrown so the scheduler can tell a Conflict from others. */
export function create(_args: unknown, handle: Handle): BindPlugin {
  return {
    name,
    async bind(_state: CycleState, pod: Pod, nodeName: string): Promise<Status | undefined> {
      if (!handle.binding) return new Status(Code.Error, ['no binding client']);
      await handle.binding.bind(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', bindingFor(pod, nodeName));
      return undefined;
    },
  } satisfies BindPlugin;
}
