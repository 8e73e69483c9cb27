import { describe, expect, it } from 'vitest';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { resources } from '@nanokube/client';
import { createCSR, generateKeyPair, parseCSR } from '@nanokube/pki';
import { newTestContext } from '../../__tests__/fixture.js';
import { CSRApprovingController } from './approver.js';
import { normalizeIp, servingApprovalProblem } from './serving-approval.js';

type CSR = CertificateSigningRequest;

const node: Node = {
  metadata: { name: 'worker01' },
  status: { addresses: [{ type: 'InternalIP', address: '192.168.56.101' }, { type: 'Hostname', address: 'worker01' }, { type: 'InternalIP', address: 'fd00::101' }] },
};

interface Case {
  name: string;
  cn?: string;
  orgs?: string[];
  dns?: string[];
  ips?: string[];
  usages?: string[];
  user?: string;
  groups?: string[];
  node?: Node | undefined;
  want: string | undefined;
}

async function servingCSR(c: Omit<Case, 'name' | 'want' | 'node'>): Promise<CSR> {
  const { privateKeyPem } = await generateKeyPair();
  const pem = await createCSR(privateKeyPem, c.cn ?? 'system:node:worker01', c.orgs ?? ['system:nodes'], { dns: c.dns ?? ['worker01'], ips: c.ips ?? ['192.168.56.101'] });
  return {
    metadata: { name: 'csr-s', uid: 'u', resourceVersion: '3' },
    spec: {
      request: Buffer.from(pem).toString('base64'),
      signerName: 'kubernetes.io/kubelet-serving',
      usages: c.usages ?? ['digital signature', 'server auth'],
      username: c.user ?? 'system:node:worker01',
      groups: c.groups ?? ['system:nodes', 'system:authenticated'],
    },
  };
}

describe('servingApprovalProblem', () => {
  const cases: Case[] = [
    { name: 'the node asking for its own names', want: undefined },
    { name: 'an IPv6 address written short', ips: ['fd00::101'], want: undefined },
    { name: 'key encipherment too', usages: ['digital signature', 'key encipherment', 'server auth'], want: undefined },
    { name: 'client auth usage', usages: ['digital signature', 'server auth', 'client auth'], want: 'usages did not match [digital signature key encipherment server auth]' },
    { name: 'another node asking', user: 'system:node:worker02', want: 'requester system:node:worker02 is not system:node:worker01' },
    { name: 'a user asking for a node', user: 'alice', groups: ['system:authenticated'], want: 'requester alice is not system:node:worker01' },
    { name: 'a requester outside system:nodes', groups: ['system:authenticated'], want: 'requester is not in group system:nodes' },
    { name: 'a wrong organization', orgs: ['system:masters'], want: 'subject organization is not system:nodes' },
    { name: 'an address the node does not have', ips: ['10.0.0.9'], want: 'IP address 10.0.0.9 is not an address of node worker01' },
    { name: 'a foreign DNS name', dns: ['kubernetes.default'], want: 'DNS name kubernetes.default is not an address of node worker01' },
    { name: 'an unregistered node', node: undefined, want: 'node worker01 is not registered' },
  ];
  it.each(cases)('decides $name', async (c) => {
    const csr = await servingCSR(c);
    const info = parseCSR(Buffer.from(csr.spec!.request, 'base64').toString());
    expect(servingApprovalProblem(csr, info, 'node' in c ? c.node : node)).toBe(c.want);
  });

  it('normalizes IPv6 text', () => {
    expect(normalizeIp('FD00::1')).toBe(normalizeIp('fd00:0:0:0:0:0:0:1'));
    expect(normalizeIp('10.0.0.1')).toBe('10.0.0.1');
  });
});

describe('CSRApprovingController with kubelet-serving requests', () => {
  function approver(): ReturnType<typeof newTestContext> & { c: CSRApprovingController } {
    const t = newTestContext();
    return { ...t, c: new CSRApprovingController(t.ctx) };
  }

  it('approves a node request for its own addresses without asking a SubjectAccessReview', async () => {
    const t = approver();
    t.c.nodeInformer.store.set(node);
    t.c.csrInformer.store.set(t.rest.seed(resources.certificatesigningrequests, await servingCSR({})));
    await t.c.sync('csr-s');
    const put = t.rest.writes().find((w) => w.subresource === 'approval');
    expect((put?.body as CSR).status?.conditions).toEqual([
      expect.objectContaining({ type: 'Approved', status: 'True', reason: 'AutoApproved', message: 'Auto approving kubelet serving certificate after checking the requesting node and its addresses.' }),
    ]);
    expect(t.rest.actions.some((a) => a.resource === 'subjectaccessreviews')).toBe(false);
  });

  it('leaves a request pending until its Node appears, then re-examines it', async () => {
    const t = approver();
    const csr = t.rest.seed(resources.certificatesigningrequests, await servingCSR({}));
    t.c.csrInformer.store.set(csr);
    await t.c.sync('csr-s');
    expect(t.rest.writes()).toEqual([]);
    t.c.nodeInformer.store.set(node);
    // What the Node informer's add handler does.
    (t.c as unknown as { enqueueServingOf(n: Node): void }).enqueueServingOf(node);
    expect(t.c.queue.len()).toBe(1);
    await t.c.sync('csr-s');
    expect(t.rest.writes().filter((w) => w.subresource === 'approval')).toHaveLength(1);
  });

  it('leaves a request with a foreign address pending for a person to decide', async () => {
    const t = approver();
    t.c.nodeInformer.store.set(node);
    t.c.csrInformer.store.set(t.rest.seed(resources.certificatesigningrequests, await servingCSR({ ips: ['192.168.56.102'] })));
    await t.c.sync('csr-s');
    expect(t.rest.writes()).toEqual([]);
  });
});
