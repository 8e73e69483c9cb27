/** The `endpoints` resource (core/v1). */
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { setDefault } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { invalid, isValidIP, isValidPortNum, notSupported, required } from '../../shared/validation.js';

function validateEndpoints(ep: Endpoints): FieldError[] {
  const errs: FieldError[] = [];
  for (const [i, ss] of (ep.subsets ?? []).entries()) {
    const p = `subsets[${i}]`;
    for (const key of ['addresses', 'notReadyAddresses'] as const) {
      for (const [j, a] of (ss[key] ?? []).entries()) {
        if (!a.ip) errs.push(required(`${p}.${key}[${j}].ip`));
        else for (const m of isValidIP(a.ip)) errs.push(invalid(`${p}.${key}[${j}].ip`, a.ip, m));
      }
    }
    for (const [j, port] of (ss.ports ?? []).entries()) {
      for (const m of isValidPortNum(port.port)) errs.push(invalid(`${p}.ports[${j}].port`, port.port, m));
      if (port.protocol && !['SCTP', 'TCP', 'UDP'].includes(port.protocol)) {
        errs.push(notSupported(`${p}.ports[${j}].protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']));
      }
    }
  }
  return errs;
}

/** formatEndpoints renders `10.244.1.5:80,10.244.2.3:80 + 2 more...` (at most 3 entries). */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  const max = 3;
  let more = false;
  let count = 0;
  const add = (text: string): void => {
    if (list.length === max) more = true;
    else list.push(text);
  };
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if (!ss.ports?.length) {
      count += addresses.length;
      for (const a of addresses) add(a.ip);
      continue;
    }
    for (const port of ss.ports) {
      count += addresses.length;
      for (const a of addresses) add(a.ip.includes(':') ? `[${a.ip}]:${port.port}` : `${a.ip}:${port.port}`);
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpoints: NanoResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'endpoints',
  singular: 'endpoints',
  kind: 'Endpoints',
  namespaced: true,
  shortNames: ['ep'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<Endpoints>({
    defaults(ep) {
      for (const ss of ep.subsets ?? []) for (const p of ss.ports ?? []) setDefault(p, 'protocol', 'TCP');
    },
    validate: validateEndpoints,
  }),
  table: table([nameColumn, col('Endpoints', 'The set of all endpoints is the union of all subsets.'), ageColumn], (o: KubeObject, now) => [
    o.metadata.name ?? '',
    formatEndpoints(o as unknown as Endpoints),
    ageOf(o, now),
  ]),
};
