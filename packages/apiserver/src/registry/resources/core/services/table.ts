/** The services printer (printService, getServiceExternalIP, makePortString). */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../types.js';
import { ageColumn, ageOf, col, formatLabels, nameColumn, table } from '../../shared/table.js';

function loadBalancerIPs(svc: Service): string {
  const set = new Set<string>();
  for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
    if (ing.ip) set.add(ing.ip);
    else if (ing.hostname) set.add(ing.hostname);
  }
  return [...set].sort().join(',');
}

/** externalIP renders the External-IP cell (`<none>`, `<pending>`, LB ingress and externalIPs). */
export function externalIP(svc: Service): string {
  const external = svc.spec?.externalIPs ?? [];
  switch (svc.spec?.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIPs(svc);
      if (external.length) return [...(lb ? lb.split(',') : []), ...external].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** portString renders `80/TCP,443:30443/TCP`. */
export function portString(svc: Service): string {
  return (svc.spec?.ports ?? [])
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`))
    .join(',');
}

export const serviceTable = table(
  [
    nameColumn,
    col('Type', 'type determines how the Service is exposed.'),
    col('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'The list of ports that are exposed by this service.'),
    ageColumn,
    col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { wide: true }),
  ],
  (o: KubeObject, now: Date) => {
    const svc = o as unknown as Service;
    return [
      o.metadata.name ?? '',
      svc.spec?.type ?? '',
      svc.spec?.clusterIPs?.[0] ?? svc.spec?.clusterIP ?? '<none>',
      externalIP(svc),
      portString(svc) || '<none>',
      ageOf(o, now),
      formatLabels(svc.spec?.selector),
    ];
  },
);
