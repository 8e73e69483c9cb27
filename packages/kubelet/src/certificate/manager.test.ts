import { lstat, mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { generateCA, parseCertificate, parseCSR, signCSR, type CertKeyPair } from '@nanokube/pki';
import { FakeClock } from '../__tests__/fake-clock.js';
import { rotationDeadline, ServingCertificateManager, type CSRClient } from './manager.js';
import { ServingCertificateStore } from './store.js';

type CSR = CertificateSigningRequest;
const log = { child: () => log, info: () => undefined, warn: () => undefined } as never;
const hour = 3600_000;

/** A fake API that signs each request (with the validity asked) after `pendingPolls` reads, or denies it. */
class FakeCSRs implements CSRClient {
  created: CSR[] = [];
  private reads = new Map<string, number>();
  constructor(
    private readonly ca: CertKeyPair,
    private readonly opts: { pendingPolls?: number; deny?: boolean; validityDays?: number } = {},
  ) {}
  async create(csr: CSR): Promise<CSR> {
    const named = { ...csr, metadata: { name: `csr-${this.created.length}` } };
    this.created.push(named);
    return named;
  }
  async get(name: string): Promise<CSR> {
    const csr = this.created.find((c) => c.metadata?.name === name)!;
    const n = (this.reads.get(name) ?? 0) + 1;
    this.reads.set(name, n);
    if (n <= (this.opts.pendingPolls ?? 0)) return csr;
    if (this.opts.deny) return { ...csr, status: { conditions: [{ type: 'Denied', status: 'True', reason: 'NotMine', message: 'no' }] } };
    const pem = Buffer.from(csr.spec!.request, 'base64').toString();
    const cert = await signCSR(this.ca, pem, { usages: csr.spec!.usages ?? [], validityDays: this.opts.validityDays ?? 1 });
    return { ...csr, status: { certificate: Buffer.from(cert).toString('base64') } };
  }
}

describe('ServingCertificateManager', () => {
  let dir: string;
  let ca: CertKeyPair;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nk-serving-'));
    ca = await generateCA('kubernetes');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function manager(csrs: CSRClient, clock = new FakeClock(Date.now()), addresses = ['10.0.0.7']): ServingCertificateManager {
    return new ServingCertificateManager({ nodeName: 'worker01', addresses: () => addresses, csrs, store: new ServingCertificateStore(dir), log, clock, random: () => 0.5, pollMs: 1000 });
  }

  it('requests a kubelet-serving certificate and stores cert+key behind kubelet-server-current.pem', async () => {
    const csrs = new FakeCSRs(ca, { pendingPolls: 2 });
    const clock = new FakeClock(Date.now());
    const m = manager(csrs, clock);
    let done = false;
    const rotating = m.rotate(new AbortController().signal).finally(() => (done = true));
    // Move the fake time on (one poll period at a time) until the request was issued.
    for (let i = 0; i < 200 && !done; i++) {
      await clock.advance(1000);
      await new Promise((r) => setTimeout(r, 5));
    }
    const pair = await rotating;
    const spec = csrs.created[0]!.spec!;
    expect(spec.signerName).toBe('kubernetes.io/kubelet-serving');
    expect(spec.usages).toEqual(['digital signature', 'server auth']);
    expect(csrs.created[0]!.metadata?.name).toBe('csr-0');
    const req = parseCSR(Buffer.from(spec.request, 'base64').toString());
    expect(req).toMatchObject({ commonName: 'system:node:worker01', organizations: ['system:nodes'], dnsNames: ['worker01'], ipAddresses: ['10.0.0.7'] });
    expect(parseCertificate(pair.certPem).serverAuth).toBe(true);
    const current = join(dir, 'kubelet-server-current.pem');
    expect((await lstat(current)).isSymbolicLink()).toBe(true);
    expect(await readlink(current)).toMatch(/^kubelet-server-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}\.pem$/);
    const text = await readFile(current, 'utf8');
    expect(text).toContain('BEGIN CERTIFICATE');
    expect(text).toContain('PRIVATE KEY');
    expect(m.current()).toEqual(pair);
  });

  it('reuses a stored certificate that is valid and names the node, and renews a stale one', async () => {
    const first = manager(new FakeCSRs(ca));
    const pair = await first.rotate(new AbortController().signal);
    const again = manager(new FakeCSRs(ca));
    expect(await again.loadStored()).toBe(true);
    expect(again.current()?.certPem).toBe(pair.certPem);
    // The node's address changed: the stored certificate no longer fits.
    expect(await manager(new FakeCSRs(ca), undefined, ['10.0.0.8']).loadStored()).toBe(false);
    // Past its expiry.
    expect(await manager(new FakeCSRs(ca), new FakeClock(Date.now() + 2 * 24 * hour)).loadStored()).toBe(false);
  });

  it('renews at its rotation deadline while serving the old one, and notifies listeners', async () => {
    const csrs = new FakeCSRs(ca);
    const clock = new FakeClock(Date.now());
    const m = manager(csrs, clock);
    const seen: string[] = [];
    m.onChange((p) => seen.push(parseCertificate(p.certPem).serialNumber));
    const ac = new AbortController();
    const running = m.run(ac.signal);
    await clock.advance(10);
    await waitUntil(() => seen.length === 1);
    const info = parseCertificate(m.current()!.certPem);
    expect(m.rotationDeadline()).toBe(rotationDeadline(info.notBefore.getTime(), info.notAfter.getTime(), 0.5));
    await clock.advance(m.rotationDeadline() - clock.now() - 1000);
    expect(csrs.created).toHaveLength(1);
    await clock.advance(2000);
    await waitUntil(() => seen.length === 2);
    expect(csrs.created).toHaveLength(2);
    expect(seen[1]).not.toBe(seen[0]);
    ac.abort();
    await running;
  });

  it('retries with backoff after a denied request', async () => {
    const csrs = new FakeCSRs(ca, { deny: true });
    const clock = new FakeClock(Date.now());
    const m = manager(csrs, clock);
    const ac = new AbortController();
    const running = m.run(ac.signal);
    await waitUntil(() => csrs.created.length === 1);
    await clock.advance(1_900);
    expect(csrs.created).toHaveLength(1);
    await clock.advance(200);
    await waitUntil(() => csrs.created.length === 2);
    expect(m.current()).toBeUndefined();
    ac.abort();
    await running;
  });
});

describe('rotationDeadline', () => {
  it('falls between 70 % and 90 % of the lifetime', () => {
    expect(rotationDeadline(0, 1000, 0)).toBe(700);
    expect(rotationDeadline(0, 1000, 0.999)).toBe(899);
  });
});

async function waitUntil(fn: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !fn(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!fn()) throw new Error('condition not met');
}
