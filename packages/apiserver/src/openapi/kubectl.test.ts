/**
 * The real kubectl (1.27-1.33) against a small HTTPS server that serves minimal discovery, a Deployment
 * endpoint and our OpenAPI v3 documents: validation, create --dry-run=server, client-side apply and
 * explain must work without `--validate=false` and without OpenAPI warnings.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenApiService } from './service.js';
import { testResources } from './testing.test-helper.js';

const run = promisify(execFile);
const bin = (minor: number): string => `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}`;
const minors = [27, 28, 29, 30, 31, 32, 33].filter((m) => existsSync(bin(m)));

interface Seen {
  method: string;
  url: string;
  contentType?: string;
}

const deploymentYaml = (replicas: number): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
`;

function resourceList(groupVersion: string, resources: object[]): object {
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const discovery: Record<string, object> = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] },
  '/apis': {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [
      { name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } },
      {
        name: 'autoscaling',
        versions: [
          { groupVersion: 'autoscaling/v2', version: 'v2' },
          { groupVersion: 'autoscaling/v1', version: 'v1' },
        ],
        preferredVersion: { groupVersion: 'autoscaling/v2', version: 'v2' },
      },
    ],
  },
  '/api/v1': resourceList('v1', [
    { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs, shortNames: ['po'], categories: ['all'] },
    { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs, shortNames: ['ns'] },
    { name: 'services', singularName: 'service', namespaced: true, kind: 'Service', verbs, shortNames: ['svc'] },
    { name: 'configmaps', singularName: 'configmap', namespaced: true, kind: 'ConfigMap', verbs, shortNames: ['cm'] },
  ]),
  '/apis/apps/v1': resourceList('apps/v1', [
    { name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs, shortNames: ['deploy'], categories: ['all'] },
  ]),
  '/apis/autoscaling/v2': resourceList('autoscaling/v2', [
    { name: 'horizontalpodautoscalers', singularName: 'horizontalpodautoscaler', namespaced: true, kind: 'HorizontalPodAutoscaler', verbs, shortNames: ['hpa'] },
  ]),
  '/apis/autoscaling/v1': resourceList('autoscaling/v1', [
    { name: 'horizontalpodautoscalers', singularName: 'horizontalpodautoscaler', namespaced: true, kind: 'HorizontalPodAutoscaler', verbs, shortNames: ['hpa'] },
  ]),
};

/** A fake apiserver: discovery, OpenAPI, and one Deployment that may exist. */
class FakeServer {
  readonly seen: Seen[] = [];
  stored: Record<string, unknown> | undefined;
  private readonly openapi = new OpenApiService(testResources);
  readonly server: Server;

  constructor(key: Buffer | string, cert: Buffer | string) {
    this.server = createServer({ key, cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'https://127.0.0.1');
        this.seen.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'] });
        const reply = (code: number, body: unknown): void => {
          res.writeHead(code, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        if (url.pathname.startsWith('/openapi/')) {
          const r = this.openapi.serve({ path: url.pathname, hash: url.searchParams.get('hash') ?? undefined, accept: req.headers['accept'], ifNoneMatch: req.headers['if-none-match'] });
          if (!r) return reply(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
          res.writeHead(r.statusCode, r.headers);
          return void res.end(r.body);
        }
        if (url.pathname === '/version') return reply(200, { major: '1', minor: '32', gitVersion: 'v1.32.0' });
        const disc = discovery[url.pathname];
        if (disc) return reply(200, disc);
        const body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : undefined;
        return this.deployment(req.method ?? '', url, body, reply);
      });
    });
  }

  private deployment(method: string, url: URL, body: Record<string, unknown> | undefined, reply: (code: number, body: unknown) => void): void {
    const notFound = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'deployments.apps "web" not found', reason: 'NotFound', details: { name: 'web', group: 'apps', kind: 'deployments' }, code: 404 };
    if (method === 'GET' && url.pathname.endsWith('/deployments/web')) return this.stored ? reply(200, this.stored) : reply(404, notFound);
    if (method === 'POST' && url.pathname.endsWith('/deployments') && body) {
      const meta = body['metadata'] as Record<string, unknown>;
      const obj = { ...body, metadata: { ...meta, namespace: 'default', uid: 'u1', resourceVersion: '1', creationTimestamp: '2025-01-01T00:00:00Z' } };
      if (url.searchParams.get('dryRun') !== 'All') this.stored = obj;
      return reply(201, obj);
    }
    if (method === 'PATCH' && url.pathname.endsWith('/deployments/web') && this.stored) return reply(200, this.stored);
    reply(404, notFound);
  }
}

describe.skipIf(minors.length === 0)('kubectl against our OpenAPI v3', () => {
  let dir: string;
  let fake: FakeServer;
  let kubeconfig: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nk-openapi-'));
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '2', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    const { readFileSync } = await import('node:fs');
    fake = new FakeServer(readFileSync(join(dir, 'key.pem')), readFileSync(join(dir, 'cert.pem')));
    await new Promise<void>((r) => fake.server.listen(0, '127.0.0.1', r));
    const port = (fake.server.address() as { port: number }).port;
    kubeconfig = join(dir, 'config');
    writeFileSync(kubeconfig, `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", certificate-authority: "${join(dir, 'cert.pem')}"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]
current-context: x
`);
    writeFileSync(join(dir, 'deploy.yaml'), deploymentYaml(2));
    writeFileSync(join(dir, 'deploy3.yaml'), deploymentYaml(3));
  });

  afterAll(async () => {
    await new Promise<void>((r) => (fake ? fake.server.close(() => r()) : r()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function kubectl(minor: number, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
    const home = join(dir, `home-${minor}`);
    try {
      return await run(bin(minor), ['--kubeconfig', kubeconfig, ...args], { env: { PATH: process.env['PATH'] ?? '', HOME: home }, timeout: 30_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`kubectl 1.${minor} ${args.join(' ')} failed: ${e.stderr ?? ''}${e.stdout ?? ''}${e.message}`);
    }
  }

  it.each(minors)('1.%i: create --dry-run=server validates through the server (fieldValidation=Strict)', async (minor) => {
    fake.seen.length = 0;
    const { stdout } = await kubectl(minor, 'create', '-f', join(dir, 'deploy.yaml'), '--dry-run=server');
    expect(stdout).toContain('deployment.apps/web created (server dry run)');
    const post = fake.seen.find((s) => s.method === 'POST');
    expect(post?.url).toContain('fieldValidation=Strict');
    expect(post?.url).toContain('dryRun=All');
  }, 60_000);

  it.each(minors)('1.%i: explain prints upstream descriptions', async (minor) => {
    const replicas = await kubectl(minor, 'explain', 'deployment.spec.replicas');
    expect(replicas.stdout).toContain('Number of desired pods');
    expect(replicas.stdout).toMatch(/replicas\s+<integer>/);
    const strategy = await kubectl(minor, 'explain', 'deployment.spec.strategy');
    expect(strategy.stdout).toContain('The deployment strategy to use to replace existing pods with new ones.');
    expect(strategy.stdout).toContain('rollingUpdate');
    const pods = await kubectl(minor, 'explain', 'pods');
    expect(pods.stdout).toContain('Pod is a collection of containers that can run on a host.');
    expect(pods.stdout).toMatch(/spec\s+<(Object|PodSpec)>/);
  }, 60_000);

  it('explain --recursive walks the whole Pod schema', async () => {
    const minor = minors[minors.length - 1] as number;
    const { stdout } = await kubectl(minor, 'explain', 'pods', '--recursive');
    expect(stdout).toMatch(/containers\s+<\[\]Container> -required-/);
    expect(stdout).toMatch(/restartPolicy\s+<string>/);
    expect(stdout.split('\n').length).toBeGreaterThan(500);
  }, 60_000);

  it.each(minors)('1.%i: client-side apply creates, then patches without OpenAPI warnings', async (minor) => {
    fake.stored = undefined;
    fake.seen.length = 0;
    const created = await kubectl(minor, 'apply', '-f', join(dir, 'deploy.yaml'));
    expect(created.stdout).toContain('deployment.apps/web created');
    const configured = await kubectl(minor, 'apply', '-f', join(dir, 'deploy3.yaml'));
    expect(configured.stdout).toContain('deployment.apps/web configured');
    expect(created.stderr + configured.stderr).not.toMatch(/openapi|warning/i);
    const patch = fake.seen.find((s) => s.method === 'PATCH');
    expect(patch?.contentType).toBe('application/strategic-merge-patch+json');
    expect(patch?.url).toContain('fieldValidation=Strict');
  }, 60_000);
});
