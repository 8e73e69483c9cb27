import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';

/** What a backend standing in for a pod saw of one request. */
interface Seen {
  method: string;
  url: string;
  host: string;
  body: string;
  forwardedUri: string;
}

/** A small HTTP(S) server on 127.0.0.1 that answers with what it was sent. */
function echoServer(tls?: { cert: Buffer; key: Buffer }): Promise<{ port: number; server: http.Server }> {
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      const seen: Seen = { method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '', body, forwardedUri: String(req.headers['x-forwarded-uri'] ?? '') };
      res.writeHead(req.url === '/teapot' ? 418 : 200, { 'content-type': 'application/json', 'x-backend': tls ? 'https' : 'http' });
      res.end(JSON.stringify(seen));
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as AddressInfo).port, server })));
}

function yaml(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

// Issue #3's remaining API machinery gaps, each through the real kubectl: no spurious `kubectl diff`,
// writes through a non-storage version (autoscaling/v1 HPAs), the events.k8s.io/v1 table, and the
// pods/proxy and services/proxy subresources.
describe.skipIf(!hasKubectl())('kubectl diff, multi-version patches, events.k8s.io tables and proxies', () => {
  let cp: TestControlPlane;
  let k: Kubectl;
  let dir: string;
  let plain: { port: number; server: http.Server };
  let secure: { port: number; server: http.Server };

  beforeAll(async () => {
    cp = await startTestControlPlane();
    k = new Kubectl(cp.adminConf);
    dir = mkdtempSync(join(tmpdir(), 'nk-gaps-'));
    plain = await echoServer();
    secure = await echoServer({ cert: readFileSync(join(cp.dir, 'pki', 'apiserver.crt')), key: readFileSync(join(cp.dir, 'pki', 'apiserver.key')) });
  });
  afterAll(async () => {
    plain?.server.close();
    secure?.server.close();
    await cp?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('diffs an unchanged object as empty after create, replace and apply, and a changed one with only the change', async () => {
    const same = yaml(dir, 'cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\n  labels: {app: conf}\ndata:\n  a: "1"\n');
    const changed = yaml(dir, 'cm2.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\n  labels: {app: conf}\ndata:\n  a: "2"\n');
    const expectNoDiff = async (after: string): Promise<void> => {
      for (const extra of [[], ['--server-side']]) {
        const r = await k.run(['diff', ...extra, '-f', same]);
        expect({ after, extra, code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ after, extra, code: 0, stdout: '', stderr: '' });
      }
    };
    await k.ok(['create', '-f', same]);
    await expectNoDiff('create');
    expect(await k.ok(['replace', '-f', same])).toBe('configmap/conf replaced\n');
    await expectNoDiff('replace');
    await k.run(['apply', '-f', same]);
    await expectNoDiff('apply');
    await k.ok(['replace', '-f', same]);
    await expectNoDiff('replace after apply');

    const d = await k.run(['diff', '-f', changed]);
    expect(d.code).toBe(1);
    const changes = d.stdout.split('\n').filter((l) => /^[-+]\s/.test(l));
    expect(changes).toEqual(['-  a: "1"', '+  a: "2"']);
  });

  it('stores no empty optional maps or lists, as upstream typed decoding does', async () => {
    const file = yaml(dir, 'empty.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: empty\n  annotations: {}\n  labels: {}\n  finalizers: []\ndata: {}\n');
    const created = JSON.parse(await k.ok(['create', '-f', file, '-o', 'json'])) as { metadata: Record<string, unknown>; data?: unknown };
    expect(Object.keys(created.metadata).sort()).toEqual(['creationTimestamp', 'name', 'namespace', 'resourceVersion', 'uid']);
    expect(created.data).toBeUndefined();
    await k.ok(['patch', 'cm', 'empty', '--type=merge', '-p', '{"metadata":{"labels":{}},"data":{}}']);
    const patched = JSON.parse(await k.ok(['get', 'cm', 'empty', '-o', 'json'])) as { metadata: Record<string, unknown>; data?: unknown };
    expect(patched.metadata['labels']).toBeUndefined();
    expect(patched.data).toBeUndefined();
    const r = await k.run(['diff', '-f', file]);
    expect([r.code, r.stdout]).toEqual([0, '']);
  });

  it('patches and applies an autoscaling/v2 HPA through autoscaling/v1', async () => {
    await k.ok(['create', '-f', yaml(dir, 'hpa.yaml', [
      'apiVersion: autoscaling/v2', 'kind: HorizontalPodAutoscaler', 'metadata:', '  name: web', 'spec:',
      '  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}', '  minReplicas: 1', '  maxReplicas: 5', '  metrics:',
      '  - type: Resource', '    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}',
      '  - type: Resource', '    resource: {name: memory, target: {type: AverageValue, averageValue: 100Mi}}', '',
    ].join('\n'))]);
    const v1 = 'horizontalpodautoscalers.v1.autoscaling';
    const metrics = async (): Promise<string> => k.ok(['get', 'hpa.v2.autoscaling', 'web', '-o', 'jsonpath={.spec.metrics[*].resource.name}={.spec.metrics[*].resource.target.averageUtilization}']);

    const merge = await k.run(['patch', v1, 'web', '--type=merge', '-p', '{"spec":{"targetCPUUtilizationPercentage":70}}']);
    expect([merge.code, merge.stdout, merge.stderr]).toEqual([0, 'horizontalpodautoscaler.autoscaling/web patched\n', '']);
    expect(await metrics()).toBe('cpu memory=70');
    await k.ok(['patch', v1, 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/maxReplicas","value":7}]']);
    await k.ok(['patch', v1, 'web', '-p', '{"spec":{"minReplicas":2}}']);
    expect(await k.ok(['get', 'hpa.v2.autoscaling', 'web', '-o', 'jsonpath={.spec.minReplicas}/{.spec.maxReplicas}'])).toBe('2/7');
    expect(await k.ok(['get', v1, 'web', '-o', 'jsonpath={.spec.targetCPUUtilizationPercentage}'])).toBe('70');
    // The v1 view carries the memory metric in an annotation; the v2 object never shows it.
    expect(await k.ok(['get', 'hpa.v2.autoscaling', 'web', '-o', 'jsonpath={.metadata.annotations}'])).toBe('');
    const fields = JSON.parse(await k.ok(['get', 'hpa.v2.autoscaling', 'web', '-o', 'jsonpath={.metadata.managedFields}', '--show-managed-fields'])) as { manager: string; apiVersion: string }[];
    expect(fields).toContainEqual(expect.objectContaining({ manager: 'kubectl-patch', apiVersion: 'autoscaling/v1' }));

    const applied = yaml(dir, 'hpa-v1.yaml', [
      'apiVersion: autoscaling/v1', 'kind: HorizontalPodAutoscaler', 'metadata:', '  name: web', 'spec:',
      '  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}', '  maxReplicas: 6', '  targetCPUUtilizationPercentage: 80', '',
    ].join('\n'));
    expect(await k.ok(['apply', '--server-side', '--force-conflicts', '-f', applied])).toBe('horizontalpodautoscaler.autoscaling/web serverside-applied\n');
    expect(await metrics()).toBe('cpu memory=80');
    expect(await k.ok(['get', 'hpa.v2.autoscaling', 'web', '-o', 'jsonpath={.spec.maxReplicas}'])).toBe('6');

    // Created through v1: stored as v2, its managedFields entry in v1's terms.
    await k.ok(['create', '-f', yaml(dir, 'hpa-v1-new.yaml', [
      'apiVersion: autoscaling/v1', 'kind: HorizontalPodAutoscaler', 'metadata:', '  name: web-v1', 'spec:',
      '  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}', '  maxReplicas: 3', '  targetCPUUtilizationPercentage: 60', '',
    ].join('\n'))]);
    expect(await k.ok(['get', 'hpa.v2.autoscaling', 'web-v1', '-o', 'jsonpath={.spec.metrics[0].resource.target.averageUtilization}'])).toBe('60');
    const created = JSON.parse(await k.ok(['get', 'hpa.v2.autoscaling', 'web-v1', '-o', 'jsonpath={.metadata.managedFields}', '--show-managed-fields'])) as { manager: string; apiVersion: string; fieldsV1: Record<string, unknown> }[];
    expect(created).toEqual([expect.objectContaining({ manager: 'kubectl-create', apiVersion: 'autoscaling/v1' })]);
    expect(Object.keys((created[0]?.fieldsV1['f:spec'] ?? {}) as object)).toContain('f:targetCPUUtilizationPercentage');
  });

  it('prints events.k8s.io/v1 Events from their own fields', async () => {
    await k.ok(['create', '-f', yaml(dir, 'ev.yaml', [
      'apiVersion: events.k8s.io/v1', 'kind: Event', 'metadata:', '  name: web.1', 'eventTime: "2020-01-01T00:00:00.000000Z"',
      'reportingController: example.com/ctl', 'reportingInstance: ctl-1', 'action: Probing', 'reason: Probed', 'type: Warning',
      'note: "  probe failed  "', 'regarding: {kind: Pod, name: web, namespace: default, fieldPath: "spec.containers{c}"}',
      'series: {count: 4, lastObservedTime: "2020-01-01T00:01:00.000000Z"}', '',
    ].join('\n'))]);
    const out = await k.ok(['get', 'events.v1.events.k8s.io', '-o', 'wide']);
    const [head, line] = out.split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(head).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME']);
    expect(line?.slice(1, 7)).toEqual(['Warning', 'Probed', 'pod/web', 'spec.containers{c}', 'example.com/ctl, ctl-1', 'probe failed']);
    expect(line?.slice(8)).toEqual(['4', 'web.1']);
    expect(line?.[0]).toMatch(/^\d+(y|d)/);
  });

  describe('pods/proxy and services/proxy', () => {
    beforeAll(async () => {
      await k.ok(['create', '-f', yaml(dir, 'pod.yaml', [
        'apiVersion: v1', 'kind: Pod', 'metadata:', '  name: web', 'spec:', '  containers:', '  - name: c', '    image: nginx',
        `    ports: [{containerPort: ${plain.port}}]`, '',
      ].join('\n'))]);
      // What the kubelet would report once the pod runs.
      await k.ok(['patch', 'pod', 'web', '--subresource=status', '--type=merge', '-p', '{"status":{"podIP":"127.0.0.1","podIPs":[{"ip":"127.0.0.1"}]}}']);
      await k.ok(['create', '-f', yaml(dir, 'svc.yaml', [
        'apiVersion: v1', 'kind: Service', 'metadata: {name: back}', 'spec:', '  ports: [{name: http, port: 80, targetPort: 8080}]', '---',
        'apiVersion: v1', 'kind: Endpoints', 'metadata: {name: back}', 'subsets:', '- addresses: [{ip: 127.0.0.1, targetRef: {kind: Pod, name: web, namespace: default}}]',
        `  ports: [{name: http, port: ${plain.port}}]`, '---',
        'apiVersion: v1', 'kind: Service', 'metadata: {name: bare}', 'spec:', '  ports: [{port: 80}]', '---',
        'apiVersion: v1', 'kind: Endpoints', 'metadata: {name: bare}', 'subsets:', '- addresses: [{ip: 127.0.0.1}]', `  ports: [{port: ${plain.port}}]`, '',
      ].join('\n'))]);
    });

    const raw = async (args: string[]): Promise<Seen> => JSON.parse(await k.ok(args)) as Seen;

    it('relays GET, POST, PUT and DELETE with the path and query to the pod IP', async () => {
      const base = '/api/v1/namespaces/default/pods';
      expect(await raw(['get', '--raw', `${base}/web:${plain.port}/proxy/hello/there/?a=1&b=2`])).toEqual({
        method: 'GET', url: '/hello/there/?a=1&b=2', host: `127.0.0.1:${plain.port}`, body: '', forwardedUri: `${base}/web:${plain.port}/proxy/hello/there/`,
      });
      // Without a port: the first container port; `.../proxy` is redirected to `.../proxy/`.
      expect((await raw(['get', '--raw', `${base}/web/proxy`])).url).toBe('/');
      const body = yaml(dir, 'body.json', '{"hello":"pod"}');
      expect(await raw(['create', '--raw', `${base}/http:web:${plain.port}/proxy/items`, '-f', body])).toMatchObject({ method: 'POST', url: '/items', body: '{"hello":"pod"}' });
      expect(await raw(['replace', '--raw', `${base}/web/proxy/items/1`, '-f', body])).toMatchObject({ method: 'PUT', url: '/items/1' });
      expect(await raw(['delete', '--raw', `${base}/web/proxy/items/1`])).toMatchObject({ method: 'DELETE', url: '/items/1' });
      expect(await raw(['get', '--raw', `${base}/https:web:${secure.port}/proxy/tls`])).toMatchObject({ url: '/tls' });
    });

    it('reaches a service through an endpoint of one of its pods, by port name or number', async () => {
      const base = '/api/v1/namespaces/default/services';
      expect(await raw(['get', '--raw', `${base}/back:http/proxy/svc?x=1`])).toMatchObject({ url: '/svc?x=1', host: `127.0.0.1:${plain.port}` });
      expect((await raw(['get', '--raw', `${base}/back:80/proxy/svc`])).url).toBe('/svc');
      expect((await raw(['get', '--raw', `${base}/http:back:80/proxy/`])).url).toBe('/');
      const noPort = await k.run(['get', '--raw', `${base}/back:81/proxy/`]);
      expect(noPort.stderr).toBe('Error from server (ServiceUnavailable): no service port 81 found for service "back"\n');
      // Endpoints that point at no pod are not proxied to, as upstream.
      const bare = await k.run(['get', '--raw', `${base}/bare/proxy/`]);
      expect(bare.stderr).toBe('Error from server (ServiceUnavailable): no endpoints available for service "bare"\n');
    });

    it('answers 400, 404 and 503 as upstream and authorizes pods/proxy and services/proxy', async () => {
      const bad = await k.run(['get', '--raw', '/api/v1/namespaces/default/pods/a:b:c:d/proxy/']);
      expect(bad.stderr).toBe('Error from server (BadRequest): invalid pod request "a:b:c:d"\n');
      const missing = await k.run(['get', '--raw', '/api/v1/namespaces/default/pods/nope/proxy/']);
      expect(missing.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
      const refused = await k.run(['get', '--raw', '/api/v1/namespaces/default/pods/web:1/proxy/']);
      expect(refused.stderr).toBe('Error from server (ServiceUnavailable): error trying to reach service: dial tcp 127.0.0.1:1: connect: connection refused\n');

      await k.ok(['create', 'serviceaccount', 'viewer']);
      await k.ok(['create', 'rolebinding', 'viewer', '--clusterrole=view', '--serviceaccount=default:viewer']);
      const as = '--as=system:serviceaccount:default:viewer';
      const denied = await k.run(['get', '--raw', '/api/v1/namespaces/default/services/back:http/proxy/', as]);
      expect(denied.stderr).toContain('cannot get resource "services/proxy" in API group "" in the namespace "default"');
      const deniedPod = await k.run(['get', '--raw', '/api/v1/namespaces/default/pods/web/proxy/', as]);
      expect(deniedPod.stderr).toContain('cannot get resource "pods/proxy" in API group "" in the namespace "default"');
      await k.ok(['create', 'rolebinding', 'editor', '--clusterrole=edit', '--serviceaccount=default:viewer']);
      expect((await raw(['get', '--raw', '/api/v1/namespaces/default/services/back:http/proxy/ok', as])).url).toBe('/ok');
    });
  });
});
