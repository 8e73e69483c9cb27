/**
 * Pod-to-endpoint helpers shared by the endpoints and endpointslice controllers (upstream
 * pkg/controller/util/endpoint and the podutil functions they call).
 */
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { selectorFromSet } from '@nanokube/api';
import { metaNamespaceKey, type EventHandlers, type Indexer } from '@nanokube/client';
import { deletedObject, type KeyQueue } from '../../shared/index.js';

/** The `default/kubernetes` Service's endpoints belong to the apiserver; controllers never touch them. */
export function isApiserverService(svc: Service): boolean {
  return svc.metadata?.namespace === 'default' && svc.metadata?.name === 'kubernetes';
}

/** podIPv4 returns the pod's first IPv4 address, if it has one. */
export function podIPv4(pod: Pod): string | undefined {
  const ips = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)];
  return ips.find((ip): ip is string => !!ip && /^\d+\.\d+\.\d+\.\d+$/.test(ip));
}

/**
 * shouldPodBeInEndpoints reports whether a pod may back a Service at all (upstream
 * ShouldPodBeInEndpoints): it has an IP, it is not finished for good under its restart policy, and it is
 * not terminating unless terminating pods are wanted.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase;
  const restart = pod.spec?.restartPolicy ?? 'Always';
  if (restart === 'Never' && (phase === 'Failed' || phase === 'Succeeded')) return false;
  if (restart === 'OnFailure' && phase === 'Succeeded') return false;
  if (!podIPv4(pod)) return false;
  if (!includeTerminating && pod.metadata?.deletionTimestamp) return false;
  return true;
}

/**
 * findPort resolves a Service port's targetPort on a pod (upstream podutil.FindPort): a number is used
 * as is, a name is looked up among the containers' ports of the same protocol. Undefined when the pod
 * has no such named port.
 */
export function findPort(pod: Pod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol ?? 'TCP';
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/** servicesSelectingPod returns the cached Services with a selector that matches the pod's labels. */
export function servicesSelectingPod(services: Indexer<Service>, pod: Pod): Service[] {
  return services.listNamespace(pod.metadata?.namespace ?? '').filter((svc) => {
    const sel = svc.spec?.selector;
    if (!sel || Object.keys(sel).length === 0) return false;
    return selectorFromSet(sel).matches(pod.metadata?.labels);
  });
}

/** podsSelectedBy returns the cached pods of the Service's namespace its selector matches. */
export function podsSelectedBy(pods: Indexer<Pod>, svc: Service): Pod[] {
  const sel = selectorFromSet(svc.spec?.selector ?? {});
  return pods.listNamespace(svc.metadata?.namespace ?? '').filter((p) => sel.matches(p.metadata?.labels));
}

/** hasSelector reports whether the Service's endpoints are computed from pods (non-empty selector). */
export function hasSelector(svc: Service): boolean {
  return Object.keys(svc.spec?.selector ?? {}).length > 0;
}

/**
 * podEndpointHostname is the hostname an endpoint publishes for DNS: the pod's hostname when its
 * subdomain names the Service (StatefulSet pods behind their headless Service).
 */
export function podEndpointHostname(pod: Pod, svc: Service): string | undefined {
  const h = pod.spec?.hostname;
  return h && pod.spec?.subdomain === svc.metadata?.name ? h : undefined;
}

/** podLabelsChanged reports whether an update could move a pod in or out of a Service's endpoints. */
export function podEndpointChanged(oldPod: Pod, pod: Pod): { labels: boolean; endpoint: boolean } {
  const labels = JSON.stringify(oldPod.metadata?.labels ?? {}) !== JSON.stringify(pod.metadata?.labels ?? {});
  const view = (p: Pod): string =>
    JSON.stringify([
      p.status?.podIP,
      p.status?.podIPs,
      p.status?.phase,
      p.status?.conditions?.find((c) => c.type === 'Ready')?.status,
      p.metadata?.deletionTimestamp,
      p.spec?.nodeName,
      p.spec?.hostname,
      p.spec?.subdomain,
    ]);
  return { labels, endpoint: labels || view(oldPod) !== view(pod) };
}

/**
 * servicePodHandlers returns the pod handlers both endpoint controllers share: a pod's add, delete
 * (tombstones unwrapped) or endpoint-relevant update enqueues the Services selecting it, and after a
 * label change also those that selected its old labels.
 */
export function servicePodHandlers(services: Indexer<Service>, queue: KeyQueue): EventHandlers<Pod> {
  const enqueueServicesOf = (pod: Pod): void => {
    for (const svc of servicesSelectingPod(services, pod)) queue.add(metaNamespaceKey(svc));
  };
  return {
    onAdd: enqueueServicesOf,
    onUpdate: (oldPod, pod) => {
      const changed = podEndpointChanged(oldPod, pod);
      if (!changed.endpoint) return;
      enqueueServicesOf(pod);
      if (changed.labels) enqueueServicesOf(oldPod);
    },
    onDelete: (obj) => enqueueServicesOf(deletedObject(obj)),
  };
}
