import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';

/** The header line of kubectl's table output, split into column names. */
function header(out: string): string[] {
  return (out.split('\n')[0] ?? '').trim().split(/\s{2,}/);
}

/** The row of a table whose first cell is `name`, split into cells. */
function row(out: string, name: string): string[] | undefined {
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/))
    .find((cells) => cells[0] === name);
}

describe.skipIf(!hasKubectl())('the real kubectl against nanokube up (store + apiserver)', () => {
  let cp: TestControlPlane;
  let k: Kubectl;

  beforeAll(async () => {
    cp = await startTestControlPlane();
    k = new Kubectl(cp.adminConf);
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('reports a 1.32 server version', async () => {
    const out = JSON.parse(await k.ok(['version', '-o', 'json'])) as { serverVersion: { major: string; minor: string; gitVersion: string } };
    expect(out.serverVersion.major).toBe('1');
    expect(out.serverVersion.minor).toBe('32');
    expect(out.serverVersion.gitVersion).toMatch(/^v1\.32\./);
  });

  it('lists the default namespaces', async () => {
    const out = await k.ok(['get', 'ns']);
    expect(header(out)).toEqual(['NAME', 'STATUS', 'AGE']);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) expect(row(out, ns)?.[1]).toBe('Active');
  });

  it('shows api-resources with short names, groups and kinds', async () => {
    const out = await k.ok(['api-resources']);
    expect(header(out)).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    expect(row(out, 'pods')).toEqual(['pods', 'po', 'v1', 'true', 'Pod']);
    expect(row(out, 'deployments')).toEqual(['deployments', 'deploy', 'apps/v1', 'true', 'Deployment']);
    expect(row(out, 'nodes')).toEqual(['nodes', 'no', 'v1', 'false', 'Node']);
  });

  it('serves the kubernetes service at 10.96.0.1:443', async () => {
    const out = await k.ok(['get', 'svc', 'kubernetes']);
    expect(header(out)).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(row(out, 'kubernetes')?.slice(0, 5)).toEqual(['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP']);
  });

  it('creates a deployment from the protobuf body of kubectl 1.32 and prints upstream columns', async () => {
    expect(await k.ok(['create', 'deployment', 'web', '--image=nginx', '--replicas=2'])).toBe('deployment.apps/web created\n');
    const out = await k.ok(['get', 'deploy', 'web', '-o', 'wide']);
    expect(header(out)).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    const cells = row(out, 'web') ?? [];
    expect(cells.slice(0, 4)).toEqual(['web', '0/2', '0', '0']);
    expect(cells.slice(5)).toEqual(['nginx', 'nginx', 'app=web']);
    const obj = JSON.parse(await k.ok(['get', 'deploy', 'web', '-o', 'json'])) as {
      spec: { replicas: number; strategy: { type: string; rollingUpdate: { maxSurge: string } }; revisionHistoryLimit: number };
      metadata: { generation: number; uid: string; resourceVersion: string };
    };
    expect(obj.spec.replicas).toBe(2);
    expect(obj.spec.strategy.type).toBe('RollingUpdate');
    expect(obj.spec.strategy.rollingUpdate.maxSurge).toBe('25%');
    expect(obj.spec.revisionHistoryLimit).toBe(10);
    expect(obj.metadata.generation).toBe(1);
    expect(obj.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('scales a deployment through the scale subresource and bumps its generation', async () => {
    expect(await k.ok(['scale', 'deployment', 'web', '--replicas=6'])).toBe('deployment.apps/web scaled\n');
    const obj = JSON.parse(await k.ok(['get', 'deploy', 'web', '-o', 'json'])) as { spec: { replicas: number }; metadata: { generation: number } };
    expect(obj.spec.replicas).toBe(6);
    expect(obj.metadata.generation).toBe(2);
  });

  it('runs a pod with the upstream pod columns, wide included', async () => {
    expect(await k.ok(['run', 'nginx', '--image=nginx:1.14', '--port', '80'])).toBe('pod/nginx created\n');
    const out = await k.ok(['get', 'pods', '-o', 'wide']);
    expect(header(out)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    const cells = row(out, 'nginx') ?? [];
    expect([cells[1], cells[2], cells[3]]).toEqual(['0/1', 'Pending', '0']);
    expect(cells.slice(5)).toEqual(['<none>', '<none>', '<none>', '<none>']);
  });

  it('applies a file, then reports it unchanged, then configured after an edit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nk-apply-'));
    const file = join(dir, 'cm.yaml');
    const manifest = (v: string): string =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  labels:\n    app: demo\ndata:\n  mode: "${v}"\n`;
    writeFileSync(file, manifest('a'));
    expect(await k.ok(['apply', '-f', file])).toBe('configmap/settings created\n');
    expect(await k.ok(['apply', '-f', file])).toBe('configmap/settings unchanged\n');
    writeFileSync(file, manifest('b'));
    const r = await k.run(['apply', '-f', file]);
    expect(r.stdout).toBe('configmap/settings configured\n');
    expect(r.stderr).toBe('');
    expect(await k.ok(['get', 'cm', 'settings', '-o', 'jsonpath={.data.mode}'])).toBe('b');
  });

  it('applies server-side, creating and then updating', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nk-ssa-'));
    const file = join(dir, 'svc.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: ssa-svc\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n');
    expect(await k.ok(['apply', '--server-side', '-f', file])).toBe('service/ssa-svc serverside-applied\n');
    // kubectl hides managedFields unless asked.
    const svc = JSON.parse(await k.ok(['get', 'svc', 'ssa-svc', '-o', 'json', '--show-managed-fields'])) as {
      spec: { clusterIP: string; ports: { targetPort: number; protocol: string }[] };
      metadata: { managedFields: { manager: string; operation: string }[] };
    };
    expect(svc.spec.clusterIP).toMatch(/^10\.(9[6-9]|10[0-9]|11[01])\./);
    expect(svc.spec.ports[0]).toMatchObject({ targetPort: 80, protocol: 'TCP' });
    expect(svc.metadata.managedFields.some((m) => m.manager === 'kubectl' && m.operation === 'Apply')).toBe(true);
  });

  it('creates objects with every generator that needs no controller', async () => {
    expect(await k.ok(['create', 'namespace', 'team-a'])).toBe('namespace/team-a created\n');
    expect(await k.ok(['create', 'configmap', 'cfg', '-n', 'team-a', '--from-literal=k=v'])).toBe('configmap/cfg created\n');
    expect(await k.ok(['create', 'secret', 'generic', 'pw', '-n', 'team-a', '--from-literal=password=s3cret'])).toBe('secret/pw created\n');
    expect(await k.ok(['create', 'serviceaccount', 'robot', '-n', 'team-a'])).toBe('serviceaccount/robot created\n');
    expect(await k.ok(['create', 'service', 'nodeport', 'np', '-n', 'team-a', '--tcp=80:8080', '--node-port=30080'])).toBe('service/np created\n');
    expect(await k.ok(['create', 'job', 'once', '-n', 'team-a', '--image=busybox', '--', 'true'])).toBe('job.batch/once created\n');
    expect(await k.ok(['create', 'cronjob', 'tick', '-n', 'team-a', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'])).toBe('cronjob.batch/tick created\n');
    expect(await k.ok(['create', 'role', 'reader', '-n', 'team-a', '--verb=get,list', '--resource=pods'])).toBe('role.rbac.authorization.k8s.io/reader created\n');
    expect(await k.ok(['create', 'rolebinding', 'reader', '-n', 'team-a', '--role=reader', '--user=jane'])).toBe(
      'rolebinding.rbac.authorization.k8s.io/reader created\n',
    );
    const secret = await k.ok(['get', 'secret', 'pw', '-n', 'team-a', '-o', 'jsonpath={.data.password}']);
    expect(Buffer.from(secret, 'base64').toString()).toBe('s3cret');
    const svc = await k.ok(['get', 'svc', 'np', '-n', 'team-a']);
    expect(row(svc, 'np')?.[4]).toBe('80:30080/TCP');
  });

  it('exposes a deployment as a LoadBalancer service that gets an address from the pool', async () => {
    expect(await k.ok(['expose', 'deployment', 'web', '--type=LoadBalancer', '--name=web-svc', '--port=80'])).toBe('service/web-svc exposed\n');
    // The controller-manager's service-lb controller hands out 192.168.56.200-250 by default.
    await expect
      .poll(async () => row(await k.ok(['get', 'svc', 'web-svc']), 'web-svc')?.[3], { timeout: 10_000 })
      .toMatch(/^192\.168\.56\.(2[0-4]\d|250)$/);
    const cells = row(await k.ok(['get', 'svc', 'web-svc']), 'web-svc') ?? [];
    expect(cells[1]).toBe('LoadBalancer');
    expect(cells[4]).toMatch(/^80:3\d{4}\/TCP$/);
  });

  it('labels, annotates and patches with each patch type', async () => {
    expect(await k.ok(['label', 'pod', 'nginx', 'tier=front'])).toBe('pod/nginx labeled\n');
    expect(await k.ok(['annotate', 'pod', 'nginx', 'owner=team-a'])).toBe('pod/nginx annotated\n');
    expect(await k.ok(['get', 'pods', '-l', 'tier=front', '-o', 'name'])).toBe('pod/nginx\n');
    await k.ok(['patch', 'deployment', 'web', '--type=merge', '-p', '{"spec":{"paused":true}}']);
    await k.ok(['patch', 'deployment', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":3}]']);
    await k.ok(['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.16.0"}]}}}}']);
    const d = JSON.parse(await k.ok(['get', 'deploy', 'web', '-o', 'json'])) as {
      spec: { paused: boolean; replicas: number; template: { spec: { containers: { name: string; image: string }[] } } };
    };
    expect(d.spec.paused).toBe(true);
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.template.spec.containers).toEqual([expect.objectContaining({ name: 'nginx', image: 'nginx:1.16.0' })]);
  });

  it('prints upstream errors: NotFound, AlreadyExists and Invalid', async () => {
    const nf = await k.run(['get', 'pod', 'nope']);
    expect(nf.code).toBe(1);
    expect(nf.stderr).toContain('Error from server (NotFound): pods "nope" not found');
    const ae = await k.run(['create', 'namespace', 'team-a']);
    expect(ae.stderr).toContain('namespaces "team-a" already exists');
    const inv = await k.run(['create', 'deployment', 'Bad_Name', '--image=nginx']);
    expect(inv.code).toBe(1);
    expect(inv.stderr).toContain('Bad_Name');
    expect(inv.stderr).toContain('is invalid');
  });

  it('selects by field, prints custom columns and lists all namespaces', async () => {
    const out = await k.ok(['get', 'pods', '-A', '--field-selector', 'metadata.name=nginx', '-o', 'custom-columns=NS:.metadata.namespace,NAME:.metadata.name']);
    expect(out.trim().split('\n')).toEqual([expect.stringMatching(/^NS\s+NAME$/), expect.stringMatching(/^default\s+nginx$/)]);
    const all = await k.ok(['get', 'all']);
    expect(all).toContain('pod/nginx');
    expect(all).toContain('service/kubernetes');
    expect(all).toContain('deployment.apps/web');
  });

  it('deletes an unbound pod at once and the wait ends', async () => {
    const r = await k.run(['delete', 'pod', 'nginx'], { timeoutMs: 30_000 });
    expect(r.stdout).toBe('pod "nginx" deleted\n');
    expect(r.code).toBe(0);
    const gone = await k.run(['get', 'pod', 'nginx']);
    expect(gone.code).toBe(1);
  });

  it('explains fields from the OpenAPI documents', async () => {
    const out = await k.ok(['explain', 'deployment.spec.replicas']);
    expect(out).toContain('KIND:       Deployment');
    expect(out).toMatch(/FIELD:\s+replicas <integer>/);
  });
});
