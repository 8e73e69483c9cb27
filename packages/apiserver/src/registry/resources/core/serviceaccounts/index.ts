/** The `serviceaccounts` resource (core/v1) with its `token` subresource (TokenRequest, served elsewhere). */
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { invalid, isDNS1123Subdomain, type FieldError } from '../../shared/validation.js';

function validateServiceAccount(sa: ServiceAccount): FieldError[] {
  const errs: FieldError[] = [];
  for (const [i, ref] of (sa.secrets ?? []).entries()) {
    if (ref.name) for (const m of isDNS1123Subdomain(ref.name)) errs.push(invalid(`secrets[${i}].name`, ref.name, m));
  }
  return errs;
}

export const serviceaccounts: NanoResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'serviceaccounts',
  singular: 'serviceaccount',
  kind: 'ServiceAccount',
  namespaced: true,
  shortNames: ['sa'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<ServiceAccount>({ validate: validateServiceAccount }),
  table: table([nameColumn, col('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), ageColumn], (o, now) => [
    o.metadata.name ?? '',
    (o as unknown as ServiceAccount).secrets?.length ?? 0,
    ageOf(o, now),
  ]),
  extraSubresources: [{ name: 'token', kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] }],
};
