/** The `ingressclasses` resource (networking.k8s.io/v1, cluster-scoped). */
import type { IngressClass } from 'kubernetes-types/networking/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { fieldImmutable, goQuote, required } from '../../shared/validation.js';

export const ingressclasses: NanoResourceDefinition = {
  group: 'networking.k8s.io',
  versions: ['v1'],
  resource: 'ingressclasses',
  singular: 'ingressclass',
  kind: 'IngressClass',
  namespaced: false,
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<IngressClass>({
    trackGeneration: true,
    validate: (c) => (c.spec?.controller ? [] : [required('spec.controller')]),
    validateUpdate: (c, old) => (c.spec?.controller !== old.spec?.controller ? [fieldImmutable('spec.controller', goQuote(c.spec?.controller ?? ''))] : []),
  }),
  table: table(
    [
      nameColumn,
      col('Controller', 'Controller that is responsible for handling this class'),
      col('Parameters', 'A reference to a resource with additional parameters'),
      ageColumn,
    ],
    (o, now) => {
      const p = (o as unknown as IngressClass).spec?.parameters;
      const params = p ? `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}` : '<none>';
      return [o.metadata.name ?? '', (o as unknown as IngressClass).spec?.controller ?? '', params, ageOf(o, now)];
    },
  ),
};
