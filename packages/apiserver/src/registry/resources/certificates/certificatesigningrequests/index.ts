/**
 * The `certificatesigningrequests` resource (certificates.k8s.io/v1): the requester's identity is
 * stamped from the request on create; `/status` carries the certificate, `/approval` the conditions.
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { KubeObject, StatusStrategy } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { humanDuration } from '../../shared/humanize.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { clone, deepEqual, rec } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { fieldImmutable, invalid, notSupported, required } from '../../shared/validation.js';

type CSR = CertificateSigningRequest;

const usages = [
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment',
  'cert sign', 'crl sign', 'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing',
  'email protection', 's/mime', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing',
  'microsoft sgc', 'netscape sgc',
];

function validateCSR(csr: CSR): FieldError[] {
  const errs: FieldError[] = [];
  const spec = csr.spec;
  if (!spec?.request) errs.push(required('spec.request'));
  else if (!Buffer.from(spec.request, 'base64').toString('latin1').includes('-----BEGIN CERTIFICATE REQUEST-----')) {
    errs.push(invalid('spec.request', '[]byte{...}', 'PEM block type must be CERTIFICATE REQUEST'));
  }
  if (!spec?.signerName) errs.push(required('spec.signerName'));
  if (!spec?.usages?.length) errs.push(required('spec.usages'));
  for (const [i, u] of (spec?.usages ?? []).entries()) if (!usages.includes(u)) errs.push(notSupported(`spec.usages[${i}]`, u, usages));
  if (spec?.expirationSeconds !== undefined && spec.expirationSeconds < 600) {
    errs.push(invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 600 seconds (10 minutes)'));
  }
  return errs;
}

function validateConditions(csr: CSR): FieldError[] {
  const errs: FieldError[] = [];
  const types = new Set<string>();
  for (const [i, c] of (csr.status?.conditions ?? []).entries()) {
    if (!c.type) errs.push(required(`status.conditions[${i}].type`));
    if (types.has(c.type)) errs.push({ type: 'FieldValueDuplicate', field: `status.conditions[${i}].type`, detail: `Duplicate value: "${c.type}"` });
    types.add(c.type);
    if ((c.type === 'Approved' && types.has('Denied')) || (c.type === 'Denied' && types.has('Approved'))) {
      errs.push(invalid(`status.conditions[${i}].type`, c.type, 'Approved and Denied conditions are mutually exclusive'));
    }
  }
  return errs;
}

const keepSpec = (csr: CSR, old: CSR): void => {
  rec(csr)['spec'] = clone(old.spec);
};

export const csrStrategy = defineStrategy<CSR>({
  hasStatus: true,
  initialStatus: () => ({}),
  prepareForCreate(csr, ctx) {
    const spec = rec((csr.spec ??= {} as CSR['spec']));
    spec['username'] = ctx.user.name;
    if (ctx.user.uid) spec['uid'] = ctx.user.uid;
    spec['groups'] = [...ctx.user.groups];
    if (ctx.user.extra && Object.keys(ctx.user.extra).length) spec['extra'] = clone(ctx.user.extra);
    else delete spec['extra'];
  },
  prepareForUpdate: keepSpec,
  validate: validateCSR,
  validateUpdate: (csr, old) => (deepEqual(csr.spec, old.spec) ? [] : [fieldImmutable('spec', 'certificates.CertificateSigningRequestSpec{...}')]),
});

/** csrStatusStrategy (`/status`): the signer writes status.certificate; conditions are kept. */
export const csrStatusStrategy = defineStatusStrategy<CSR>({
  metadata: 'allow',
  prepareForUpdate(csr, old) {
    const st = rec((csr.status ??= {}));
    if (old.status?.conditions) st['conditions'] = clone(old.status.conditions);
    else delete st['conditions'];
  },
  validate: (csr, old) =>
    old.status?.certificate && csr.status?.certificate !== old.status.certificate
      ? [invalid('status.certificate', '[]byte{...}', 'updates may not modify existing certificate content')]
      : [],
});

/** csrApprovalStrategy (`/approval`): only status.conditions change; the certificate is kept. */
export const csrApprovalStrategy: StatusStrategy = defineStatusStrategy<CSR>({
  metadata: 'allow',
  prepareForUpdate(csr, old) {
    const st = rec((csr.status ??= {}));
    if (old.status?.certificate) st['certificate'] = old.status.certificate;
    else delete st['certificate'];
  },
  validate: (csr) => validateConditions(csr),
});

/** csrCondition renders `Approved,Issued`, `Denied`, `Pending`... */
export function csrCondition(csr: CSR): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  const out: string[] = [];
  if (types.has('Approved')) out.push('Approved');
  if (types.has('Denied')) out.push('Denied');
  if (types.has('Failed')) out.push('Failed');
  if (csr.status?.certificate) out.push('Issued');
  return out.length ? out.join(',') : 'Pending';
}

export const certificatesigningrequests: NanoResourceDefinition = {
  group: 'certificates.k8s.io',
  versions: ['v1'],
  resource: 'certificatesigningrequests',
  singular: 'certificatesigningrequest',
  kind: 'CertificateSigningRequest',
  namespaced: false,
  shortNames: ['csr'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: csrStrategy,
  statusStrategy: csrStatusStrategy,
  table: table(
    [
      nameColumn,
      ageColumn,
      col('SignerName', 'signerName indicates the requested signer, and is a qualified name.'),
      col('Requestor', 'username contains the name of the user that created the CertificateSigningRequest.'),
      col('RequestedDuration', 'expirationSeconds is the requested duration of validity of the issued certificate.'),
      col('Condition', 'conditions applied to the request.'),
    ],
    (o: KubeObject, now) => {
      const csr = o as unknown as CSR;
      const exp = csr.spec?.expirationSeconds;
      return [
        o.metadata.name ?? '',
        ageOf(o, now),
        csr.spec?.signerName ?? '',
        csr.spec?.username ?? '',
        exp !== undefined ? humanDuration(exp * 1000) : '<none>',
        csrCondition(csr),
      ];
    },
  ),
  fieldSelectors: { 'spec.signerName': (o) => (o as unknown as CSR).spec?.signerName ?? '' },
  extraSubresources: [{ name: 'approval', kind: { group: 'certificates.k8s.io', version: 'v1', kind: 'CertificateSigningRequest' }, verbs: ['get', 'patch', 'update'] }],
  subresourceStrategies: { approval: csrApprovalStrategy },
};
