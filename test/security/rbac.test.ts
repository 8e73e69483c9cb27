/**
 * Authentication and authorization seen through the real kubectl: anonymous access, a user forbidden
 * until a RoleBinding grants view, `auth can-i` (with --as and --list), `auth whoami`, service
 * account tokens from `kubectl create token`, escalation checks and quota admission.
 */
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, startControlPlane, type ControlPlane } from './harness.js';

let cp: ControlPlane;
let jane: string;
const admin = (args: string[]) => kubectl(cp.adminConf, args);

beforeAll(async () => {
  cp = await startControlPlane();
  jane = await cp.userKubeconfig('jane');
});

afterAll(async () => {
  await cp?.close();
});

async function anonymous(path: string): Promise<{ status: number; body: string }> {
  const dispatcher = new Agent({ connect: { ca: cp.caCert } });
  try {
    const res = await request(cp.server + path, { dispatcher });
    return { status: res.statusCode, body: await res.body.text() };
  } finally {
    await dispatcher.close();
  }
}

describe('anonymous requests', () => {
  it('may read health and version only', async () => {
    expect((await anonymous('/healthz')).status).toBe(200);
    expect((await anonymous('/version')).status).toBe(200);
    const pods = await anonymous('/api/v1/namespaces/default/pods');
    expect(pods.status).toBe(403);
    expect(JSON.parse(pods.body).message).toBe('pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "default"');
  });

  it('may read the kube-public cluster-info ConfigMap and nothing else there', async () => {
    expect((await admin(['create', 'configmap', 'cluster-info', '-n', 'kube-public', '--from-literal=kubeconfig=x'])).code).toBe(0);
    expect((await admin(['create', 'configmap', 'other', '-n', 'kube-public', '--from-literal=a=b'])).code).toBe(0);
    expect((await anonymous('/api/v1/namespaces/kube-public/configmaps/cluster-info')).status).toBe(200);
    expect((await anonymous('/api/v1/namespaces/kube-public/configmaps/other')).status).toBe(403);
  });

  it('gets 401 for an unknown bearer token', async () => {
    const res = await kubectl(cp.tokenKubeconfig('nobody', 'abcdef.0000000000000000'), ['get', 'pods']);
    // Discovery fails first, so kubectl prints client-go's text for a 401, as against upstream.
    expect(res.stderr.trim().split('\n').pop()).toBe('error: You must be logged in to the server (the server has asked for the client to provide credentials)');
  });
});

describe('a user with RBAC', () => {
  it('is forbidden until a RoleBinding grants view, then can list but not delete', async () => {
    const before = await kubectl(jane, ['get', 'pods']);
    expect(before.stderr.trim()).toBe('Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource "pods" in API group "" in the namespace "default"');
    expect((await admin(['create', 'rolebinding', 'jane-view', '--clusterrole=view', '--user=jane', '-n', 'default'])).stdout).toBe('rolebinding.rbac.authorization.k8s.io/jane-view created\n');
    const after = await kubectl(jane, ['get', 'pods']);
    expect(after.code).toBe(0);
    expect(after.stderr).toBe('No resources found in default namespace.\n');
    const del = await kubectl(jane, ['delete', 'pod', 'web']);
    expect(del.stderr.trim()).toBe('Error from server (Forbidden): pods "web" is forbidden: User "jane" cannot delete resource "pods" in API group "" in the namespace "default"');
    expect((await kubectl(jane, ['get', 'pods', '-n', 'kube-system'])).code).not.toBe(0);
  });

  it('answers auth can-i as the authorizer decides, also with --as', async () => {
    expect((await kubectl(jane, ['auth', 'can-i', 'list', 'pods'])).stdout).toBe('yes\n');
    const no = await kubectl(jane, ['auth', 'can-i', 'delete', 'pods']);
    expect(no.stdout).toBe('no\n');
    expect(no.code).toBe(1);
    expect((await admin(['auth', 'can-i', 'delete', 'pods'])).stdout).toBe('yes\n');
    expect((await admin(['auth', 'can-i', 'list', 'pods', '--as', 'jane'])).stdout).toBe('yes\n');
    expect((await admin(['auth', 'can-i', 'delete', 'pods', '--as', 'jane'])).stdout).toBe('no\n');
    expect((await admin(['auth', 'can-i', 'list', 'pods', '--as', 'jane', '-n', 'kube-system'])).stdout).toBe('no\n');
  });

  it('lists its rules with can-i --list', async () => {
    const out = (await kubectl(jane, ['auth', 'can-i', '--list'])).stdout;
    expect(out.split('\n')[0]).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    expect(out).toMatch(/\npods\s+\[\]\s+\[\]\s+\[get list watch\]\n/);
    expect(out).toMatch(/selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
  });

  it('tells who it is with auth whoami', async () => {
    const out = (await kubectl(jane, ['auth', 'whoami'])).stdout;
    expect(out).toMatch(/^ATTRIBUTE\s+VALUE\nUsername\s+jane\nGroups\s+\[system:authenticated\]\n$/);
  });

  it('cannot grant in a Role what it does not hold, but can grant what it holds', async () => {
    expect((await admin(['create', 'namespace', 'team'])).code).toBe(0);
    expect((await admin(['create', 'rolebinding', 'jane-admin', '--clusterrole=admin', '--user=jane', '-n', 'team'])).code).toBe(0);
    const ok = await kubectl(jane, ['create', 'role', 'pod-reader', '--verb=get', '--resource=pods', '-n', 'team']);
    expect(ok.stdout).toBe('role.rbac.authorization.k8s.io/pod-reader created\n');
    const bad = await kubectl(jane, ['create', 'role', 'node-reader', '--verb=get', '--resource=nodes', '-n', 'team']);
    expect(bad.stderr).toContain('roles.rbac.authorization.k8s.io "node-reader" is forbidden: user "jane" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:');
    expect(bad.stderr).toContain('{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}');
    const bind = await kubectl(jane, ['create', 'rolebinding', 'x', '--clusterrole=cluster-admin', '--user=jane', '-n', 'team']);
    expect(bind.code).not.toBe(0);
    expect(bind.stderr).toContain('is attempting to grant RBAC permissions not currently held');
  });
});

describe('the default policy', () => {
  it('lets the components do their jobs and nothing more', async () => {
    const scheduler = await cp.userKubeconfig('system:kube-scheduler');
    expect((await kubectl(scheduler, ['auth', 'can-i', 'create', 'pods', '--subresource=binding'])).stdout).toBe('yes\n');
    expect((await kubectl(scheduler, ['auth', 'can-i', 'delete', 'nodes'])).stdout).toBe('no\n');
    const cm = await cp.userKubeconfig('system:kube-controller-manager');
    expect((await kubectl(cm, ['auth', 'can-i', 'create', 'replicasets.apps', '-n', 'default'])).stdout).toBe('yes\n');
    expect((await kubectl(cm, ['auth', 'can-i', 'list', 'pods', '--all-namespaces'])).stdout).toBe('yes\n');
    const proxy = await cp.userKubeconfig('system:kube-proxy');
    expect((await kubectl(proxy, ['auth', 'can-i', 'watch', 'endpointslices.discovery.k8s.io', '--all-namespaces'])).stdout).toBe('yes\n');
    expect((await kubectl(proxy, ['auth', 'can-i', 'list', 'secrets', '--all-namespaces'])).stdout).toBe('no\n');
  });

  it('aggregates labelled ClusterRoles into view', async () => {
    const manifest = [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata:',
      '  name: widget-viewer',
      '  labels:',
      '    rbac.authorization.k8s.io/aggregate-to-view: "true"',
      'rules:',
      '- apiGroups: ["example.com"]',
      '  resources: ["widgets"]',
      '  verbs: ["get", "list"]',
      '',
    ].join('\n');
    expect((await kubectl(cp.adminConf, ['apply', '-f', '-'], manifest)).code).toBe(0);
    let rules = '';
    for (let i = 0; i < 50 && !rules.includes('widgets'); i++) {
      await new Promise((r) => setTimeout(r, 100));
      rules = (await admin(['get', 'clusterrole', 'view', '-o', 'jsonpath={.rules}'])).stdout;
    }
    expect(rules).toContain('widgets');
    expect((await admin(['get', 'clusterrole', 'admin', '-o', 'jsonpath={.rules}'])).stdout).toContain('widgets');
  });
});

describe('service account tokens', () => {
  it('kubectl create token gives a JWT that authenticates as the service account', async () => {
    expect((await admin(['create', 'serviceaccount', 'bot'])).code).toBe(0);
    const res = await admin(['create', 'token', 'bot']);
    expect(res.code).toBe(0);
    const token = res.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const sa = cp.tokenKubeconfig('bot', token);
    expect((await kubectl(sa, ['get', 'pods'])).stderr.trim()).toBe(
      'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:default:bot" cannot list resource "pods" in API group "" in the namespace "default"',
    );
    expect((await admin(['create', 'rolebinding', 'bot-view', '--clusterrole=view', '--serviceaccount=default:bot'])).code).toBe(0);
    expect((await kubectl(sa, ['get', 'pods'])).code).toBe(0);
    const who = (await kubectl(sa, ['auth', 'whoami'])).stdout;
    expect(who).toMatch(/Username\s+system:serviceaccount:default:bot\n/);
    expect(who).toMatch(/Groups\s+\[system:serviceaccounts system:serviceaccounts:default system:authenticated\]/);
  });

  it('answers TokenReview and SubjectAccessReview', async () => {
    // --validate=false: the OpenAPI documents do not describe the review kinds yet.
    const token = (await admin(['create', 'token', 'bot', '--duration=10m'])).stdout.trim();
    const review = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } });
    const tr = JSON.parse((await kubectl(cp.adminConf, ['create', '--validate=false', '-o', 'json', '-f', '-'], review)).stdout) as { status: { authenticated: boolean; user: { username: string; uid: string } } };
    expect(tr.status.authenticated).toBe(true);
    expect(tr.status.user.username).toBe('system:serviceaccount:default:bot');
    const bad = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: token.slice(0, -4) + 'AAAA' } });
    expect((await kubectl(cp.adminConf, ['create', '--validate=false', '-o', 'jsonpath={.status.authenticated}', '-f', '-'], bad)).stdout).toBe('false');
    const sar = (verb: string) =>
      JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'jane', groups: ['system:authenticated'], resourceAttributes: { namespace: 'default', verb, resource: 'pods' } } });
    expect((await kubectl(cp.adminConf, ['create', '--validate=false', '-o', 'jsonpath={.status.allowed}', '-f', '-'], sar('list'))).stdout).toBe('true');
    expect((await kubectl(cp.adminConf, ['create', '--validate=false', '-o', 'jsonpath={.status.allowed}', '-f', '-'], sar('delete'))).stdout).toBe('false');
  });

  it('stops authenticating once the service account is deleted', async () => {
    expect((await admin(['create', 'serviceaccount', 'temp'])).code).toBe(0);
    const token = (await admin(['create', 'token', 'temp'])).stdout.trim();
    const sa = cp.tokenKubeconfig('temp', token);
    expect((await kubectl(sa, ['get', 'pods'])).stderr).toContain('User "system:serviceaccount:default:temp" cannot list resource "pods"');
    expect((await admin(['delete', 'serviceaccount', 'temp'])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await kubectl(sa, ['get', 'pods'])).stderr).toContain('error: You must be logged in to the server');
  });
});

describe('admission', () => {
  it('enforces a pod quota with upstream wording and keeps status.used', async () => {
    expect((await admin(['create', 'namespace', 'quota'])).code).toBe(0);
    expect((await admin(['create', 'serviceaccount', 'default', '-n', 'quota'])).code).toBe(0);
    expect((await admin(['create', 'quota', 'q', '--hard=pods=1', '-n', 'quota'])).code).toBe(0);
    expect((await admin(['run', 'a', '--image=nginx', '-n', 'quota'])).stdout).toBe('pod/a created\n');
    const second = await admin(['run', 'b', '--image=nginx', '-n', 'quota']);
    expect(second.stderr.trim()).toBe('Error from server (Forbidden): pods "b" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1');
    expect((await admin(['get', 'quota', 'q', '-n', 'quota', '-o', 'jsonpath={.status.used.pods}'])).stdout).toBe('1');
  });

  it('gives pods the service account token volume', async () => {
    const pod = JSON.parse((await admin(['get', 'pod', 'a', '-n', 'quota', '-o', 'json'])).stdout) as {
      spec: { serviceAccountName: string; volumes: { name: string }[]; containers: { volumeMounts: { mountPath: string; readOnly: boolean }[] }[] };
    };
    expect(pod.spec.serviceAccountName).toBe('default');
    expect(pod.spec.volumes[0]?.name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
    expect(pod.spec.containers[0]?.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }));
  });
});
