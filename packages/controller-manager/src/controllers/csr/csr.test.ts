import { describe, expect, it } from 'vitest';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { resources } from '@nanokube/client';
import { createCSR, generateCA, generateKeyPair, parseCertificate } from '@nanokube/pki';
import { newTestContext } from '../../__tests__/fixture.js';
import { CSRApprovingController } from './approver.js';
import { CSRSigningController } from './signer.js';

type CSR = CertificateSigningRequest;

async function request(opts: { cn: string; orgs?: string[]; usages?: string[]; signer?: string; user: string; groups: string[]; approved?: boolean; dns?: string[] }): Promise<CSR> {
  const { privateKeyPem } = await generateKeyPair();
  const pem = await createCSR(privateKeyPem, opts.cn, opts.orgs ?? ['system:nodes'], opts.dns ? { dns: opts.dns } : undefined);
  return {
    metadata: { name: 'csr-1', uid: 'csr-uid', resourceVersion: '5' },
    spec: {
      request: Buffer.from(pem).toString('base64'),
      signerName: opts.signer ?? 'kubernetes.io/kube-apiserver-client-kubelet',
      usages: opts.usages ?? ['digital signature', 'client auth'],
      username: opts.user,
      groups: opts.groups,
    },
    status: opts.approved ? { conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'ok' }] } : {},
  };
}

function approver(allowed: boolean | 'error'): ReturnType<typeof newTestContext> & { c: CSRApprovingController } {
  const t = newTestContext();
  t.rest.reactors.push((a) => {
    if (a.resource !== 'subjectaccessreviews') return undefined;
    if (allowed === 'error') throw new Error('not served');
    return { status: { allowed } };
  });
  return { ...t, c: new CSRApprovingController(t.ctx) };
}

describe('CSRApprovingController', () => {
  it('approves a bootstrap token request for a node client certificate', async () => {
    const t = approver(false);
    const csr = await request({ cn: 'system:node:worker01', user: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'] });
    t.c.csrInformer.store.set(t.rest.seed(resources.certificatesigningrequests, csr));
    await t.c.sync('csr-1');
    const put = t.rest.writes().find((w) => w.subresource === 'approval');
    expect(put).toMatchObject({ verb: 'update', resource: 'certificatesigningrequests', name: 'csr-1' });
    expect((put!.body as CSR).status?.conditions).toEqual([
      expect.objectContaining({ type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet client certificate after SubjectAccessReview.' }),
    ]);
  });

  it('asks a SubjectAccessReview for selfnodeclient when a node renews its own certificate', async () => {
    const t = approver(true);
    const csr = await request({ cn: 'system:node:worker01', user: 'system:node:worker01', groups: ['system:nodes'] });
    t.c.csrInformer.store.set(t.rest.seed(resources.certificatesigningrequests, csr));
    await t.c.sync('csr-1');
    const sar = t.rest.actions.find((a) => a.resource === 'subjectaccessreviews')!.body as { spec: { user: string; resourceAttributes: { subresource: string } } };
    expect(sar.spec.user).toBe('system:node:worker01');
    expect(sar.spec.resourceAttributes.subresource).toBe('selfnodeclient');
    expect(t.rest.writes().some((w) => w.subresource === 'approval')).toBe(true);
  });

  it.each([
    { name: 'a node asking for another node', cn: 'system:node:worker02', user: 'system:node:worker01', groups: ['system:nodes'], orgs: ['system:nodes'], usages: undefined },
    { name: 'a wrong organization', cn: 'system:node:worker01', user: 'system:bootstrap:x', groups: ['system:bootstrappers'], orgs: ['system:masters'], usages: undefined },
    { name: 'server usages', cn: 'system:node:worker01', user: 'system:bootstrap:x', groups: ['system:bootstrappers'], orgs: ['system:nodes'], usages: ['digital signature', 'server auth'] },
    { name: 'an ordinary user', cn: 'system:node:worker01', user: 'alice', groups: ['system:authenticated'], orgs: ['system:nodes'], usages: undefined },
  ])('leaves $name alone', async ({ cn, user, groups, orgs, usages }) => {
    const t = approver('error');
    const csr = await request({ cn, user, groups, orgs, ...(usages ? { usages } : {}) });
    t.c.csrInformer.store.set(t.rest.seed(resources.certificatesigningrequests, csr));
    await t.c.sync('csr-1');
    expect(t.rest.writes().filter((w) => w.resource === 'certificatesigningrequests')).toEqual([]);
  });
});

describe('CSRSigningController', () => {
  async function signer(): Promise<ReturnType<typeof newTestContext> & { c: CSRSigningController; caPem: string }> {
    const t = newTestContext();
    const c = new CSRSigningController(t.ctx);
    const ca = await generateCA('kubernetes');
    c.ca = Promise.resolve(ca);
    return { ...t, c, caPem: ca.certPem };
  }

  it('signs an approved kubelet client request with the cluster CA', async () => {
    const t = await signer();
    const csr = await request({ cn: 'system:node:worker01', user: 'system:bootstrap:x', groups: ['system:bootstrappers'], approved: true });
    t.c.csrInformer.store.set(t.rest.seed(resources.certificatesigningrequests, { ...csr, spec: { ...csr.spec!, expirationSeconds: 3600 } }));
    await t.c.sync('csr-1');
    const w = t.rest.writes();
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ verb: 'update', subresource: 'status' });
    const pem = Buffer.from((w[0]!.body as CSR).status!.certificate!, 'base64').toString();
    const cert = parseCertificate(pem);
    expect(cert.commonName).toBe('system:node:worker01');
    expect(cert.clientAuth).toBe(true);
    expect(cert.notAfter.getTime() - Date.now()).toBeLessThanOrEqual(3600_000);
  });

  it('does not sign before approval', async () => {
    const t = await signer();
    t.c.csrInformer.store.set(await request({ cn: 'system:node:worker01', user: 'u', groups: [] }));
    await t.c.sync('csr-1');
    expect(t.rest.writes()).toEqual([]);
  });

  it('marks a serving request without addresses Failed', async () => {
    const t = await signer();
    const csr = await request({ cn: 'system:node:worker01', user: 'system:node:worker01', groups: ['system:nodes'], approved: true, signer: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] });
    t.c.csrInformer.store.set(t.rest.seed(resources.certificatesigningrequests, csr));
    await t.c.sync('csr-1');
    const st = (t.rest.writes()[0]!.body as CSR).status!;
    expect(st.certificate).toBeUndefined();
    expect(st.conditions?.at(-1)).toMatchObject({ type: 'Failed', reason: 'SignerValidationFailure', message: 'DNS or IP subjectAltName is required' });
  });
});
