/**
 * The apiserver's HTTP layer against the real kubectl 1.32: HTTPS with client certificates, discovery,
 * server-side Tables, protobuf create bodies, watch streaming, Status errors. Storage is an in-memory
 * fake registry, so this suite tests only the wire behaviour.
 */
import { rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type RunningApiServer } from '@nanokube/apiserver';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';
import { makeTestPki, writeKubeconfig, type TestPki } from './certs.js';
import { deploymentsDef, FakeRegistry, podsDef } from './fake-registry.js';

const suite = hasKubectl(32) ? describe : describe.skip;

suite('apiserver HTTP layer with the real kubectl', () => {
  let pki: TestPki;
  let server: RunningApiServer;
  let registry: FakeRegistry;
  let kubectl: Kubectl;
  let rogue: Kubectl;

  const ctx = (namespace: string) => ({ namespace, user: { name: 'test', groups: [] }, dryRun: false, now: new Date() });

  async function seedPod(name: string, namespace = 'default', ip = '10.244.1.5'): Promise<void> {
    await registry.create(
      ctx(namespace),
      podsDef,
      { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }], nodeName: 'worker01' }, status: { phase: 'Running', podIP: ip } },
      { dryRun: false, fieldValidation: 'Strict' },
    );
  }

  beforeAll(async () => {
    pki = makeTestPki();
    registry = new FakeRegistry();
    server = await startApiServer({
      registry,
      tls: { cert: pki.serverCert, key: pki.serverKey, clientCA: pki.caCert },
      logger: pino({ level: 'silent' }),
      port: 0,
      host: '127.0.0.1',
    });
    kubectl = new Kubectl(writeKubeconfig(pki, server.url, 'admin'));
    rogue = new Kubectl(writeKubeconfig(pki, server.url, 'rogue', 'rogue.kubeconfig'));
    await seedPod('web-1');
    await seedPod('web-2', 'default', '10.244.2.7');
    await seedPod('other', 'kube-system', '10.244.3.9');
  });

  afterAll(async () => {
    await server?.close();
    pki?.cleanup();
    for (const k of [kubectl, rogue]) if (k) rmSync(k.home, { recursive: true, force: true });
  });

  it('prints the server version', async () => {
    const out = await kubectl.ok(['version']);
    expect(out).toContain('Server Version: v1.32.0');
  });

  it('prints pods as the server-side table, and wide columns with -o wide', async () => {
    const r = await kubectl.run(['get', 'pods']);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(lines[1]).toMatch(/^web-1\s+0\/1\s+Running\s+0\s+\d+s$/);
    expect(lines).toHaveLength(3);
    const wide = await kubectl.ok(['get', 'pods', '-o', 'wide']);
    expect(wide.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE$/);
    expect(wide).toMatch(/web-2\s+0\/1\s+Running\s+0\s+\d+s\s+10\.244\.2\.7\s+worker01/);
  });

  it('lists all namespaces with -A and reads short names', async () => {
    const out = await kubectl.ok(['get', 'po', '-A']);
    expect(out.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+READY/);
    expect(out).toMatch(/kube-system\s+other\s+0\/1\s+Running/);
  });

  it('lists API resources from discovery', async () => {
    const out = await kubectl.ok(['api-resources']);
    expect(out).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
    expect(out).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(out).toMatch(/^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
  });

  it('creates a deployment from kubectl create (a protobuf body) and shows it in get all', async () => {
    const out = await kubectl.run(['create', 'deployment', 'x', '--image=nginx']);
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).toBe('deployment.apps/x created');
    const create = registry.calls.find((c) => c[0] === 'create' && c[1] === 'deployments');
    expect(create?.[2]).toMatchObject({ obj: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', labels: { app: 'x' } } }, opts: { fieldManager: 'kubectl-create', fieldValidation: 'Strict' } });
    const all = await kubectl.ok(['get', 'all']);
    expect(all).toMatch(/^pod\/web-1\s/m);
    expect(all).toMatch(/^deployment\.apps\/x\s+0\/1\s+\d+s$/m);
  });

  it('applies a manifest with server-side field validation from OpenAPI v3', async () => {
    const manifest = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: applied\nspec:\n  containers:\n  - name: c\n    image: nginx\n';
    const r = await kubectl.run(['apply', '-f', '-'], { stdin: manifest });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('pod/applied created');
    const create = registry.calls.find((c) => c[0] === 'create' && (c[2] as { obj: { metadata: { name: string } } }).obj.metadata.name === 'applied');
    expect(create?.[2]).toMatchObject({ opts: { fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' } });
    const bad = await kubectl.run(['apply', '-f', '-'], { stdin: manifest.replace('name: applied', 'name: bad').replace('  containers:', '  bogus: 1\n  containers:') });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('strict decoding error: unknown field "spec.bogus"');
  });

  it('scales through the scale subresource', async () => {
    await registry.create(ctx('default'), deploymentsDef, { metadata: { name: 'scaled' }, spec: { replicas: 1 } }, { dryRun: false, fieldValidation: 'Strict' });
    const out = await kubectl.ok(['scale', 'deployment', 'scaled', '--replicas=3']);
    expect(out.trim()).toBe('deployment.apps/scaled scaled');
    const obj = await registry.get(ctx('default'), deploymentsDef, 'scaled');
    expect((obj['spec'] as { replicas: number }).replicas).toBe(3);
  });

  it('prints Status errors the way kubectl prints upstream ones', async () => {
    const nf = await kubectl.run(['get', 'pod', 'nope']);
    expect(nf.code).toBe(1);
    expect(nf.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
    const bad = await rogue.run(['get', 'pods']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error: You must be logged in to the server');
  });

  it('authenticates requests without credentials as system:anonymous', async () => {
    const get = (path: string): Promise<{ code: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = httpsRequest(`${server.url}${path}`, { ca: pki.caCert }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await get('/healthz')).toEqual({ code: 200, body: 'ok' });
    expect((await get('/version')).code).toBe(200);
    const api = await get('/api');
    expect(api.code).toBe(403);
    expect(JSON.parse(api.body)).toMatchObject({ kind: 'Status', reason: 'Forbidden', message: 'forbidden: User "system:anonymous" cannot get path "/api"' });
  });

  it('streams table rows to get -w as pods change', async () => {
    const watching = kubectl.run(['get', 'pods', '-w', '--request-timeout=0'], { timeoutMs: 4000 });
    await new Promise((r) => setTimeout(r, 1500));
    await seedPod('web-3', 'default', '10.244.1.9');
    const out = await watching;
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS/);
    expect(lines.filter((l) => l.startsWith('NAME'))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^web-3\s+0\/1\s+Running\s+0\s+\d+s$/);
  });

  it('deletes a pod and waits for it to be gone', async () => {
    const out = await kubectl.ok(['delete', 'pod', 'web-1'], { timeoutMs: 20_000 });
    expect(out.trim()).toBe('pod "web-1" deleted');
  });
});
