/**
 * Security fuzz (issue #4): more than 10,000 malformed or hostile requests against a real `nanokube up`
 * control plane. Every answer must be a 4xx (a few public paths may answer 2xx to anonymous callers);
 * no 5xx, no connection dropped without an answer (except where a size limit closes it, or TLS refuses);
 * the apiserver process survives and answers /readyz; and no stored object changes.
 * The request mix is seeded: set FUZZ_SEED to replay a run (the seed is printed).
 */
import { execFileSync } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes, sign as cryptoSign } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCA, issueCertificate, loadKubeconfig } from '@nanokube/pki';
import { nanokubeBin, startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';

const totalRequests = 10_500;
const concurrency = 12;
const victimNs = 'fuzz-victims';

/** mulberry32: a small seeded PRNG so a failing mix can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Identity = 'admin' | 'mallory' | 'anon' | 'foreignCert' | 'selfSigned' | 'expiredCert';

/** One hostile request and what it may be answered with. */
interface Probe {
  kind: string;
  who: Identity;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** A size limit may close the connection instead of answering. */
  mayClose?: boolean;
  /** 2xx is fine here (public health/version paths to unauthenticated callers). */
  mayPass?: boolean;
}

interface Outcome {
  probe: Probe;
  status?: number;
  error?: string;
  body?: string;
}

const publicPath = /^\/(healthz|livez|readyz|version)(\/|$|\?)/;

function b64url(v: string | Buffer): string {
  return Buffer.from(v).toString('base64url');
}

function jwt(header: object, payload: object, signer: (input: string) => string): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${signer(input)}`;
}

/** apiserverPid finds the `nanokube apiserver` child of the `nanokube up` process. */
function apiserverPid(upPid: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== upPid) continue;
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd.includes('apiserver')) return Number(entry);
    } catch {
      // The process went away while we looked.
    }
  }
  return undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('security fuzz of the apiserver', () => {
  let cp: TestControlPlane;
  const agents = new Map<Identity, Agent>();
  // Probes that a size limit may answer by closing the connection get their own connections, so a
  // close never lands on a request queued behind them.
  const closers = new Map<Identity, Agent>();
  let apiPid: number | undefined;
  let saToken = '';
  let saPub = '';

  const dispatcher = (who: Identity): Dispatcher => {
    const a = agents.get(who);
    if (!a) throw new Error(`no agent for ${who}`);
    return a;
  };

  async function call(who: Identity, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: any }> {
    const res = await request(`${cp.server}${path}`, {
      method: method as Dispatcher.HttpMethod,
      dispatcher: dispatcher(who),
      headers: body === undefined ? {} : { 'content-type': contentType },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.body.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.statusCode, json };
  }

  async function must(method: string, path: string, body?: unknown): Promise<any> {
    const r = await call('admin', method, path, body);
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
    return r.json;
  }

  /** listable returns the list path of every resource in discovery that can be listed. */
  async function listable(): Promise<string[]> {
    const out: string[] = [];
    const groupVersions = ['/api/v1'];
    const apis = await must('GET', '/apis');
    for (const g of apis.groups ?? []) for (const v of g.versions ?? []) if (v.groupVersion === g.preferredVersion?.groupVersion) groupVersions.push(`/apis/${v.groupVersion}`);
    for (const gv of groupVersions) {
      const list = await must('GET', gv);
      for (const r of list.resources ?? []) {
        if (String(r.name).includes('/') || !(r.verbs ?? []).includes('list')) continue;
        if (r.name === 'events' || r.name === 'leases') continue; // heartbeats and event recording move on their own
        out.push(`${gv}/${r.name}`);
      }
    }
    return out;
  }

  /** snapshot maps every stored object (but events and leases) to its resourceVersion. */
  async function snapshot(paths: string[]): Promise<Map<string, string>> {
    const snap = new Map<string, string>();
    for (const p of paths) {
      const list = await must('GET', p);
      for (const item of list.items ?? []) snap.set(`${p} ${item.metadata?.namespace ?? ''}/${item.metadata?.name}`, String(item.metadata?.resourceVersion));
    }
    return snap;
  }

  function diff(a: Map<string, string>, b: Map<string, string>): string[] {
    const out: string[] = [];
    for (const [k, v] of a) if (b.get(k) !== v) out.push(`${k}: ${v} -> ${b.get(k) ?? 'deleted'}`);
    for (const k of b.keys()) if (!a.has(k)) out.push(`${k}: created`);
    return out;
  }

  beforeAll(async () => {
    cp = await startTestControlPlane();
    apiPid = cp.process.pid === undefined ? undefined : apiserverPid(cp.process.pid);
    const admin = await loadKubeconfig(cp.adminConf);
    const ca = admin.caPem ?? '';
    const malloryConf = join(cp.dir, 'mallory.conf');
    writeFileSync(malloryConf, execFileSync(process.execPath, [nanokubeBin, 'kubeconfig', 'user', '--dir', cp.dir, '--client-name', 'mallory']));
    const mallory = await loadKubeconfig(malloryConf);
    const otherCa = await generateCA('kubernetes');
    const foreign = await issueCertificate({ ca: otherCa, cn: 'kubernetes-admin', orgs: ['system:masters'], usages: 'client' });
    const selfSigned = await generateCA('system:admin');
    const caKey = readFileSync(join(cp.dir, 'pki', 'ca.key'), 'utf8');
    const expired = await issueCertificate({ ca: { certPem: ca, keyPem: caKey }, cn: 'expired-admin', orgs: ['system:masters'], usages: 'client', validityDays: 0 });
    saPub = readFileSync(join(cp.dir, 'pki', 'sa.pub'), 'utf8');
    const connect = (cert?: { certPem: string; keyPem: string }) =>
      new Agent({ connections: 4, connect: { ca, ...(cert ? { cert: cert.certPem, key: cert.keyPem } : {}) }, headersTimeout: 20_000, bodyTimeout: 20_000 });
    agents.set('admin', connect({ certPem: admin.clientCertPem ?? '', keyPem: admin.clientKeyPem ?? '' }));
    agents.set('mallory', connect({ certPem: mallory.clientCertPem ?? '', keyPem: mallory.clientKeyPem ?? '' }));
    agents.set('anon', connect());
    agents.set('foreignCert', connect(foreign));
    agents.set('selfSigned', connect(selfSigned));
    agents.set('expiredCert', connect(expired));
    closers.set('admin', connect({ certPem: admin.clientCertPem ?? '', keyPem: admin.clientKeyPem ?? '' }));
    closers.set('mallory', connect({ certPem: mallory.clientCertPem ?? '', keyPem: mallory.clientKeyPem ?? '' }));
    closers.set('anon', connect());

    // Victims the fuzz aims at.
    await must('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: victimNs } });
    await must('POST', `/api/v1/namespaces/${victimNs}/configmaps`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'victim', labels: { app: 'v' } }, data: { k: 'v' } });
    await must('POST', `/api/v1/namespaces/${victimNs}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'victim' }, stringData: { password: 'hunter2' } });
    await must('POST', `/api/v1/namespaces/${victimNs}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'victim' } });
    await must('POST', `/api/v1/namespaces/${victimNs}/services`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'victim' },
      spec: { selector: { app: 'none' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    await must('POST', '/api/v1/namespaces/kube-system/secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'bootstrap-token-fzfzfz' },
      type: 'bootstrap.kubernetes.io/token',
      stringData: { 'token-id': 'fzfzfz', 'token-secret': 'abcdefabcdefabcd', 'usage-bootstrap-authentication': 'true' },
    });
    const tr = await must('POST', `/api/v1/namespaces/${victimNs}/serviceaccounts/victim/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    saToken = tr.status?.token ?? '';
  }, 90_000);

  afterAll(async () => {
    await Promise.all([...agents.values(), ...closers.values()].map((a) => a.close().catch(() => undefined)));
    await cp?.stop();
  });

  /** probes builds the seeded mix of hostile requests. */
  function probes(rand: () => number, resourcePaths: string[]): Probe[] {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const int = (n: number): number => Math.floor(rand() * n);
    const randStr = (n: number, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~!$&\'()*+,;=:@%'): string =>
      Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join('');
    const ns = `/api/v1/namespaces/${victimNs}`;
    const cm = `${ns}/configmaps/victim`;
    const svc = `${ns}/services/victim`;
    const namedPaths = [cm, svc, `${ns}/secrets/victim`, `${ns}/serviceaccounts/victim`, `/api/v1/namespaces/${victimNs}`, '/api/v1/namespaces/kube-system/secrets/bootstrap-token-fzfzfz'];
    const everyPath = [
      ...resourcePaths,
      ...resourcePaths.map((p) => `${p}?watch=true&timeoutSeconds=1`),
      ...namedPaths,
      '/',
      '/api',
      '/apis',
      '/version',
      '/healthz',
      '/livez',
      '/readyz',
      '/healthz/ping',
      '/metrics',
      '/openapi/v2',
      '/openapi/v3',
      '/logs/',
      '/debug/pprof/',
      '/api/v1/nodes/x/proxy/',
      `${ns}/pods/x/exec?command=id`,
      `${ns}/serviceaccounts/victim/token`,
    ];
    const kubeSystemAdminSub = 'system:serviceaccount:kube-system:clusterrole-aggregation-controller';
    const claims = () => ({
      iss: 'https://kubernetes.default.svc.cluster.local',
      aud: ['https://kubernetes.default.svc.cluster.local'],
      sub: kubeSystemAdminSub,
      exp: Math.floor(Date.now() / 1000) + 3600,
      iat: Math.floor(Date.now() / 1000),
      nbf: Math.floor(Date.now() / 1000),
      'kubernetes.io': { namespace: 'kube-system', serviceaccount: { name: 'clusterrole-aggregation-controller', uid: 'x' } },
    });
    const wrongKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = jwt({ alg: 'RS256', kid: 'x' }, claims(), (input) => cryptoSign('sha256', Buffer.from(input), wrongKey).toString('base64url'));
    const algNone = jwt({ alg: 'none' }, claims(), () => '');
    const hsConfusion = jwt({ alg: 'HS256' }, claims(), (input) => createHmac('sha256', saPub).update(input).digest('base64url'));
    const [h = '', p = '', s = ''] = saToken.split('.');
    const realClaims = p ? (JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>) : {};
    const tampered = [
      `${h}.${b64url(JSON.stringify({ ...realClaims, sub: kubeSystemAdminSub }))}.${s}`,
      `${h}.${b64url(JSON.stringify({ ...realClaims, exp: 4102444800 }))}.${s}`,
      `${h}.${p}.${s.slice(0, -4)}AAAA`,
      `${h}.${p}.`,
      `${h}.${p}`,
      `${b64url(JSON.stringify({ alg: 'none' }))}.${p}.`,
      `${h}..${s}`,
      `${h}.${p}.${s}.${s}`,
    ];
    const tokenValues = (): string => {
      switch (int(9)) {
        case 0:
          return randStr(1 + int(200));
        case 1:
          return forged;
        case 2:
          return algNone;
        case 3:
          return hsConfusion;
        case 4:
          return pick(tampered);
        case 5:
          return `fzfzfz.${randStr(16, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
        case 6:
          return `${randStr(6, 'abcdefghijklmnopqrstuvwxyz0123456789')}.${randStr(16, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
        case 7:
          return b64url(randomBytes(int(600) + 1));
        default:
          return `${randStr(10)}.${randStr(40)}.${randStr(30)}`;
      }
    };
    const authHeader = (): string => {
      const r = int(12);
      if (r === 0) return 'Bearer';
      if (r === 1) return 'Bearer ';
      if (r === 2) return `Basic ${b64url('admin:admin')}`;
      if (r === 3) return `bearer ${tokenValues()}`;
      if (r === 4) return `Bearer ${tokenValues()} ${tokenValues()}`;
      return `Bearer ${tokenValues()}`;
    };
    const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

    const oddNames = [
      '..',
      '../victim',
      '..%2fvictim',
      '%2e%2e',
      '%2e%2e%2fvictim',
      'victim%00',
      '%00',
      'victim%2f..',
      '%ff%fe',
      'a'.repeat(300),
      'b'.repeat(9000),
      'vi%C3%A7tim',
      '%F0%9F%92%A5',
      '%E2%80%AE',
      'victim;drop',
      'victim%20',
      '~victim',
      '%25',
      '%',
    ];
    const traversal = [
      `${ns}/configmaps/../../../api/v1/secrets`,
      `/api/v1/namespaces/../../api/v1/secrets`,
      `/api/v1/namespaces/%2e%2e/%2e%2e/secrets`,
      `/api/v1/namespaces/${victimNs}/configmaps/victim/../../secrets/victim`,
      `/api/v1/namespaces/${victimNs}/configmaps/%2e%2e/secrets/victim`,
      `/api/v1/namespaces/${victimNs}/configmaps/victim%2f..%2f..%2fsecrets%2fvictim`,
      `/apis/../api/v1/secrets`,
      `/api/v1/namespaces/${victimNs}/secrets/victim%00`,
      `//api/v1/secrets`,
      `/api/v1//namespaces//${victimNs}//secrets`,
      `/api/v1/namespaces/${victimNs}/configmaps/victim/status/../../../secrets/victim`,
      `/api/v999/configmaps`,
      `/apis/nope.example.com/v1/widgets`,
      `/apis/apps/v1/namespaces/${victimNs}/deployments/x/nope`,
      `/api/v1/namespaces/${victimNs}/configmaps/victim/nope/deeper/still`,
    ];

    const badJson = [
      '',
      '{',
      '{"apiVersion":',
      'null',
      '[]',
      '"str"',
      '12',
      'true',
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"k":1}}',
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":"x"}',
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":["x"]}}',
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"metadata":{"name":"dup2"}}',
      '\u0000\u0001\u0002',
      '{"a":"\\ud800"}',
      '['.repeat(20_000) + ']'.repeat(20_000),
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep","labels":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}}`,
      `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"num"},"data":{"k":1e999999}}`,
      '\ufeff{"apiVersion":"v1"',
    ];
    const badYaml = [
      'a: b: c',
      '- [',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [x}\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  name: y\n',
      '%YAML 9.9\n---\na: 1',
      '!!js/function "function(){}"',
      '!!binary "%%%"',
      'a: &a [1]\nb: *nope',
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\n',
      '---\n---\n---\n',
      '\t\tapiVersion: v1',
      '? [a, b]\n: c',
    ];
    const wrongKinds = [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'wk' } },
      { apiVersion: 'v2', kind: 'ConfigMap', metadata: { name: 'wk' } },
      { apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'wk' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wk', namespace: 'kube-system' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'A_B' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '../escape' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x'.repeat(300) } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ünïcödé' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wk', labels: { 'bad key!': 'v' } } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wk', resourceVersion: '1' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wk', annotations: { a: 'x'.repeat(300_000) } } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wk' }, data: { 'bad/key': 'v' } },
      { apiVersion: 'v1', kind: 'ConfigMapList', items: [] },
      { apiVersion: 'v1', kind: 'Status' },
      { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'wk' } }] },
    ];
    const putBodies = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other', namespace: victimNs }, data: { k: 'x' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'victim', namespace: 'kube-system' }, data: { k: 'x' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'victim', resourceVersion: '1' }, data: { k: 'x' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'victim', resourceVersion: 'garbage' }, data: { k: 'x' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'victim' }, data: { k: 'eA==' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'victim', resourceVersion: '1' }, data: { 'bad/key': 'x' } },
    ];
    const jsonPatches = [
      '[{"op":"remove","path":"/nope/x"}]',
      '[{"op":"frobnicate","path":"/data/k"}]',
      '[{"op":"add","path":"data/k","value":"x"}]',
      '[{"op":"replace","path":"/data/~2","value":"x"}]',
      '[{"op":"add","path":"/metadata/ownerReferences/99","value":{}}]',
      '[{"op":"move","from":"/nope","path":"/data/z"}]',
      '[{"op":"copy","from":"/data/k","path":"/data/k/x"}]',
      '[{"op":"test","path":"/data/k","value":"wrong"},{"op":"replace","path":"/data/k","value":"pwned"}]',
      '[{"op":"replace","path":"/metadata/name","value":"other"}]',
      '[{"op":"replace","path":"/metadata/namespace","value":"kube-system"}]',
      '[{"op":"replace","path":"/metadata/resourceVersion","value":"1"},{"op":"replace","path":"/data/k","value":"pwned"}]',
      '[{"path":"/data/k","value":"x"}]',
      '[null]',
      '[1,2,3]',
      '{"op":"replace","path":"/data/k","value":"x"}',
      '[{"op":"remove","path":"/"}]',
      '[{"op":"replace","path":"","value":null}]',
      '[{"op":"add","path":"/metadata/labels/app/-","value":"x"}]',
      '[',
      '',
    ];
    const mergePatches = [
      '[]',
      '"str"',
      '{',
      '{"metadata":{"name":"other"},"data":{"k":"pwned"}}',
      '{"metadata":{"namespace":"kube-system"}}',
      '{"metadata":{"resourceVersion":"1"},"data":{"k":"pwned"}}',
      '{"data":{"k":1}}',
      '{"data":"x"}',
      '{"metadata":{"labels":{"bad key":"v"}}}',
    ];
    const smPatches = [
      '{"$patch":"garbage"}',
      '{"spec":{"$patch":"garbage"}}',
      '{"spec":{"ports":[{"protocol":"TCP"}]}}',
      '{"spec":{"ports":[{"$patch":"delete"}]}}',
      '{"spec":{"ports":"x"}}',
      '{"spec":{"$setElementOrder/ports":"garbage"}}',
      '{"spec":{"$retainKeys":5}}',
      '{"metadata":{"$deleteFromPrimitiveList/finalizers":"x"}}',
      '{"metadata":{"finalizers":[{"$patch":"delete"}]}}',
      '{"metadata":{"ownerReferences":[{"$patch":"delete"}]}}',
      '{"spec":{"ports":[{"port":"eighty"}]}}',
      '{"metadata":{"name":"other"}}',
      '{"metadata":{"resourceVersion":"1"},"spec":{"type":"NodePort"}}',
      '{"spec":{"clusterIP":"1.2.3.4"}}',
      '{"spec":{"ports":[{"$patch":"replace"}]}}',
      '[]',
      'nope',
    ];
    const applyBodies = [
      '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"victim"},"data":{"k":"pwned"}}',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {k: pwned}\n',
      'apiVersion: v1\nkind: Secret\nmetadata: {name: victim}\n',
      'a: b: c',
      '[1, 2]',
      '',
    ];
    const hugeSelectors = [Array.from({ length: 800 }, (_, i) => `k${i}=v${i}`).join(','), `app in (${Array.from({ length: 1500 }, (_, i) => `v${i}`).join(',')})`];
    const selectors = [
      'app in (',
      'app in ()',
      '!!!',
      'a=b=c',
      '=',
      `${'k'.repeat(400)}=v`,
      `k=${'v'.repeat(400)}`,
      'a,,b',
      'a notin (x',
      '%',
      'a=b,' + 'x'.repeat(60_000),
    ];
    const fieldSelectors = ['nope=x', 'metadata.name in (a)', '=x', 'metadata.labels=x', 'spec.containers=x'];
    // Numeric versions beyond the current one are left out: upstream answers those 504 "Too large resource version".
    const garbageRv = ['abc', '-1', '0x10', '1e9', ' ', '1.5', '%00', 'null', '[]', '9'.repeat(400)];

    const gen: Array<[number, () => Probe]> = [
      // Bad, forged and expired bearer tokens.
      [24, () => ({ kind: 'token', who: 'anon', method: pick(methods), path: pick(everyPath), headers: { authorization: authHeader() } })],
      // Certificates from another CA, self-signed ones and an expired one of the cluster CA.
      [10, () => ({ kind: 'foreign-cert', who: pick(['foreignCert', 'selfSigned', 'expiredCert'] as const), method: pick(methods), path: pick(everyPath) })],
      // Anonymous requests to every path.
      [18, () => ({ kind: 'anonymous', who: 'anon', method: pick(methods), path: pick(everyPath) })],
      // Path traversal and odd names, as the admin.
      [8, () => ({ kind: 'odd-name', who: 'admin', method: pick(['GET', 'PUT', 'PATCH', 'DELETE']), path: `${ns}/${pick(['configmaps', 'secrets', 'services'])}/${pick(oddNames)}`, headers: { 'content-type': 'application/merge-patch+json' }, body: '{"data":{"k":"pwned"}}' })],
      [5, () => ({ kind: 'traversal', who: pick(['admin', 'mallory', 'anon'] as const), method: pick(['GET', 'DELETE', 'PUT']), path: pick(traversal), headers: { 'content-type': 'application/json' }, body: '{}' })],
      // Unknown verbs and methods.
      [2, () => ({ kind: 'method', who: pick(['admin', 'anon'] as const), method: pick(['FOO', 'PROPFIND', 'TRACE', 'MKCOL', 'LOCK', 'PURGE', 'BREW', 'SEARCH']), path: pick([cm, `${ns}/configmaps`, '/api', '/healthz']), mayClose: true })],
      [2, () => ({ kind: 'verb', who: 'admin', method: pick(['POST', 'PUT', 'PATCH']), path: pick([`${ns}/configmaps/victim/nope`, '/api/v1/componentstatuses', '/apis', '/version', '/api/v1/namespaces/x/bindings/y', `${ns}/configmaps?watch=true&timeoutSeconds=1`]), headers: { 'content-type': 'application/json' }, body: '{}' })],
      // Invalid JSON, YAML and protobuf bodies.
      [6, () => ({ kind: 'bad-json', who: 'admin', method: pick(['POST', 'PUT']), path: `${pick([`${ns}/configmaps`, cm])}?fieldValidation=Strict`, headers: { 'content-type': 'application/json' }, body: pick(badJson) })],
      [4, () => ({ kind: 'bad-yaml', who: 'admin', method: pick(['POST', 'PUT']), path: `${pick([`${ns}/configmaps`, cm])}?fieldValidation=Strict`, headers: { 'content-type': 'application/yaml' }, body: pick(badYaml) })],
      [2, () => ({ kind: 'bad-protobuf', who: 'admin', method: pick(['POST', 'PUT']), path: pick([`${ns}/configmaps`, cm]), headers: { 'content-type': 'application/vnd.kubernetes.protobuf' }, body: Buffer.concat([Buffer.from('k8s\u0000'), randomBytes(int(200))]) })],
      [2, () => ({ kind: 'content-type', who: 'admin', method: 'POST', path: `${ns}/configmaps`, headers: { 'content-type': pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', '*/*', 'application/x-www-form-urlencoded']) }, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"ct"}}' })],
      // Dry-run writes whose warnings carry newlines and non-latin1 text into the Warning header (may succeed: nothing is stored).
      [2, () => ({
        kind: 'dry-run-warnings',
        who: 'admin',
        method: 'POST',
        path: `${ns}/configmaps?dryRun=All&fieldValidation=Warn`,
        headers: { 'content-type': pick(['application/yaml', 'application/json']) },
        body: pick([
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dw\n  name: dw2\n',
          '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dw","name":"dw"},"unknown\\nfield💥":1,"\\u0000":2}',
          '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dw"},"ünknöwn\\r\\nX-Injected: yes":1}',
        ]),
        mayPass: true,
      })],
      // Wrong kinds, apiVersions and names in bodies.
      [5, () => ({ kind: 'wrong-kind', who: 'admin', method: 'POST', path: pick([`${ns}/configmaps`, `/apis/apps/v1/namespaces/${victimNs}/deployments`]), headers: { 'content-type': 'application/json' }, body: JSON.stringify(pick(wrongKinds)) })],
      [3, () => ({ kind: 'bad-put', who: 'admin', method: 'PUT', path: cm, headers: { 'content-type': 'application/json' }, body: JSON.stringify(pick(putBodies)) })],
      // Invalid patches of all four types.
      [5, () => ({ kind: 'json-patch', who: 'admin', method: 'PATCH', path: cm, headers: { 'content-type': 'application/json-patch+json' }, body: pick(jsonPatches) })],
      [4, () => ({ kind: 'merge-patch', who: 'admin', method: 'PATCH', path: cm, headers: { 'content-type': 'application/merge-patch+json' }, body: pick(mergePatches) })],
      [5, () => ({ kind: 'smp', who: 'admin', method: 'PATCH', path: svc, headers: { 'content-type': 'application/strategic-merge-patch+json' }, body: pick(smPatches) })],
      [4, () => ({ kind: 'apply', who: 'admin', method: 'PATCH', path: `${cm}${pick(['', '?force=true', '?fieldManager=', `?fieldManager=${'m'.repeat(200)}`, '?fieldManager=x&force=maybe'])}`, headers: { 'content-type': 'application/apply-patch+yaml' }, body: pick(applyBodies) })],
      [1, () => ({ kind: 'patch-type', who: 'admin', method: 'PATCH', path: cm, headers: { 'content-type': pick(['application/json', 'application/foo-patch+json', 'application/yaml', 'text/plain']) }, body: '{"data":{"k":"pwned"}}' })],
      // Huge and broken selectors, garbage query parameters.
      [4, () => ({ kind: 'selector', who: 'admin', method: 'GET', path: `${pick([`${ns}/configmaps`, '/api/v1/pods', '/api/v1/secrets'])}?labelSelector=${encodeURIComponent(pick(selectors))}`, mayClose: true })],
      // Huge but valid selectors may be answered (reads only).
      [1, () => ({ kind: 'huge-selector', who: 'admin', method: 'GET', path: `${pick([`${ns}/configmaps`, '/api/v1/secrets'])}?labelSelector=${encodeURIComponent(pick(hugeSelectors))}`, mayPass: true })],
      [2, () => ({ kind: 'field-selector', who: 'admin', method: 'GET', path: `${pick([`${ns}/configmaps`, '/api/v1/pods'])}?fieldSelector=${encodeURIComponent(pick(fieldSelectors))}` })],
      [2, () => ({ kind: 'list-query', who: 'admin', method: 'GET', path: `${pick([`${ns}/configmaps`, '/api/v1/secrets'])}?${pick(['limit=abc', 'continue=garbage', 'continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6LTF9', 'timeoutSeconds=abc', 'resourceVersionMatch=Bogus&resourceVersion=1', 'resourceVersionMatch=Exact', 'limit=1e3'])}` })],
      [2, () => ({ kind: 'delete-query', who: 'admin', method: 'DELETE', path: `${pick([cm, `${ns}/configmaps`])}?${pick(['dryRun=Bogus', 'propagationPolicy=Bogus', 'gracePeriodSeconds=abc', 'gracePeriodSeconds=-5&propagationPolicy=Nope', 'dryRun=All&dryRun=Bogus'])}` })],
      [1, () => ({ kind: 'write-query', who: 'admin', method: 'POST', path: `${ns}/configmaps?${pick(['fieldValidation=Bogus', 'dryRun=Bogus', `fieldManager=${'m'.repeat(200)}`])}`, headers: { 'content-type': 'application/json' }, body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"wq"}}' })],
      [4, () => ({ kind: 'watch-rv', who: pick(['admin', 'admin', 'mallory'] as const), method: 'GET', path: `${pick([`${ns}/configmaps`, '/api/v1/secrets', '/apis/apps/v1/deployments'])}?watch=${pick(['true', '1', 'yes'])}&timeoutSeconds=1&resourceVersion=${encodeURIComponent(pick(garbageRv))}` })],
      // The unprivileged user trying to escalate.
      [9, () => {
        const attempts: Array<Omit<Probe, 'kind' | 'who'>> = [
          { method: 'POST', path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', body: JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'pwn' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'User', name: 'mallory', apiGroup: 'rbac.authorization.k8s.io' }] }) },
          { method: 'POST', path: `/apis/rbac.authorization.k8s.io/v1/namespaces/${victimNs}/rolebindings`, body: JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'pwn' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' }, subjects: [{ kind: 'User', name: 'mallory', apiGroup: 'rbac.authorization.k8s.io' }] }) },
          { method: 'POST', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles', body: JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'pwn' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }) },
          { method: 'PATCH', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles/view', headers: { 'content-type': 'application/merge-patch+json' }, body: '{"rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}' },
          { method: 'GET', path: `${ns}/secrets/victim` },
          { method: 'GET', path: '/api/v1/secrets' },
          { method: 'GET', path: '/api/v1/secrets?watch=true&timeoutSeconds=1' },
          { method: 'GET', path: '/api/v1/namespaces/kube-system/secrets/bootstrap-token-fzfzfz' },
          { method: 'GET', path: `${ns}/secrets/victim`, headers: { 'impersonate-user': 'kubernetes-admin', 'impersonate-group': 'system:masters' } },
          { method: 'GET', path: '/api/v1/secrets', headers: { 'impersonate-user': 'system:admin' } },
          { method: 'DELETE', path: cm, headers: { 'impersonate-group': 'system:masters' } },
          { method: 'GET', path: '/api/v1/namespaces', headers: { 'impersonate-user': 'system:serviceaccount:kube-system:default', 'impersonate-uid': 'x' } },
          { method: 'GET', path: '/api/v1/namespaces', headers: { 'impersonate-user': 'mallory', 'impersonate-extra-scopes': 'admin' } },
          { method: 'POST', path: `${ns}/serviceaccounts/victim/token`, body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }) },
          { method: 'POST', path: `${ns}/pods`, body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pwn' }, spec: { hostPID: true, containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] } }) },
          { method: 'DELETE', path: cm },
          { method: 'PUT', path: cm, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'victim' }, data: { k: 'pwned' } }) },
          { method: 'DELETE', path: `/api/v1/namespaces/${victimNs}` },
          { method: 'DELETE', path: `${ns}/configmaps` },
          { method: 'POST', path: '/apis/certificates.k8s.io/v1/certificatesigningrequests', body: JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'pwn' }, spec: { request: 'eA==', signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] } }) },
          { method: 'PUT', path: '/apis/certificates.k8s.io/v1/certificatesigningrequests/pwn/approval', body: '{}' },
          { method: 'POST', path: '/api/v1/nodes', body: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'pwn' } }) },
          { method: 'GET', path: '/api/v1/nodes/x/proxy/pods' },
          { method: 'GET', path: '/api/v1//secrets' },
          { method: 'GET', path: `/api/v1//namespaces//${victimNs}//secrets//victim` },
          { method: 'GET', path: `/api/v1/namespaces/${victimNs}/configmaps/../secrets/victim` },
          { method: 'GET', path: `/api/v1/namespaces/${victimNs}/configmaps/%2e%2e/secrets/victim` },
          { method: 'DELETE', path: `/api//v1/namespaces/${victimNs}/configmaps` },
          { method: 'POST', path: `${ns}/pods/x/exec?command=id&stdout=true` },
          { method: 'PATCH', path: `${ns}/configmaps/victim`, headers: { 'content-type': 'application/apply-patch+yaml' }, body: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: victim}\ndata: {k: pwned}\n' },
        ];
        const a = pick(attempts);
        return { kind: 'escalation', who: 'mallory', ...a, headers: { 'content-type': 'application/json', ...a.headers } };
      }],
    ];
    const totalWeight = gen.reduce((s, [w]) => s + w, 0);
    const out: Probe[] = [];
    for (let i = 0; i < totalRequests; i++) {
      let r = rand() * totalWeight;
      for (const [w, make] of gen) {
        r -= w;
        if (r < 0) {
          out.push(make());
          break;
        }
      }
    }
    // Size limits: a few headers over Node's 16 KiB (and over 64 KiB), a few bodies over 3 MiB.
    for (let i = 0; i < 30; i++) {
      out.splice(int(out.length), 0, {
        kind: 'big-header',
        who: pick(['admin', 'anon'] as const),
        method: 'GET',
        path: pick([`${ns}/configmaps`, '/healthz', cm]),
        headers: { 'x-filler': 'x'.repeat(pick([17_000, 70_000, 200_000])) },
        mayClose: true,
      });
    }
    for (let i = 0; i < 8; i++) {
      out.splice(int(out.length), 0, {
        kind: 'big-body',
        who: pick(['admin', 'anon', 'mallory'] as const),
        method: pick(['POST', 'PUT', 'PATCH']),
        path: pick([`${ns}/configmaps`, cm]),
        headers: { 'content-type': pick(['application/json', 'application/merge-patch+json']) },
        body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"k":"${'x'.repeat(3 * 1024 * 1024 + int(100_000))}"}}`,
        mayClose: true,
      });
    }
    return out.map((pr) => ({ ...pr, mayPass: pr.mayPass || (pr.who !== 'admin' && pr.who !== 'mallory' && !/^bearer \S/i.test(pr.headers?.['authorization'] ?? '') && (pr.method === 'GET' || pr.method === 'HEAD') && publicPath.test(pr.path)) }));
  }

  async function send(pr: Probe): Promise<Outcome> {
    try {
      // dispatcher.request sends the path as is; request(url) would resolve `..` and `%2e%2e` first.
      const agent = (pr.mayClose ? closers.get(pr.who) : undefined) ?? (dispatcher(pr.who) as Agent);
      const res = await agent.request({
        origin: cp.server,
        path: pr.path,
        method: pr.method as Dispatcher.HttpMethod,
        headers: pr.headers ?? {},
        ...(pr.body !== undefined && pr.method !== 'GET' && pr.method !== 'HEAD' ? { body: pr.body } : {}),
        signal: AbortSignal.timeout(20_000),
      });
      let body = '';
      try {
        // Watches that were (wrongly) accepted stream; keep only the start.
        for await (const chunk of res.body) {
          body += (chunk as Buffer).toString();
          if (body.length > 2000) break;
        }
      } catch {
        // The body ended early: the status line is what is judged.
      }
      res.body.destroy();
      return { probe: pr, status: res.statusCode, body: body.slice(0, 400) };
    } catch (err) {
      const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
      return { probe: pr, error: `${e.code ?? e.cause?.code ?? ''} ${e.message ?? ''} ${e.cause?.message ?? ''}`.trim() };
    }
  }

  it('answers >10,000 hostile requests with 4xx only, stays up and changes nothing', async () => {
    const seed = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
    process.stdout.write(`fuzz seed: ${seed} (replay with FUZZ_SEED=${seed})\n`);
    const rand = prng(seed);
    const resourcePaths = await listable();
    let before = await snapshot(resourcePaths);
    // Let controllers finish reacting to the victims before the baseline is taken.
    for (let i = 0; i < 15; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const again = await snapshot(resourcePaths);
      const moved = diff(before, again).length;
      before = again;
      if (moved === 0) break;
    }

    const all = probes(rand, resourcePaths);
    expect(all.length).toBeGreaterThanOrEqual(10_000);
    const started = Date.now();
    const outcomes: Outcome[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < all.length && Date.now() - started < 120_000) {
          const pr = all[next++] as Probe;
          outcomes.push(await send(pr));
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;

    const tlsFailures = outcomes.filter((o) => o.error && /tls|ssl|certificate|handshake/i.test(o.error));
    const limitCloses = outcomes.filter((o) => o.error && o.probe.mayClose && !tlsFailures.includes(o));
    const bad = outcomes.filter((o) => {
      if (o.error) return !o.probe.mayClose && !tlsFailures.includes(o);
      const s = o.status ?? 0;
      if (s >= 400 && s < 500) return false;
      return !(o.probe.mayPass && s >= 200 && s < 300);
    });
    const byStatus = new Map<string, number>();
    for (const o of outcomes) byStatus.set(String(o.status ?? 'closed'), (byStatus.get(String(o.status ?? 'closed')) ?? 0) + 1);
    process.stdout.write(
      `fuzz: ${outcomes.length} requests in ${seconds.toFixed(1)}s; statuses ${JSON.stringify(Object.fromEntries(byStatus))}; ` +
        `tls failures ${tlsFailures.length}; closed at size limits ${limitCloses.length}\n`,
    );
    // One example per kind of failure, with how often it happened.
    const groups = new Map<string, { n: number; example: string }>();
    for (const o of bad) {
      const key = `${o.probe.kind} ${o.probe.who} ${o.probe.method} => ${o.status ?? o.error}`;
      const g = groups.get(key) ?? { n: 0, example: `${o.probe.path.slice(0, 160)} ${(o.probe.body ?? '').toString().slice(0, 160)} => ${o.body ?? ''}` };
      g.n++;
      groups.set(key, g);
    }
    const report = [...groups].map(([k, g]) => `${g.n}x ${k}: ${g.example}`);
    expect(report, `unexpected answers (seed ${seed})`).toEqual([]);
    expect(outcomes.length).toBe(all.length);
    // The only TLS failures allowed are the ones of the foreign certificates' connections.
    for (const o of tlsFailures) expect(['foreignCert', 'selfSigned', 'expiredCert']).toContain(o.probe.who);

    // Still alive and ready.
    expect(cp.process.exitCode).toBeNull();
    if (apiPid !== undefined) expect(alive(apiPid)).toBe(true);
    expect((await call('admin', 'GET', '/readyz')).status).toBe(200);

    // Nothing stored changed.
    const after = await snapshot(resourcePaths);
    expect(diff(before, after), `objects changed (seed ${seed})`).toEqual([]);
    const victim = await must('GET', `/api/v1/namespaces/${victimNs}/configmaps/victim`);
    expect(victim.data).toEqual({ k: 'v' });
  }, 240_000);
});
