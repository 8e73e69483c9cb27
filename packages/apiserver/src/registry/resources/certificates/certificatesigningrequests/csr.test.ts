import { describe, expect, it } from 'vitest';
import { messages, runCreate, testContext } from '../../shared/testing.js';
import { certificatesigningrequests as csrs } from './index.js';

const pem = Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n').toString('base64');

describe('certificatesigningrequests', () => {
  it('stamps the requester and starts with an empty status', () => {
    const ctx = { ...testContext(), user: { name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers'] } };
    const { obj, errors } = runCreate(
      csrs,
      { metadata: { name: 'node-csr-1' }, spec: { request: pem, signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['client auth'], username: 'forged' } },
      ctx,
    );
    expect(errors).toEqual([]);
    expect(obj['spec']).toMatchObject({ username: 'system:bootstrap:abcdef', groups: ['system:bootstrappers'] });
    expect(obj['status']).toEqual({});
  });

  it('rejects a request without usages or signer', () => {
    expect(messages(runCreate(csrs, { metadata: { name: 'x' }, spec: { request: pem } }).errors)).toEqual([
      'spec.signerName: Required value',
      'spec.usages: Required value',
    ]);
  });

  it('keeps the certificate on approval updates and prints the condition', () => {
    const { obj: stored } = runCreate(csrs, { metadata: { name: 'x', creationTimestamp: '2024-05-01T11:59:00Z' }, spec: { request: pem, signerName: 's', usages: ['client auth'] } });
    stored['status'] = { certificate: 'Q0VSVA==' };
    const body = structuredClone(stored) as any;
    body.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved' }] };
    const approval = csrs.subresourceStrategies?.['approval'];
    approval?.prepareForUpdate(testContext(), body, stored);
    expect(approval?.validateUpdate(testContext(), body, stored)).toEqual([]);
    expect(body.status.certificate).toBe('Q0VSVA==');
    expect(csrs.table.row(body, new Date('2024-05-01T12:00:00Z'))).toEqual(['x', '60s', 's', 'admin', '<none>', 'Approved,Issued']);
  });
});
