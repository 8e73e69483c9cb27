/** The `networkpolicies` resource (networking.k8s.io/v1). */
import type { NetworkPolicy } from 'kubernetes-types/networking/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, formatLabelSelector, nameColumn, table } from '../../shared/table.js';
import { setDefault } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { notSupported } from '../../shared/validation.js';
import { validateLabelSelector } from '../../shared/workload.js';

function defaultNetworkPolicy(np: NetworkPolicy): void {
  const spec = np.spec;
  if (!spec) return;
  if (!spec.policyTypes?.length) spec.policyTypes = spec.egress?.length ? ['Ingress', 'Egress'] : ['Ingress'];
  for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) for (const p of rule.ports ?? []) setDefault(p, 'protocol', 'TCP');
}

function validateNetworkPolicy(np: NetworkPolicy): FieldError[] {
  const errs = validateLabelSelector(np.spec?.podSelector, 'spec.podSelector');
  for (const [i, t] of (np.spec?.policyTypes ?? []).entries()) {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
  }
  return errs;
}

export const networkpolicies: NanoResourceDefinition = {
  group: 'networking.k8s.io',
  versions: ['v1'],
  resource: 'networkpolicies',
  singular: 'networkpolicy',
  kind: 'NetworkPolicy',
  namespaced: true,
  shortNames: ['netpol'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<NetworkPolicy>({ trackGeneration: true, defaults: defaultNetworkPolicy, validate: validateNetworkPolicy }),
  table: table([nameColumn, col('Pod-Selector', 'Selects the pods to which this NetworkPolicy object applies.'), ageColumn], (o, now) => [
    o.metadata.name ?? '',
    formatLabelSelector((o as unknown as NetworkPolicy).spec?.podSelector),
    ageOf(o, now),
  ]),
};
