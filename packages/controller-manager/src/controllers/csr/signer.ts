import { readFile } from 'node:fs/promises';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { metaNamespaceKey, RateLimitingQueue, resources, type ResourceClient, type SharedInformer } from '@nanokube/client';
import { isPkiError, signCSR, type CertKeyPair } from '@nanokube/pki';
import { runController, type ControllerContext, type ControllerDescriptor } from '../../shared/index.js';
import {
  apiserverClientSigner,
  condition,
  decodeRequest,
  hasCondition,
  kubeletClientSigner,
  kubeletServingSigner,
  validateApiserverClient,
  validateKubeletClient,
  validateKubeletServing,
} from './checks.js';

type CSR = CertificateSigningRequest;

const signers = new Set([kubeletClientSigner, apiserverClientSigner, kubeletServingSigner]);

/**
 * CSRSigningController issues certificates for approved requests of the built-in signers
 * `kube-apiserver-client-kubelet`, `kube-apiserver-client` and `kubelet-serving` with the cluster CA
 * (`--cluster-signing-cert-file`/`--cluster-signing-key-file`), as upstream csrsigning does. A request
 * breaking its signer's rules gets a `Failed` condition (reason SignerValidationFailure) instead. The
 * lifetime is the shorter of `spec.expirationSeconds` and `--cluster-signing-duration`.
 */
export class CSRSigningController {
  /** Replaced in tests. */
  syncHandler: (key: string) => Promise<void> = (key) => this.sync(key);
  readonly queue: RateLimitingQueue<string>;
  readonly csrInformer: SharedInformer<CSR>;
  readonly csrClient: ResourceClient<CSR>;
  /** The signing CA, read once from the flag files. Replaced in tests. */
  ca: Promise<CertKeyPair | undefined> | undefined;

  constructor(readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>(undefined, ctx.clock);
    this.csrInformer = ctx.informers.informerFor<CSR>(resources.certificatesigningrequests);
    this.csrClient = ctx.client<CSR>(resources.certificatesigningrequests);
    this.csrInformer.addEventHandler({ onAdd: (c) => this.queue.add(metaNamespaceKey(c)), onUpdate: (_o, c) => this.queue.add(metaNamespaceKey(c)) });
  }

  run(signal: AbortSignal): Promise<void> {
    return runController({
      log: this.ctx.log,
      informers: [this.csrInformer],
      queue: this.queue,
      sync: (key) => this.syncHandler(key),
      workers: this.ctx.options.concurrentSyncs.csr,
      signal,
    });
  }

  /** sync signs the CSR `key` once it is approved, or marks it Failed when its signer refuses it. */
  async sync(key: string): Promise<void> {
    const cached = this.csrInformer.store.get(key);
    if (!cached || !signers.has(cached.spec?.signerName ?? '')) return;
    if (!hasCondition(cached, 'Approved') || hasCondition(cached, 'Denied') || hasCondition(cached, 'Failed') || cached.status?.certificate) return;
    const ca = await (this.ca ??= this.loadCA().catch((err: unknown) => {
      // Unreadable files: try again on the next sync rather than never.
      this.ca = undefined;
      throw err;
    }));
    if (!ca) return;
    const usages = cached.spec?.usages ?? [];
    let pem: string;
    let problem: string | undefined;
    try {
      const req = decodeRequest(cached);
      pem = req.pem;
      problem = this.check(cached.spec?.signerName ?? '', req.info, usages);
    } catch (err) {
      pem = '';
      problem = `unable to parse csr: ${(err as Error).message}`;
    }
    // Copy first: the cached object is shared with the informer.
    const csr = structuredClone(cached) as CSR;
    if (problem === undefined) {
      try {
        const certPem = await signCSR(ca, pem, { usages, validityDays: this.validityDays(cached) });
        csr.status = { ...csr.status, certificate: Buffer.from(certPem).toString('base64') };
      } catch (err) {
        if (!isPkiError(err)) throw err;
        problem = err.message;
      }
    }
    if (problem !== undefined) {
      csr.status = { ...csr.status, conditions: [...(csr.status?.conditions ?? []), condition('Failed', 'SignerValidationFailure', problem, this.ctx.clock.now())] };
    }
    await this.csrClient.updateStatus(csr);
    this.ctx.log.info({ csr: key, signer: cached.spec?.signerName, failed: problem !== undefined }, 'Signed certificate request');
  }

  private check(signer: string, info: ReturnType<typeof decodeRequest>['info'], usages: readonly string[]): string | undefined {
    switch (signer) {
      case kubeletClientSigner:
        return validateKubeletClient(info, usages);
      case kubeletServingSigner:
        return validateKubeletServing(info, usages);
      default:
        return validateApiserverClient(usages);
    }
  }

  private validityDays(csr: CSR): number {
    const max = this.ctx.options.clusterSigningDurationMs;
    const requested = csr.spec?.expirationSeconds ? csr.spec.expirationSeconds * 1000 : max;
    return Math.min(requested, max) / 86_400_000;
  }

  private async loadCA(): Promise<CertKeyPair | undefined> {
    const { clusterSigningCertFile: certFile, clusterSigningKeyFile: keyFile } = this.ctx.options;
    if (!certFile || !keyFile) {
      this.ctx.log.warn('No cluster signing CA configured, certificate requests will not be signed');
      return undefined;
    }
    return { certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
  }
}

/** descriptor registers the CSR signer (upstream `certificatesigningrequest-signing-controller`). */
export const csrSigningControllerDescriptor: ControllerDescriptor = {
  name: 'certificatesigningrequest-signing-controller',
  aliases: ['csrsigning'],
  create: (ctx) => new CSRSigningController(ctx),
};
