/** The `secrets` resource (core/v1): type Opaque by default, stringData folded into data. */
import type { Secret } from 'kubernetes-types/core/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { deepEqual, rec } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { fieldImmutable, forbidden, goQuote, invalid, required, tooLong } from '../../shared/validation.js';
import { configKeyErrors, maxDataBytes } from '../configmaps/index.js';

/** defaultSecret sets type Opaque and merges stringData into data (base64), as the v1 conversion does. */
export function defaultSecret(s: Secret): void {
  const r = rec(s);
  if (!s.type) r['type'] = 'Opaque';
  if (s.stringData) {
    const data = { ...(s.data ?? {}) };
    for (const [k, v] of Object.entries(s.stringData)) data[k] = Buffer.from(v, 'utf8').toString('base64');
    r['data'] = data;
    delete r['stringData'];
  }
}

const requiredKeys: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

function validateSecret(s: Secret): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(s.data ?? {})) {
    for (const m of configKeyErrors(k)) errs.push(invalid(`data[${k}]`, k, m));
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v)) errs.push(invalid(`data[${k}]`, '<secret contents redacted>', 'illegal base64 data'));
    size += Buffer.from(v, 'base64').length;
  }
  if (size > maxDataBytes) errs.push(tooLong('data', maxDataBytes));
  for (const key of requiredKeys[s.type ?? ''] ?? []) if (!s.data?.[key]) errs.push(required(`data[${key}]`));
  if (s.type === 'kubernetes.io/service-account-token' && !s.metadata?.annotations?.['kubernetes.io/service-account.name']) {
    errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  if (s.type === 'kubernetes.io/basic-auth' && !s.data?.['username'] && !s.data?.['password']) {
    errs.push(required('data[username]'));
  }
  return errs;
}

function validateSecretUpdate(s: Secret, old: Secret): FieldError[] {
  const errs: FieldError[] = [];
  if ((s.type ?? 'Opaque') !== (old.type ?? 'Opaque')) errs.push(fieldImmutable('type', goQuote(s.type ?? '')));
  if (old.immutable) {
    if (!s.immutable) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (!deepEqual(s.data ?? {}, old.data ?? {})) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
  }
  return errs;
}

export const secrets: NanoResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'secrets',
  singular: 'secret',
  kind: 'Secret',
  namespaced: true,
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<Secret>({ defaults: defaultSecret, validate: validateSecret, validateUpdate: validateSecretUpdate }),
  table: table(
    [nameColumn, col('Type', 'Used to facilitate programmatic handling of secret data.'), col('Data', 'Data contains the secret data.'), ageColumn],
    (o, now) => {
      const s = o as unknown as Secret;
      return [o.metadata.name ?? '', s.type ?? '', Object.keys(s.data ?? {}).length, ageOf(o, now)];
    },
  ),
  fieldSelectors: { type: (o) => (o as unknown as Secret).type ?? '' },
};
