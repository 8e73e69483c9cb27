/** The `leases` resource (coordination.k8s.io/v1): leader election and node heartbeats. */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { validateNonNegative, validatePositive } from '../../shared/validation.js';

export const leases: NanoResourceDefinition = {
  group: 'coordination.k8s.io',
  versions: ['v1'],
  resource: 'leases',
  singular: 'lease',
  kind: 'Lease',
  namespaced: true,
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<Lease>({
    validate: (l) => [
      ...validatePositive(l.spec?.leaseDurationSeconds, 'spec.leaseDurationSeconds'),
      ...validateNonNegative(l.spec?.leaseTransitions, 'spec.leaseTransitions'),
    ],
  }),
  table: table([nameColumn, col('Holder', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn], (o, now) => [
    o.metadata.name ?? '',
    (o as unknown as Lease).spec?.holderIdentity ?? '',
    ageOf(o, now),
  ]),
};
