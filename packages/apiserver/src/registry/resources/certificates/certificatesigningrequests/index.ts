/**
 * The `certificatesigningrequests` resource (certificates.k8s.io/v1): the requester's identity is
 * stamped from the request on create; `/status` carries the certificate, `/approval` the conditions.
 */
import { X509Certificate } from 'node:crypto';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { KubeObject, StatusStrategy } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { humanDuration } from '../../shared/humanize.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { clone, deepEqual, rec } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { fieldImmutable, forbidden, invalid, notSupported, required } from '../../shared/validation.js';

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

type Condition = NonNullable<NonNullable<CSR['status']>['conditions']>[number];

/** Condition types that may only be True. */
const trueOnlyConditions = new Set(['Approved', 'Denied', 'Failed']);

function validateConditions(csr: CSR): FieldError[] {
  const errs: FieldError[] = [];
  const types = new Set<string>();
  for (const [i, c] of (csr.status?.conditions ?? []).entries()) {
    if (!c.type) errs.push(required(`status.conditions[${i}].type`));
    const allowed = trueOnlyConditions.has(c.type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (!c.status) errs.push(required(`status.conditions[${i}].status`));
    else if (!allowed.includes(c.status)) errs.push(notSupported(`status.conditions[${i}].status`, c.status, allowed));
    if (types.has(c.type)) errs.push({ type: 'FieldValueDuplicate', field: `status.conditions[${i}].type`, detail: `Duplicate value: "${c.type}"` });
    types.add(c.type);
    if ((c.type === 'Approved' && types.has('Denied')) || (c.type === 'Denied' && types.has('Approved'))) {
      errs.push(invalid(`status.conditions[${i}].type`, c.type, 'Approved and Denied conditions are mutually exclusive'));
    }
  }
  return errs;
}

const conditionsOf = (csr: CSR, type: string): Condition[] => (csr.status?.conditions ?? []).filter((c) => c.type === type);

/**
 * validateStatusChange holds the rules shared by `/status` and `/approval` (upstream
 * validateCertificateSigningRequestUpdate): Approved, Denied and Failed conditions are never removed;
 * only `/approval` adds or changes Approved and Denied; only `/status` sets the certificate, once, to
 * CERTIFICATE PEM blocks.
 */
function validateStatusChange(csr: CSR, old: CSR, sub: 'status' | 'approval'): FieldError[] {
  const errs = validateConditions(csr);
  for (const type of ['Approved', 'Denied', 'Failed']) {
    if (conditionsOf(csr, type).length < conditionsOf(old, type).length) {
      errs.push(forbidden('status.conditions', `updates may not remove a condition of type "${type}"`));
    }
  }
  if (sub === 'status') {
    for (const type of ['Approved', 'Denied']) {
      const [now, before] = [conditionsOf(csr, type), conditionsOf(old, type)];
      if (now.length > before.length) errs.push(forbidden('status.conditions', `updates may not add a condition of type "${type}"`));
      else if (now.length === before.length && !deepEqual(now, before)) errs.push(forbidden('status.conditions', `updates may not modify a condition of type "${type}"`));
    }
  }
  const cert = csr.status?.certificate ?? '';
  const oldCert = old.status?.certificate ?? '';
  if (cert !== oldCert) {
    if (sub !== 'status') errs.push(forbidden('status.certificate', 'updates may not set certificate content'));
    else if (oldCert) errs.push(forbidden('status.certificate', 'updates may not modify existing certificate content'));
    else {
      const problem = certificateProblem(cert);
      if (problem) errs.push(invalid('status.certificate', '<certificate data>', problem));
    }
  }
  return errs;
}

/** certificateProblem checks that base64 data holds one or more headerless CERTIFICATE PEM blocks that parse. */
export function certificateProblem(base64: string): string | undefined {
  const pem = Buffer.from(base64, 'base64').toString('latin1');
  const blocks = [...pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g)];
  if (blocks.length === 0) return 'must contain at least one CERTIFICATE PEM block';
  for (const [, type, body] of blocks) {
    if (type !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found "${type}"`;
    if (body?.includes(':')) return 'no PEM block headers are permitted';
    try {
      new X509Certificate(Buffer.from(body ?? '', 'base64'));
    } catch (err) {
      return (err as Error).message;
    }
  }
  return undefined;
}

/**
 * preserveConditions puts back the old Approved and Denied conditions when `/status` kept their number
 * (upstream preserveConditionInstances); a changed number is left for validation to reject.
 */
function preserveConditions(csr: CSR, old: CSR): void {
  for (const type of ['Approved', 'Denied']) {
    const before = conditionsOf(old, type);
    const indices = (csr.status?.conditions ?? []).flatMap((c, i) => (c.type === type ? [i] : []));
    if (indices.length !== before.length) continue;
    indices.forEach((idx, n) => {
      csr.status!.conditions![idx] = clone(before[n]!);
    });
  }
}

/**
 * populateConditionTimestamps fills lastUpdateTime with now and lastTransitionTime with the old
 * condition's of the same type and status, or now.
 */
function populateConditionTimestamps(csr: CSR, old: CSR, now: Date): void {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const c of csr.status?.conditions ?? []) {
    c.lastUpdateTime ??= stamp;
    c.lastTransitionTime ??= (old.status?.conditions ?? []).find((o) => o.type === c.type && o.status === c.status && o.lastTransitionTime)?.lastTransitionTime ?? stamp;
  }
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

/**
 * csrStatusStrategy (`/status`): signers set status.certificate and conditions such as Failed; the
 * Approved and Denied conditions are kept as they were (they change only through `/approval`).
 */
export const csrStatusStrategy = defineStatusStrategy<CSR>({
  metadata: 'allow',
  prepareForUpdate(csr, old, ctx) {
    preserveConditions(csr, old);
    populateConditionTimestamps(csr, old, ctx.now);
  },
  validate: (csr, old) => validateStatusChange(csr, old, 'status'),
});

/** csrApprovalStrategy (`/approval`): only status.conditions change; the certificate is kept. */
export const csrApprovalStrategy: StatusStrategy = defineStatusStrategy<CSR>({
  metadata: 'allow',
  prepareForUpdate(csr, old, ctx) {
    const st = rec((csr.status ??= {}));
    if (old.status?.certificate) st['certificate'] = old.status.certificate;
    else delete st['certificate'];
    populateConditionTimestamps(csr, old, ctx.now);
  },
  validate: (csr, old) => validateStatusChange(csr, old, 'approval'),
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
