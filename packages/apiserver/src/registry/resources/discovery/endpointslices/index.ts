/** The `endpointslices` resource (discovery.k8s.io/v1). */
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { setDefault } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { fieldImmutable, goQuote, invalid, isValidIP, notSupported, required } from '../../shared/validation.js';

const addressTypes = ['IPv4', 'IPv6', 'FQDN'];

function validateSlice(s: EndpointSlice): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.addressType) errs.push(required('addressType'));
  else if (!addressTypes.includes(s.addressType)) errs.push(notSupported('addressType', s.addressType, addressTypes));
  for (const [i, ep] of (s.endpoints ?? []).entries()) {
    if (!ep.addresses?.length) errs.push(required(`endpoints[${i}].addresses`, 'must contain at least 1 address'));
    if (s.addressType === 'IPv4' || s.addressType === 'IPv6') {
      for (const [j, a] of (ep.addresses ?? []).entries()) for (const m of isValidIP(a)) errs.push(invalid(`endpoints[${i}].addresses[${j}]`, a, m));
    }
  }
  return errs;
}

function listWithMore(list: string[], count: number, max: number): string {
  const ret = list.slice(0, max).join(',');
  if (count > max) return `${ret} + ${count - max} more...`;
  return ret || '<unset>';
}

/** formatSlicePorts and formatSliceEndpoints render the Ports and Endpoints cells (at most 3 each). */
export function formatSlicePorts(s: EndpointSlice): string {
  const ports = (s.ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : p.name !== undefined ? p.name : '*'));
  return listWithMore(ports, ports.length, 3);
}

export function formatSliceEndpoints(s: EndpointSlice): string {
  const addrs = (s.endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return listWithMore(addrs, addrs.length, 3);
}

export const endpointslices: NanoResourceDefinition = {
  group: 'discovery.k8s.io',
  versions: ['v1'],
  resource: 'endpointslices',
  singular: 'endpointslice',
  kind: 'EndpointSlice',
  namespaced: true,
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<EndpointSlice>({
    trackGeneration: true,
    specFields: ['endpoints', 'ports', 'addressType'],
    defaults(s) {
      for (const p of s.ports ?? []) {
        setDefault(p, 'protocol', 'TCP');
        setDefault(p, 'name', '');
      }
    },
    validate: validateSlice,
    validateUpdate: (s, old) => (s.addressType !== old.addressType ? [fieldImmutable('addressType', goQuote(s.addressType ?? ''))] : []),
  }),
  table: table(
    [
      nameColumn,
      col('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'),
      col('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
      col('Endpoints', 'endpoints is a list of unique endpoints in this slice.'),
      ageColumn,
    ],
    (o: KubeObject, now) => {
      const s = o as unknown as EndpointSlice;
      return [o.metadata.name ?? '', s.addressType ?? '', formatSlicePorts(s), formatSliceEndpoints(s), ageOf(o, now)];
    },
  ),
  fieldSelectors: { addressType: (o) => (o as unknown as EndpointSlice).addressType ?? '' },
};
