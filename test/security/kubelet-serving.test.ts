/**
 * Kubelet serving certificates end to end: a simulated kubelet started with
 * `--rotate-server-certificates` gets a `kubernetes.io/kubelet-serving` certificate approved and signed by
 * the controller-manager, serves it, and keeps it across a restart; an apiserver started with
 * `--kubelet-certificate-authority` reaches it over verified TLS (logs, top) and refuses a kubelet whose
 * certificate the CA did not sign; the kubelet itself authorizes its callers with SubjectAccessReviews.
 *
 * `nanokube up` starts its apiserver without the CA flag, so the suite runs a second apiserver replica
 * on the same store with it (the apiserver is stateless) and points kubectl at that one.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCSR, generateKeyPair, parseCertificate, parseKubeconfig, type CertKeyPair } from '@nanokube/pki';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';
import { freePort } from '../helpers/ports.js';
import { runNanokube, startNanokube, type TestProcess } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const trusted = { name: 'serving01', ip: '127.0.0.71' };
const untrusted = { name: 'selfsigned02', ip: '127.0.0.72' };

let cp: TestControlPlane;
let kubectl: Kubectl;
let work: string;
let verifiedServer = '';
let trustedPort = 0;
const procs = new Map<string, TestProcess>();

/** start runs `nanokube args...` in the background under name (stopped in afterAll, last first). */
function start(name: string, args: string[]): TestProcess {
  const p = startNanokube(args, 'info');
  procs.set(name, p);
  return p;
}

/** userCredential makes a kubeconfig for a user (as `kubeadm kubeconfig user`) and returns its path and key pair. */
async function userCredential(name: string, org?: string): Promise<{ conf: string; pair: CertKeyPair }> {
  const text = await runNanokube(['kubeconfig', 'user', '--dir', cp.dir, '--client-name', name, ...(org ? ['--org', org] : [])]);
  const conf = join(work, `${name.replace(/[^a-z0-9]/gi, '-')}.conf`);
  writeFileSync(conf, text);
  const user = parseKubeconfig(text, conf).users[0]?.user ?? {};
  const decode = (b64: unknown): string => Buffer.from(String(b64 ?? ''), 'base64').toString('utf8');
  return { conf, pair: { certPem: decode(user['client-certificate-data']), keyPem: decode(user['client-key-data']) } };
}

function startKubelet(node: { name: string; ip: string }, conf: string, port: number, rotate: boolean): void {
  start(`kubelet-${node.name}`, [
    'kubelet', '--runtime=simulated', '--kubeconfig', conf, '--node-name', node.name, '--node-ip', node.ip, '--address', node.ip,
    '--port', String(port), '--pod-logs-dir', join(work, 'pods', node.name),
    ...(rotate ? ['--rotate-server-certificates', '--cert-dir', join(work, `pki-${node.name}`)] : []),
  ]);
}

interface Csr {
  metadata: { name: string };
  spec: { signerName: string; username?: string };
  status?: { certificate?: string; conditions?: { type: string; reason?: string }[] };
}

async function servingCsrsOf(user: string): Promise<Csr[]> {
  const list = JSON.parse(await kubectl.ok(['get', 'csr', '-o', 'json'])) as { items: Csr[] };
  return list.items.filter((c) => c.spec.signerName === 'kubernetes.io/kubelet-serving' && c.spec.username === user);
}

/** servedSerial is the serial number of the certificate a TLS server presents. */
function servedSerial(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().serialNumber.toLowerCase());
      s.end();
    });
    s.on('error', reject);
  });
}

function pinnedPod(name: string, node: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: node, containers: [{ name: 'c', image: 'nginx' }] } });
}

describe.skipIf(!hasKubectl())('kubelet serving certificates and kubelet authorization', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'nk-serving-'));
    cp = await startTestControlPlane();
    // A second apiserver replica that verifies kubelets' serving certificates.
    const port = await freePort();
    start('apiserver-verified', [
      'apiserver', '--etcd-servers', `http://127.0.0.1:${cp.storePort}`, '--secure-port', String(port), '--bind-address', '127.0.0.1',
      '--advertise-address', '127.0.0.1', '--cert-dir', cp.dir, '--kubelet-certificate-authority', join(cp.dir, 'pki', 'ca.crt'),
    ]);
    verifiedServer = `https://127.0.0.1:${port}`;
    const conf = join(work, 'admin-verified.conf');
    writeFileSync(conf, readFileSync(cp.adminConf, 'utf8').replace(cp.server, verifiedServer));
    kubectl = new Kubectl(conf);
    await waitFor('the verifying apiserver', async () => ((await kubectl.run(['get', '--raw', '/readyz'])).stdout.trim() === 'ok' ? true : undefined));
    trustedPort = await freePort();
    startKubelet(trusted, (await userCredential(`system:node:${trusted.name}`, 'system:nodes')).conf, trustedPort, true);
    startKubelet(untrusted, (await userCredential(`system:node:${untrusted.name}`, 'system:nodes')).conf, await freePort(), false);
  }, 120_000);

  afterAll(async () => {
    for (const p of [...procs.values()].reverse()) await p.stop();
    for (const [name, p] of procs) if (p.child.exitCode !== 0 && p.output().trim()) process.stderr.write(`--- ${name}\n${p.output().slice(-3000)}\n`);
    await cp?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('issues an auto-approved kubelet-serving certificate naming the node, and the kubelet serves it', async () => {
    const user = `system:node:${trusted.name}`;
    const csr = await waitFor('an issued serving certificate', async () => (await servingCsrsOf(user)).find((c) => c.status?.certificate));
    expect(csr.status?.conditions?.find((c) => c.type === 'Approved')?.reason).toBe('AutoApproved');
    const table = await kubectl.ok(['get', 'csr', csr.metadata.name]);
    expect(table).toMatch(new RegExp(`${csr.metadata.name}\\s+\\S+\\s+kubernetes.io/kubelet-serving\\s+${user}\\s+<none>\\s+Approved,Issued`));
    const cert = parseCertificate(Buffer.from(csr.status!.certificate!, 'base64').toString('utf8'));
    expect(cert).toMatchObject({ commonName: user, organizations: ['system:nodes'], dnsNames: [trusted.name], ipAddresses: [trusted.ip], serverAuth: true, clientAuth: false, issuerCommonName: 'kubernetes' });
    const served = await waitFor('the kubelet to serve it', async () => {
      const serial = await servedSerial(trusted.ip, trustedPort);
      return serial === cert.serialNumber ? serial : undefined;
    });
    expect(served).toBe(cert.serialNumber);
    const stored = readFileSync(join(work, `pki-${trusted.name}`, 'kubelet-server-current.pem'), 'utf8');
    expect(stored).toContain('PRIVATE KEY');
    expect(parseCertificate(stored).serialNumber).toBe(cert.serialNumber);
  });

  it('reaches the kubelet over verified TLS for logs and kubectl top', async () => {
    await kubectl.ok(['apply', '-f', '-'], { stdin: pinnedPod('trusted-web', trusted.name) });
    await waitFor('trusted-web Running', async () => ((await kubectl.ok(['get', 'pod', 'trusted-web', '-o', 'jsonpath={.status.phase}'])) === 'Running' ? true : undefined));
    expect(await kubectl.ok(['logs', 'trusted-web'])).toContain('simulated container c started');
    const top = await waitFor('kubectl top node', async () => {
      const r = await kubectl.run(['top', 'node', trusted.name]);
      return r.code === 0 ? r.stdout : undefined;
    }, 60_000);
    expect(top).toMatch(new RegExp(`^NAME\\s+CPU\\(cores\\)\\s+CPU(%|\\(%\\))\\s+MEMORY\\(bytes\\)\\s+MEMORY(%|\\(%\\))\\s*\\n${trusted.name}\\s+\\d+m`));
  });

  it('refuses a kubelet whose certificate the CA did not sign, with a clear error', async () => {
    await kubectl.ok(['apply', '-f', '-'], { stdin: pinnedPod('untrusted-web', untrusted.name) });
    await waitFor('untrusted-web Running', async () => ((await kubectl.ok(['get', 'pod', 'untrusted-web', '-o', 'jsonpath={.status.phase}'])) === 'Running' ? true : undefined));
    const r = await kubectl.run(['logs', 'untrusted-web']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^Error from server: Get "https:\/\/127\.0\.0\.72:\d+\/containerLogs\/default\/untrusted-web\/c": tls: failed to verify certificate: x509: certificate signed by unknown authority/);
    // The apiserver without --kubelet-certificate-authority still talks to it, as upstream's does.
    const unverified = new Kubectl(cp.adminConf);
    expect(await unverified.ok(['logs', 'untrusted-web'])).toContain('simulated container c started');
  });

  it('authorizes direct callers of the kubelet with SubjectAccessReviews', async () => {
    const ca = readFileSync(join(cp.dir, 'pki', 'ca.crt'), 'utf8');
    const alice = (await userCredential('alice')).pair;
    const apiserverClient = {
      certPem: readFileSync(join(cp.dir, 'pki', 'apiserver-kubelet-client.crt'), 'utf8'),
      keyPem: readFileSync(join(cp.dir, 'pki', 'apiserver-kubelet-client.key'), 'utf8'),
    };
    const call = async (path: string, client?: CertKeyPair): Promise<{ status: number; body: string }> => {
      // The kubelet's serving certificate verifies against the cluster CA for its IP.
      const agent = new Agent({ connect: { ca, ...(client ? { cert: client.certPem, key: client.keyPem } : {}) } });
      try {
        const res = await request(`https://${trusted.ip}:${trustedPort}${path}`, { dispatcher: agent });
        return { status: res.statusCode, body: await res.body.text() };
      } finally {
        await agent.close();
      }
    };
    expect(await call('/pods', alice)).toEqual({ status: 403, body: 'Forbidden (user=alice, verb=get, resource=nodes, subresource=proxy)\n' });
    expect((await call('/stats/summary', alice)).body).toBe('Forbidden (user=alice, verb=get, resource=nodes, subresource=stats)\n');
    expect((await call('/pods')).status).toBe(401);
    expect((await call('/healthz')).status).toBe(200);
    const pods = await call('/pods', apiserverClient);
    expect(pods.status).toBe(200);
    expect(JSON.parse(pods.body)).toMatchObject({ kind: 'PodList' });
    // Granting system:kubelet-api-admin opens the stats (a fresh decision: no denial of it is cached yet).
    await kubectl.ok(['create', 'clusterrolebinding', 'alice-kubelet', '--clusterrole=system:kubelet-api-admin', '--user=alice']);
    expect((await call('/metrics/probes', alice)).status).not.toBe(403);
  });

  async function submitForeignServingCsr(name: string): Promise<void> {
    const { privateKeyPem } = await generateKeyPair();
    const request64 = Buffer.from(await createCSR(privateKeyPem, `system:node:${trusted.name}`, ['system:nodes'], { ips: [trusted.ip] })).toString('base64');
    await kubectl.ok(['apply', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { name },
        spec: { request: request64, signerName: 'kubernetes.io/kubelet-serving', usages: ['digital signature', 'server auth'] },
      }),
    });
  }

  it('leaves a serving request by someone else pending until a person approves it', async () => {
    await submitForeignServingCsr('by-admin');
    await new Promise((r) => setTimeout(r, 3000));
    expect(await kubectl.ok(['get', 'csr', 'by-admin'])).toMatch(/by-admin\s+\S+\s+kubernetes.io\/kubelet-serving\s+kubernetes-admin\s+<none>\s+Pending/);
    // What `kubectl certificate approve` does, sent as JSON (see the protobuf case below).
    const csr = JSON.parse(await kubectl.ok(['get', 'csr', 'by-admin', '-o', 'json'])) as Csr & { status?: Record<string, unknown> };
    const approved = { ...csr, status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.' }] } };
    await kubectl.ok(['replace', '--raw', '/apis/certificates.k8s.io/v1/certificatesigningrequests/by-admin/approval', '-f', '-'], { stdin: JSON.stringify(approved) });
    await waitFor('by-admin issued', async () => (/Approved,Issued/.test(await kubectl.ok(['get', 'csr', 'by-admin'])) ? true : undefined));
  });

  // kubectl 1.32 sends the approval as a protobuf CertificateSigningRequest.
  it('kubectl certificate approve works (protobuf CertificateSigningRequest body)', async () => {
    await submitForeignServingCsr('by-admin-2');
    expect(await kubectl.ok(['certificate', 'approve', 'by-admin-2'])).toContain('certificatesigningrequest.certificates.k8s.io/by-admin-2 approved');
    await waitFor('by-admin-2 issued', async () => (/Approved,Issued/.test(await kubectl.ok(['get', 'csr', 'by-admin-2'])) ? true : undefined));
  });

  it('reuses its stored certificate after a restart instead of asking again', async () => {
    const user = `system:node:${trusted.name}`;
    const before = (await servingCsrsOf(user)).length;
    const serial = await servedSerial(trusted.ip, trustedPort);
    await procs.get(`kubelet-${trusted.name}`)?.stop();
    startKubelet(trusted, join(work, `system-node-${trusted.name}.conf`), trustedPort, true);
    const after = await waitFor('the restarted kubelet serving', async () => servedSerial(trusted.ip, trustedPort).catch(() => undefined));
    expect(after).toBe(serial);
    await new Promise((r) => setTimeout(r, 2000));
    expect((await servingCsrsOf(user)).length).toBe(before);
  });
});
