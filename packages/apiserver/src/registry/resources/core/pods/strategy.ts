/** Pod strategies (pkg/registry/core/pod/strategy.go): create, update, `/status` and graceful delete. */
import type { Container, Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { defaultPodOnly, defaultPodSpec } from '../../shared/pod-spec/defaults.js';
import { validatePodSpec } from '../../shared/pod-spec/validation.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { clone, deepEqual } from '../../shared/util.js';
import { forbidden, type FieldError } from '../../shared/validation.js';

/** qosClass computes status.qosClass as upstream's GetPodQOS (limits stand in for missing requests). */
export function qosClass(spec: PodSpec | undefined): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers: Container[] = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const limits = c.resources?.limits ?? {};
    const requests = { ...limits, ...(c.resources?.requests ?? {}) };
    for (const r of ['cpu', 'memory']) if (requests[r] !== undefined || limits[r] !== undefined) any = true;
    for (const r of ['cpu', 'memory']) {
      if (limits[r] === undefined || String(requests[r]) !== String(limits[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

const updateForbiddenMessage =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** validatePodUpdate allows only upstream's mutable pod spec fields to change. */
function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const a = clone(pod.spec ?? ({} as PodSpec));
  const b = clone(old.spec ?? ({} as PodSpec));
  // Blank out what may change, then require the rest to be equal.
  const blankImages = (list: Container[] | undefined, from: Container[] | undefined): void => {
    for (const [i, c] of (list ?? []).entries()) {
      const o = from?.[i];
      if (o) c.image = o.image;
    }
  };
  blankImages(a.containers, b.containers);
  blankImages(a.initContainers, b.initContainers);
  a.activeDeadlineSeconds = b.activeDeadlineSeconds;
  const oldTolerations = b.tolerations ?? [];
  const keepsOld = oldTolerations.every((t) => (a.tolerations ?? []).some((n) => deepEqual(n, t)));
  if (keepsOld) a.tolerations = b.tolerations;
  if ((b.terminationGracePeriodSeconds ?? 0) < 0 && a.terminationGracePeriodSeconds === 1) {
    a.terminationGracePeriodSeconds = b.terminationGracePeriodSeconds;
  }
  a.schedulingGates = (a.schedulingGates ?? []).length === 0 ? b.schedulingGates : a.schedulingGates;
  return deepEqual(a, b) ? [] : [forbidden('spec', updateForbiddenMessage)];
}

/** podStrategy is the main pods strategy. */
export const podStrategy = defineStrategy<Pod>({
  hasStatus: true,
  initialStatus: (pod) => ({ phase: 'Pending', qosClass: qosClass(pod.spec) }),
  defaults(pod) {
    if (!pod.spec) return;
    defaultPodSpec(pod.spec);
    defaultPodOnly(pod.spec);
  },
  validate: (pod) => validatePodSpec(pod.spec, 'spec'),
  validateUpdate: (pod, old) => validatePodUpdate(pod, old),
  gracefulDeleteSeconds(pod, requested) {
    if (!pod.spec?.nodeName) return 0;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return 0;
    const grace = requested ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    // A negative grace period is treated as 1 second, as upstream does.
    return grace < 0 ? 1 : grace;
  },
});

/** podStatusStrategy is the `pods/status` strategy: labels and annotations may change, ownerReferences may not. */
export const podStatusStrategy = defineStatusStrategy<Pod>({ metadata: 'keepOwnerReferences' });
