/** podQosClass computes a pod's QoS class from its containers' requests and limits (upstream's GetPodQOS). */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';

const computeResources = ['cpu', 'memory'] as const;

/** podQosClass returns Guaranteed, Burstable or BestEffort, as `status.qosClass` shows it. */
export function podQosClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers: Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of computeResources) {
      const q = req[r] ?? lim[r];
      if (q !== undefined && String(q) !== '0') any = true;
      // Requests default to limits; Guaranteed needs both cpu and memory limits equal to requests.
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
