/**
 * Kubelet TLS bootstrap, as the kubelet does it with a bootstrap kubeconfig: a new key, a CSR for
 * `system:node:<name>` in `system:nodes` with signer `kubernetes.io/kube-apiserver-client-kubelet`,
 * then waiting until the controller-manager's approver and signer issued the certificate.
 */
import { isUnauthorized } from '@nanokube/api';
import { RestClient } from '@nanokube/client';
import { createCSR, generateKeyPair } from '@nanokube/pki';

/** The signer of kubelet client certificates. */
export const kubeletClientSigner = 'kubernetes.io/kube-apiserver-client-kubelet';

interface CSRObject {
  metadata?: { name?: string };
  status?: { certificate?: string; conditions?: { type: string; reason?: string; message?: string }[] };
}

/** Options of {@link requestNodeClientCertificate}. */
export interface TlsBootstrapOptions {
  server: string;
  caPem: string;
  token: string;
  nodeName: string;
  timeoutMs: number;
  pollMs?: number;
  signal?: AbortSignal;
}

/** requestNodeClientCertificate returns the signed certificate and its key (PEM). */
export async function requestNodeClientCertificate(opts: TlsBootstrapOptions): Promise<{ certPem: string; keyPem: string }> {
  const { privateKeyPem: keyPem } = await generateKeyPair();
  const csrPem = await createCSR(keyPem, `system:node:${opts.nodeName}`, ['system:nodes']);
  const rest = new RestClient({ server: opts.server, caPem: opts.caPem, token: opts.token, userAgent: 'nanokube-join/v0.1.0' });
  try {
    let created: CSRObject;
    try {
      created = await rest.request<CSRObject>({
        method: 'POST',
        path: '/apis/certificates.k8s.io/v1/certificatesigningrequests',
        body: {
          apiVersion: 'certificates.k8s.io/v1',
          kind: 'CertificateSigningRequest',
          metadata: { generateName: 'node-csr-' },
          spec: { request: Buffer.from(csrPem).toString('base64'), signerName: kubeletClientSigner, usages: ['digital signature', 'client auth'] },
        },
      });
    } catch (err) {
      if (isUnauthorized(err)) {
        throw new Error('the apiserver refused the bootstrap token (Unauthorized): it has expired or was deleted; create a new one with "nanokube token create" on the control plane', { cause: err });
      }
      throw err;
    }
    const name = created.metadata?.name ?? '';
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      const csr = await rest.request<CSRObject>({ method: 'GET', path: `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}` });
      const bad = csr.status?.conditions?.find((c) => c.type === 'Denied' || c.type === 'Failed');
      if (bad) throw new Error(`certificate signing request ${name} was ${bad.type.toLowerCase()}: ${bad.reason ?? ''} ${bad.message ?? ''}`.trim());
      if (csr.status?.certificate) return { certPem: Buffer.from(csr.status.certificate, 'base64').toString('utf8'), keyPem };
      if (Date.now() >= deadline) {
        throw new Error(`timed out waiting for the certificate signing request ${name} to be approved and signed; is the controller-manager running?`);
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
      if (opts.signal?.aborted) throw new Error('join was interrupted');
    }
  } finally {
    await rest.close();
  }
}
