/**
 * A loopback control plane for the security suites: `nanokube init` files, the store and an
 * apiserver in this process, the apiserver built with buildApp and wired with createSecurity
 * (the same wiring the integrator puts into `nanokube apiserver`). Also runs the real kubectl.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '@nanokube/apiserver';
import { buildKubeconfig, initControlPlaneFiles, issueCertificate, loadCA, serializeKubeconfig } from '@nanokube/pki';
import { startStoreServer } from '@nanokube/store';
import pino from 'pino';
import { createSecurity } from '../../packages/apiserver/src/auth/index.js';
import { createRegistry } from '../../packages/apiserver/src/registry/generic/index.js';
import { allResources } from '../../packages/apiserver/src/registry/resources/index.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface ControlPlane {
  dir: string;
  server: string;
  adminConf: string;
  caCert: string;
  /** Writes a certificate kubeconfig for a user and returns its path. */
  userKubeconfig(name: string, groups?: string[]): Promise<string>;
  /** Writes a token kubeconfig and returns its path. */
  tokenKubeconfig(name: string, token: string): string;
  close(): Promise<void>;
}

/** startControlPlane starts store + secured apiserver on loopback. */
export async function startControlPlane(): Promise<ControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'nk-security-'));
  const port = await freePort();
  const init = await initControlPlaneFiles({ dir, advertiseAddress: '127.0.0.1', securePort: port, nodeName: 'master', out: () => {} });
  const logger = pino({ level: process.env['NK_TEST_LOG'] ?? 'silent' });
  const storePort = await freePort();
  const store = await startStoreServer({ dataDir: join(dir, 'store'), listen: `http://127.0.0.1:${storePort}`, logger });
  const registry = await createRegistry({ etcdServers: [store.url], resources: allResources, logger, advertiseAddress: '127.0.0.1', securePort: port, compactionIntervalMs: 0 });
  const security = createSecurity({ registry, logger, serviceAccountSigningKey: readFileSync(join(init.pkiDir, 'sa.key'), 'utf8'), quotaResyncMs: 0 });
  const app = buildApp({
    registry: security.registry,
    tls: { cert: readFileSync(join(init.pkiDir, 'apiserver.crt')), key: readFileSync(join(init.pkiDir, 'apiserver.key')), clientCA: readFileSync(init.caCertPath) },
    logger,
    authenticators: security.authenticators,
    authorizer: security.authorizer,
    // Impersonation needs the onRequest hook to call it (see the report: server/app.ts change).
    ...({ impersonate: security.impersonate } as object),
  });
  await app.listen({ port, host: '127.0.0.1' });
  const abort = new AbortController();
  await security.start(abort.signal, { whenReady: () => registry.whenReady() });
  const ca = await loadCA(init.pkiDir);
  const caCert = readFileSync(init.caCertPath, 'utf8');
  return {
    dir,
    server: init.server,
    adminConf: init.adminConf,
    caCert,
    async userKubeconfig(name, groups = []) {
      const c = await issueCertificate({ ca, cn: name, orgs: groups, usages: 'client', validityDays: 1 });
      const path = join(dir, `${name.replace(/[^a-z0-9]/gi, '_')}.conf`);
      writeFileSync(path, serializeKubeconfig(buildKubeconfig({ clusterName: 'kubernetes', server: init.server, caPem: caCert, userName: name, clientCertPem: c.certPem, clientKeyPem: c.keyPem })));
      return path;
    },
    tokenKubeconfig(name, token) {
      const path = join(dir, `${name.replace(/[^a-z0-9]/gi, '_')}-token.conf`);
      writeFileSync(path, serializeKubeconfig(buildKubeconfig({ clusterName: 'kubernetes', server: init.server, caPem: caCert, userName: name, token })));
      return path;
    },
    async close() {
      abort.abort();
      app.server.closeAllConnections?.();
      await app.close();
      await registry.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** kubectl runs the real kubectl with a kubeconfig (bounded to 30 s). */
export function kubectl(kubeconfig: string, args: string[], input?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000, env: { ...process.env, KUBECONFIG: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}
