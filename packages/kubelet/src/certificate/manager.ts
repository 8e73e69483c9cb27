/**
 * ServingCertificateManager gives the kubelet server a certificate signed by the cluster, as upstream's
 * kubelet does with `--rotate-server-certificates` (client-go's certificate manager with the
 * `kubernetes.io/kubelet-serving` signer):
 *
 * - At start it reuses `kubelet-server-current.pem` when it is unexpired, its key matches and it still
 *   names the node's current host name and addresses; otherwise it requests a new one.
 * - A request is a fresh ECDSA P-256 key and a CertificateSigningRequest made with the kubelet's own
 *   credentials; the manager waits until the certificate is issued (or the request is Denied/Failed).
 * - Each certificate is renewed at a random point between 70 % and 90 % of its lifetime (upstream's
 *   jittered rotation deadline), while the old one keeps serving until its successor is issued.
 * - Failures are retried with exponential backoff (2 s doubling to 2 min), never giving up.
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { realClock, type Clock } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import { createCSR, generateKeyPair, parseCertificate, type CertKeyPair } from '@nanokube/pki';
import type { ServingCertificateStore } from './store.js';
import { coversTemplate, keyMatches, kubeletServingSigner, servingTemplate, type ServingCertificateTemplate } from './template.js';

type CSR = CertificateSigningRequest;

/** The CertificateSigningRequest calls the manager makes (a `ResourceClient` fits). */
export interface CSRClient {
  create(csr: CSR): Promise<CSR>;
  get(name: string, opts?: { signal?: AbortSignal }): Promise<CSR>;
}

/** Options of {@link ServingCertificateManager}. */
export interface ServingCertificateManagerOptions {
  nodeName: string;
  /** The node's addresses (the InternalIP from --node-ip, ...), read at each request. */
  addresses: () => string[];
  csrs: CSRClient;
  store: ServingCertificateStore;
  log: Logger;
  clock?: Clock;
  /** Source of the rotation jitter, in [0, 1). */
  random?: () => number;
  /** How often a pending request is looked at (default 1 s). */
  pollMs?: number;
  /** How long one request may stay unissued before a new one is made (default 15 min, upstream's). */
  waitTimeoutMs?: number;
  /** Asked as `spec.expirationSeconds` (default: none, the signer's duration). */
  expirationSeconds?: number;
  /** Resolves once a request may be made: the Node is registered, so an approver can check its addresses. */
  ready?: (signal: AbortSignal) => Promise<void>;
}

const minBackoffMs = 2_000;
const maxBackoffMs = 120_000;
// Timers longer than this overflow Node's 32-bit delay; the loop simply wakes up and sleeps again.
const maxSleepMs = 2 ** 31 - 1;

/** ServingCertificateManager keeps a valid serving certificate; see the module comment. */
export class ServingCertificateManager {
  private pair: CertKeyPair | undefined;
  private deadlineMs = 0;
  private readonly listeners: ((pair: CertKeyPair) => void)[] = [];
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(private readonly opts: ServingCertificateManagerOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log.child({ certificateManager: 'kubelet-serving' });
  }

  /** current is the pair to serve, undefined until the first one is loaded or issued. */
  current(): CertKeyPair | undefined {
    return this.pair;
  }

  /** rotationDeadline is when the current certificate will be renewed (ms since the epoch; 0 = none yet). */
  rotationDeadline(): number {
    return this.deadlineMs;
  }

  /** onChange registers a callback run with each newly loaded or issued pair. */
  onChange(cb: (pair: CertKeyPair) => void): void {
    this.listeners.push(cb);
  }

  /** template is the request the node needs now. */
  template(): ServingCertificateTemplate {
    return servingTemplate(this.opts.nodeName, this.opts.addresses());
  }

  /** loadStored adopts the stored pair when it is still usable; true if it did. */
  async loadStored(): Promise<boolean> {
    const stored = await this.opts.store.load();
    if (!stored) return false;
    const why = this.unusable(stored);
    if (why) {
      this.log.info({ file: this.opts.store.currentPath, reason: why }, 'Ignored stored serving certificate');
      return false;
    }
    this.adopt(stored);
    this.log.info({ file: this.opts.store.currentPath, rotationDeadline: new Date(this.deadlineMs).toISOString() }, 'Loaded serving certificate');
    return true;
  }

  /** run loads or requests the certificate, then renews it at each deadline until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    await this.loadStored();
    let backoffMs = minBackoffMs;
    while (!signal.aborted) {
      if (!this.pair || this.clock.now() >= this.deadlineMs) {
        try {
          await this.opts.ready?.(signal);
          await this.rotate(signal);
          backoffMs = minBackoffMs;
        } catch (err) {
          if (signal.aborted) return;
          this.log.warn({ err, retryInMs: backoffMs }, 'Could not get a serving certificate');
          await this.sleep(backoffMs, signal);
          backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
        }
        continue;
      }
      await this.sleep(Math.min(this.deadlineMs - this.clock.now(), maxSleepMs), signal);
    }
  }

  /** rotate requests, waits for and stores a new certificate, then switches to it. */
  async rotate(signal: AbortSignal): Promise<CertKeyPair> {
    const template = this.template();
    const { privateKeyPem: keyPem } = await generateKeyPair();
    const csrPem = await createCSR(keyPem, template.commonName, template.organizations, { dns: template.dnsNames, ips: template.ipAddresses });
    const created = await this.opts.csrs.create({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { generateName: 'csr-' },
      spec: {
        request: Buffer.from(csrPem).toString('base64'),
        signerName: kubeletServingSigner,
        usages: template.usages,
        ...(this.opts.expirationSeconds ? { expirationSeconds: this.opts.expirationSeconds } : {}),
      },
    });
    const name = created.metadata?.name ?? '';
    this.log.info({ csr: name, dnsNames: template.dnsNames, ipAddresses: template.ipAddresses }, 'Requested serving certificate');
    const certPem = await this.waitForCertificate(name, signal);
    if (!keyMatches(certPem, keyPem)) throw new Error(`certificate issued for ${name} does not match the requested key`);
    const pair = { certPem, keyPem };
    const file = await this.opts.store.save(pair, this.clock.now());
    this.adopt(pair);
    this.log.info({ csr: name, file, rotationDeadline: new Date(this.deadlineMs).toISOString() }, 'Rotated serving certificate');
    return pair;
  }

  private async waitForCertificate(name: string, signal: AbortSignal): Promise<string> {
    const deadline = this.clock.now() + (this.opts.waitTimeoutMs ?? 15 * 60_000);
    for (;;) {
      const csr = await this.opts.csrs.get(name, { signal });
      const bad = csr.status?.conditions?.find((c) => (c.type === 'Denied' || c.type === 'Failed') && (c.status ?? 'True') === 'True');
      if (bad) throw new Error(`certificate signing request ${name} is ${bad.type.toLowerCase()}: ${bad.reason ?? ''} ${bad.message ?? ''}`.trim());
      if (csr.status?.certificate) return Buffer.from(csr.status.certificate, 'base64').toString('utf8');
      if (this.clock.now() >= deadline) throw new Error(`timed out waiting for certificate signing request ${name} to be approved and issued`);
      await this.sleep(this.opts.pollMs ?? 1000, signal);
      if (signal.aborted) throw new Error('stopped while waiting for a serving certificate');
    }
  }

  private unusable(pair: CertKeyPair): string | undefined {
    let info;
    try {
      info = parseCertificate(pair.certPem);
    } catch {
      return 'unparseable';
    }
    if (info.notAfter.getTime() <= this.clock.now()) return 'expired';
    if (!keyMatches(pair.certPem, pair.keyPem)) return 'key mismatch';
    if (!coversTemplate(pair.certPem, this.template())) return 'names changed';
    return undefined;
  }

  private adopt(pair: CertKeyPair): void {
    const info = parseCertificate(pair.certPem);
    this.pair = pair;
    this.deadlineMs = rotationDeadline(info.notBefore.getTime(), info.notAfter.getTime(), (this.opts.random ?? Math.random)());
    for (const cb of this.listeners) cb(pair);
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = this.clock.setTimeout(done, Math.max(0, ms));
      function done(): void {
        timer.cancel();
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * rotationDeadline is when a certificate valid from notBefore to notAfter is renewed: at 70 % of its
 * lifetime plus up to 20 % more of jitter (`jitter` in [0, 1)), so a fleet does not renew all at once.
 */
export function rotationDeadline(notBeforeMs: number, notAfterMs: number, jitter: number): number {
  const total = notAfterMs - notBeforeMs;
  return notBeforeMs + Math.floor(total * (0.7 + 0.2 * jitter));
}
