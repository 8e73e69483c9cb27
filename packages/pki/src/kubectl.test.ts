/**
 * The real-client check: kubectl 1.32 must trust the apiserver certificate made by init, authenticate
 * with the admin.conf client certificate, and refuse a server certificate from another CA.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { opensslVerify } from './__tests__/openssl.js';
import { initControlPlaneFiles, type InitResult } from './init/control-plane.js';
import { readKubeconfig, parseKubeconfig, writeKubeconfig } from './kubeconfig.js';
import { kubeconfigVerb } from './verbs/kubeconfig.js';

const kubectl = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

interface Seen {
  path: string;
  authorized: boolean;
  cn?: string | string[];
  orgs?: string | string[];
}

let tmp: string;
let init: InitResult;
let server: Server;
let port: number;
const seen: Seen[] = [];

async function serve(pkiDir: string): Promise<Server> {
  const [key, cert, ca] = await Promise.all(['apiserver.key', 'apiserver.crt', 'ca.crt'].map((f) => readFile(join(pkiDir, f))));
  // Like kube-apiserver: ask for a client certificate but let the request through without one.
  const srv = createServer({ key, cert, ca, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    seen.push({ path: req.url ?? '', authorized: socket.authorized, cn: peer.subject?.CN, orgs: peer.subject?.O });
    const path = (req.url ?? '').split('?')[0];
    const body = path === '/version' ? { major: '1', minor: '32', gitVersion: 'v1.32.0' } : path === '/api' ? { kind: 'APIVersions', versions: ['v1'] } : undefined;
    res.setHeader('Cache-Control', 'no-cache, private');
    res.setHeader('Content-Type', 'application/json');
    res.statusCode = body ? 200 : 404;
    res.end(JSON.stringify(body ?? { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 }));
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return srv;
}

function runKubectl(kubeconfig: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(kubectl, ['--kubeconfig', kubeconfig, ...args], { env: { PATH: process.env['PATH'], HOME: tmp }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** pointAt copies a kubeconfig, sets its server to the test server, and returns the copy's path. */
async function pointAt(text: string, name: string): Promise<string> {
  const kc = parseKubeconfig(text);
  for (const c of kc.clusters) c.cluster.server = `https://127.0.0.1:${port}`;
  const path = join(tmp, name);
  await writeKubeconfig(path, kc);
  return path;
}

describe.skipIf(!existsSync(kubectl))('kubectl against init output', () => {
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nk-kubectl-'));
    init = await initControlPlaneFiles({ dir: join(tmp, 'etc'), nodeName: 'n1' });
    server = await serve(init.pkiDir);
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await rm(tmp, { recursive: true, force: true });
  });

  it('openssl verifies the apiserver certificate against the CA', async () => {
    const [ca, crt] = await Promise.all([readFile(init.caCertPath, 'utf8'), readFile(join(init.pkiDir, 'apiserver.crt'), 'utf8')]);
    expect(opensslVerify(ca, crt, 'sslserver')).toBe('cert.crt: OK');
  });

  it('kubectl version succeeds with admin.conf, without skipping TLS verification', async () => {
    const admin = await pointAt(await readFile(init.adminConf, 'utf8'), 'admin-copy.conf');
    seen.length = 0;
    const out = await runKubectl(admin, ['version', '-o', 'json']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout).serverVersion).toMatchObject({ major: '1', minor: '32', gitVersion: 'v1.32.0' });
    expect(seen.find((s) => s.path.startsWith('/version'))).toMatchObject({ authorized: true, cn: 'kubernetes-admin', orgs: 'system:masters' });
  });

  it('kubectl authenticates with a kubeconfig from `nanokube kubeconfig user`', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let printed: string;
    try {
      const code = await kubeconfigVerb.run(['user', '--dir', init.dir, '--client-name', 'alice', '--org', 'devs', '--org', 'qa']);
      expect(code).toBe(0);
      printed = write.mock.calls.map((c) => String(c[0])).join('');
    } finally {
      write.mockRestore();
    }
    expect(parseKubeconfig(printed).clusters[0]?.cluster.server).toBe(init.server);
    const alice = await pointAt(printed, 'alice.conf');
    seen.length = 0;
    const out = await runKubectl(alice, ['version', '-o', 'json']);
    expect(out.code).toBe(0);
    expect(seen.find((s) => s.path.startsWith('/version'))).toMatchObject({ authorized: true, cn: 'alice', orgs: ['devs', 'qa'] });
  });

  it('kubectl refuses a server whose certificate comes from another CA', async () => {
    const other = await initControlPlaneFiles({ dir: join(tmp, 'other'), nodeName: 'n1' });
    const kc = await readKubeconfig(other.adminConf);
    const path = await pointAt(JSON.stringify(kc), 'other.conf');
    const out = await runKubectl(path, ['version', '-o', 'json']);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(/x509: certificate signed by unknown authority/);
  });
});
