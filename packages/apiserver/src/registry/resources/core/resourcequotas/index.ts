/** The `resourcequotas` resource (core/v1) with its status subresource. */
import type { ResourceQuota } from 'kubernetes-types/core/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { parseQuantityValue, quantityRegexText } from '../../shared/quantity.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import type { FieldError } from '../../shared/validation.js';
import { invalid, notSupported } from '../../shared/validation.js';

const scopes = ['Terminating', 'NotTerminating', 'BestEffort', 'NotBestEffort', 'PriorityClass', 'CrossNamespacePodAffinity'];

function validateQuota(q: ResourceQuota): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, v] of Object.entries(q.spec?.hard ?? {})) {
    const n = parseQuantityValue(v);
    if (n === undefined) errs.push(invalid(`spec.hard[${name}]`, v, `quantities must match the regular expression '${quantityRegexText}'`));
    else if (n < 0) errs.push(invalid(`spec.hard[${name}]`, v, 'must be greater than or equal to 0'));
  }
  for (const [i, s] of (q.spec?.scopes ?? []).entries()) if (!scopes.includes(s)) errs.push(notSupported(`spec.scopes[${i}]`, s, scopes));
  return errs;
}

/** quotaCells renders the Request and Limit cells (`cpu: 0/1, memory: 0/1Gi`), names sorted. */
export function quotaCells(q: ResourceQuota): [string, string] {
  const hard = q.status?.hard ?? {};
  const used = q.status?.used ?? {};
  const request: string[] = [];
  const limit: string[] = [];
  for (const name of Object.keys(hard).sort()) {
    const text = `${name}: ${used[name] ?? '0'}/${hard[name] ?? '0'}`;
    if (name.split('.')[0] === 'limits' && name.includes('.')) limit.push(text);
    else request.push(text);
  }
  return [request.join(', '), limit.join(', ')];
}

export const resourcequotas: NanoResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'resourcequotas',
  singular: 'resourcequota',
  kind: 'ResourceQuota',
  namespaced: true,
  shortNames: ['quota'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<ResourceQuota>({ hasStatus: true, validate: validateQuota }),
  statusStrategy: defineStatusStrategy<ResourceQuota>(),
  table: table(
    [
      nameColumn,
      ageColumn,
      col('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
      col('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
    ],
    (o, now) => {
      const [request, limit] = quotaCells(o as unknown as ResourceQuota);
      return [o.metadata.name ?? '', ageOf(o, now), request, limit];
    },
  ),
};
