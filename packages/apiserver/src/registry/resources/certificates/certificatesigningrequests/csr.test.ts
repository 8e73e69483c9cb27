import { describe, expect, it } from 'vitest';
import { generateCA } from '@nanokube/pki';
import type { KubeObject } from '../../../types.js';
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

  describe('/status', () => {
    const approved = { type: 'Approved', status: 'True', reason: 'AutoApproved', lastUpdateTime: '2024-05-01T11:00:00Z', lastTransitionTime: '2024-05-01T11:00:00Z' };

    function storedCSR(status: object): KubeObject {
      const { obj } = runCreate(csrs, { metadata: { name: 'x' }, spec: { request: pem, signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] } });
      obj['status'] = status;
      return obj;
    }

    function statusUpdate(stored: KubeObject, status: object): { body: any; errors: string[] } {
      const body = structuredClone(stored) as any;
      body.status = status;
      csrs.statusStrategy!.prepareForUpdate(testContext(), body, stored);
      return { body, errors: messages(csrs.statusStrategy!.validateUpdate(testContext(), body, stored)) };
    }

    it('lets a signer add a Failed condition, with timestamps', () => {
      const stored = storedCSR({ conditions: [approved] });
      const failed = { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: 'bad usages' };
      const { body, errors } = statusUpdate(stored, { conditions: [approved, failed] });
      expect(errors).toEqual([]);
      expect(body.status.conditions).toEqual([approved, { ...failed, lastUpdateTime: '2024-05-01T12:00:00Z', lastTransitionTime: '2024-05-01T12:00:00Z' }]);
    });

    it('lets a signer set the certificate once, and only to CERTIFICATE PEM blocks', async () => {
      const { certPem } = await generateCA('test-ca');
      const stored = storedCSR({ conditions: [approved] });
      const cert = Buffer.from(certPem).toString('base64');
      const { body, errors } = statusUpdate(stored, { conditions: [approved], certificate: cert });
      expect(errors).toEqual([]);
      expect(body.status.certificate).toBe(cert);
      expect(statusUpdate(stored, { conditions: [approved], certificate: Buffer.from('garbage').toString('base64') }).errors).toEqual([
        'status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block',
      ]);
      expect(statusUpdate({ ...stored, status: { conditions: [approved], certificate: cert } }, { conditions: [approved], certificate: 'b3RoZXI=' }).errors).toEqual([
        'status.certificate: Forbidden: updates may not modify existing certificate content',
      ]);
    });

    it('keeps Approved and Denied conditions as stored, and refuses to add or remove them', () => {
      const stored = storedCSR({ conditions: [approved] });
      const changed = statusUpdate(stored, { conditions: [{ ...approved, message: 'rewritten' }] });
      expect(changed.errors).toEqual([]);
      expect(changed.body.status.conditions).toEqual([approved]);
      expect(statusUpdate(stored, { conditions: [] }).errors).toEqual(['status.conditions: Forbidden: updates may not remove a condition of type "Approved"']);
      expect(statusUpdate(storedCSR({}), { conditions: [approved] }).errors).toEqual(['status.conditions: Forbidden: updates may not add a condition of type "Approved"']);
    });
  });
});
