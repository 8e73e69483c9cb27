/** The `configmaps` resource (core/v1). */
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { deepEqual } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { duplicate, forbidden, invalid, tooLong } from '../../shared/validation.js';

/** The 1 MiB size limit of ConfigMap and Secret data. */
export const maxDataBytes = 1024 * 1024;

/** isConfigKey checks a data key (IsConfigMapKey): `[-._a-zA-Z0-9]+`, at most 253 bytes, not `.` or `..`. */
export function configKeyErrors(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) {
    errs.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
  }
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

function validateConfigMap(cm: ConfigMap): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(cm.data ?? {})) {
    for (const m of configKeyErrors(k)) errs.push(invalid(`data[${k}]`, k, m));
    size += Buffer.byteLength(v);
  }
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) {
    for (const m of configKeyErrors(k)) errs.push(invalid(`binaryData[${k}]`, k, m));
    if (cm.data && k in cm.data) errs.push(duplicate(`data[${k}]`, k));
    size += Buffer.from(v, 'base64').length;
  }
  if (size > maxDataBytes) errs.push(tooLong('', maxDataBytes));
  return errs;
}

function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable) {
    if (!cm.immutable) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
    if (!deepEqual(cm.data ?? {}, old.data ?? {})) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
    if (!deepEqual(cm.binaryData ?? {}, old.binaryData ?? {})) errs.push(forbidden('binaryData', 'field is immutable when `immutable` is set'));
  }
  return errs;
}

export const configmaps: NanoResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'configmaps',
  singular: 'configmap',
  kind: 'ConfigMap',
  namespaced: true,
  shortNames: ['cm'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<ConfigMap>({ validate: validateConfigMap, validateUpdate: validateConfigMapUpdate }),
  table: table([nameColumn, col('Data', 'Data contains the configuration data.'), ageColumn], (o, now) => {
    const cm = o as unknown as ConfigMap;
    return [o.metadata.name ?? '', Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, ageOf(o, now)];
  }),
};
