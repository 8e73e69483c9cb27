/** The `ingresses` resource (networking.k8s.io/v1). */
import type { Ingress } from 'kubernetes-types/networking/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import type { FieldError } from '../../shared/validation.js';
import { invalid, isValidPortName, isValidPortNum, notSupported, required } from '../../shared/validation.js';

const pathTypes = ['Exact', 'ImplementationSpecific', 'Prefix'];

function validateBackend(b: NonNullable<Ingress['spec']>['defaultBackend'], path: string): FieldError[] {
  if (!b) return [];
  const errs: FieldError[] = [];
  if (b.service && b.resource) errs.push(invalid(path, '', 'cannot set both resource and service backends'));
  if (!b.service && !b.resource) errs.push(invalid(path, '', 'resource or service backend is required'));
  if (b.service) {
    if (!b.service.name) errs.push(required(`${path}.service.name`));
    const port = b.service.port;
    if (!port || (port.number === undefined && !port.name)) errs.push(invalid(`${path}.service.port`, '', 'port name or number is required'));
    else if (port.number !== undefined && port.name) errs.push(invalid(`${path}.service.port`, '', 'cannot set both port name & port number'));
    else if (port.number !== undefined) for (const m of isValidPortNum(port.number)) errs.push(invalid(`${path}.service.port.number`, port.number, m));
    else if (port.name) for (const m of isValidPortName(port.name)) errs.push(invalid(`${path}.service.port.name`, port.name, m));
  }
  return errs;
}

function validateIngress(ing: Ingress): FieldError[] {
  const spec = ing.spec;
  const errs: FieldError[] = [];
  if (!spec?.defaultBackend && !spec?.rules?.length) errs.push(invalid('spec.rules', '', 'either `defaultBackend` or `rules` must be specified'));
  errs.push(...validateBackend(spec?.defaultBackend, 'spec.defaultBackend'));
  for (const [i, rule] of (spec?.rules ?? []).entries()) {
    if (rule.host?.includes(':')) errs.push(invalid(`spec.rules[${i}].host`, rule.host, 'must be a DNS name, not an IP address'));
    for (const [j, p] of (rule.http?.paths ?? []).entries()) {
      const pp = `spec.rules[${i}].http.paths[${j}]`;
      if (!p.pathType) errs.push(required(`${pp}.pathType`, 'pathType must be specified'));
      else if (!pathTypes.includes(p.pathType)) errs.push(notSupported(`${pp}.pathType`, p.pathType, pathTypes));
      if (p.pathType !== 'ImplementationSpecific' && p.path !== undefined && !p.path.startsWith('/')) {
        errs.push(invalid(`${pp}.path`, p.path, 'must be an absolute path'));
      }
      errs.push(...validateBackend(p.backend, `${pp}.backend`));
    }
  }
  return errs;
}

function formatHosts(ing: Ingress): string {
  const rules = ing.spec?.rules ?? [];
  const list: string[] = [];
  const max = 3;
  let more = false;
  for (const r of rules) {
    if (list.length === max) more = true;
    if (!more && r.host) list.push(r.host);
  }
  if (list.length === 0) return '*';
  return more ? `${list.join(',')} + ${rules.length - max} more...` : list.join(',');
}

function address(ing: Ingress): string {
  const set = new Set<string>();
  for (const i of ing.status?.loadBalancer?.ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  return [...set].sort().join(',');
}

export const ingresses: NanoResourceDefinition = {
  group: 'networking.k8s.io',
  versions: ['v1'],
  resource: 'ingresses',
  singular: 'ingress',
  kind: 'Ingress',
  namespaced: true,
  shortNames: ['ing'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<Ingress>({ hasStatus: true, initialStatus: () => ({ loadBalancer: {} }), trackGeneration: true, validate: validateIngress }),
  statusStrategy: defineStatusStrategy<Ingress>(),
  table: table(
    [
      nameColumn,
      col('Class', 'The name of the IngressClass resource that should be used for additional configuration'),
      col('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
      col('Address', 'Address is a list containing ingress points for the load-balancer'),
      col('Ports', 'Ports of TLS configurations that open'),
      ageColumn,
    ],
    (o: KubeObject, now) => {
      const ing = o as unknown as Ingress;
      return [o.metadata.name ?? '', ing.spec?.ingressClassName ?? '<none>', formatHosts(ing), address(ing), ing.spec?.tls?.length ? '80, 443' : '80', ageOf(o, now)];
    },
  ),
};
