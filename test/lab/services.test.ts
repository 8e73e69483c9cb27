/**
 * Services on the wire in the lab (issue #7), as root on this machine: one 4-node lab with runc kubelets
 * for the whole file, driven by the real kubectl. A LoadBalancer answers from the host on its pool IP, the
 * ClusterIP from every node, a NodePort on every node IP; 300 requests spread over 3 pods, and all go to
 * one with `sessionAffinity: ClientIP`; scaling down drops the endpoints within 2 s with no failed request
 * after; the cluster DNS answers pods; the LB IP moves when its node dies; and the users' checklist:
 * DaemonSet on all 4 nodes, a Job completes, replicas spread over the workers, cross-node pod traffic, a
 * PVC bound to a hostPath PV. Skipped without runc, kubectl, or when 192.168.56.0/24 is already in use.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { canRunLab, nanokube, sleep, useLab, waitFor } from './fixture.js';
import { sh } from './netns.js';

const enabled = await canRunLab({ runc: true });
const nodeIPs: Record<string, string> = { master: '192.168.56.10', worker01: '192.168.56.101', worker02: '192.168.56.102', worker03: '192.168.56.103' };
const workers = ['worker01', 'worker02', 'worker03'];

/** hostGet fetches http://ip:port/ from the host (this process), resolving to the body or undefined on any failure. */
function hostGet(ip: string, port = 80, timeoutMs = 2_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: ip, port, path: '/', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** The objects the tests use besides dpy-nginx (PV_PATH is replaced by a folder of this run). */
const whoami = `apiVersion: apps/v1
kind: Deployment
metadata: { name: whoami }
spec:
  replicas: 3
  selector: { matchLabels: { app: whoami } }
  template:
    metadata: { labels: { app: whoami } }
    spec:
      terminationGracePeriodSeconds: 5
      containers:
      - name: httpd
        image: busybox:latest
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www"]
        ports: [{ containerPort: 80 }]
---
apiVersion: v1
kind: Service
metadata: { name: whoami }
spec:
  selector: { app: whoami }
  ports: [{ port: 80, targetPort: 80 }]
---
apiVersion: v1
kind: Service
metadata: { name: nginx-np }
spec:
  type: NodePort
  selector: { app: dpy-nginx }
  ports: [{ port: 80, targetPort: 80, nodePort: 30080 }]
---
apiVersion: v1
kind: Service
metadata: { name: nginx-headless }
spec:
  clusterIP: None
  selector: { app: dpy-nginx }
  ports: [{ port: 80, targetPort: 80 }]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: everywhere }
spec:
  selector: { matchLabels: { app: everywhere } }
  template:
    metadata: { labels: { app: everywhere } }
    spec:
      terminationGracePeriodSeconds: 1
      tolerations: [{ key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule }]
      containers:
      - name: sleep
        image: busybox:latest
        imagePullPolicy: IfNotPresent
        command: ["sleep", "3600"]
---
apiVersion: batch/v1
kind: Job
metadata: { name: hello }
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: hello
        image: busybox:latest
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "echo hello from the job"]
---
apiVersion: v1
kind: PersistentVolume
metadata: { name: pv-host }
spec:
  capacity: { storage: 1Gi }
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  hostPath: { path: PV_PATH, type: DirectoryOrCreate }
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data }
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: manual
  resources: { requests: { storage: 500Mi } }
---
apiVersion: v1
kind: Pod
metadata: { name: uses-pvc }
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: sleep
    image: busybox:latest
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", "echo written > /data/f && sleep 3600"]
    volumeMounts: [{ name: data, mountPath: /data }]
  volumes: [{ name: data, persistentVolumeClaim: { claimName: data } }]
`;

describe.skipIf(!enabled)('services on the wire in the lab', () => {
  const lab = useLab({ tag: 'ns', flags: ['--node-monitor-grace-period', '16s'] });

  /** inNode runs argv inside a node's network namespace (what `lab ssh NODE -- argv` does, without a terminal). */
  const inNode = (node: string, argv: string[], timeoutMs = 30_000) => sh(['ip', 'netns', 'exec', `${lab.prefix}${node}`, ...argv], timeoutMs);
  const jsonpath = async (args: string[], path: string) => (await lab.kubectl.ok(['get', ...args, '-o', `jsonpath={${path}}`])).trim();
  const readyPods = async (selector: string) =>
    (await jsonpath(['pods', '-l', selector], 'range .items[*]}{.metadata.name} {.spec.nodeName} {.status.podIP} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end'))
      .split('\n').map((l) => l.split(' ')).filter((f) => f[3] === 'True').map(([name, node, ip]) => ({ name: name ?? '', node: node ?? '', ip: ip ?? '' }));
  /** requests makes n sequential GETs of url from inside node and returns the bodies (one line each). */
  const requests = async (node: string, url: string, n: number) =>
    (await inNode(node, ['busybox', 'sh', '-c', `i=0; while [ $i -lt ${n} ]; do busybox timeout 2 busybox wget -q -O - ${url} || echo FAIL; i=$((i+1)); done`], 120_000))
      .split('\n').filter(Boolean);
  const tally = (lines: string[]) => lines.reduce((m, l) => m.set(l, (m.get(l) ?? 0) + 1), new Map<string, number>());

  beforeAll(async () => {
    expect(lab.upOutput).toContain('[dns] kube-system/kube-dns Service 10.96.0.10');
    // Everything the tests look at is created at once, so the pods start together.
    await lab.kubectl.ok(['create', 'deployment', 'dpy-nginx', '--image=nginx', '--replicas=3']);
    await lab.kubectl.ok(['expose', 'deployment', 'dpy-nginx', '--type=LoadBalancer', '--name=nginx-svc', '--port=80']);
    await lab.kubectl.ok(['apply', '-f', '-'], { stdin: whoami.replace('PV_PATH', join(lab.tmp, 'pv')) });
    await lab.kubectl.ok(['run', 'dnsclient', '--image=busybox:latest', '--image-pull-policy=IfNotPresent', '--', 'sleep', '3600']);
  });

  it('lists the cluster DNS in kubectl cluster-info', async () => {
    const out = await lab.kubectl.ok(['cluster-info']);
    expect(out).toContain('CoreDNS is running at https://192.168.56.10:6443/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy');
  });

  it('a LoadBalancer answers from the host, its ClusterIP from every node, a NodePort on every node IP', async () => {
    await lab.kubectl.ok(['rollout', 'status', 'deployment/dpy-nginx', '--timeout=120s'], { timeoutMs: 130_000 });
    const ext = await waitFor('an EXTERNAL-IP', async () => (await jsonpath(['svc', 'nginx-svc'], '.status.loadBalancer.ingress[0].ip')) || undefined, 30_000);
    expect(ext).toMatch(/^192\.168\.56\.(2[0-4]\d|250)$/);
    const n = Number(ext.split('.')[3]);
    expect(n >= 200 && n <= 250).toBe(true);
    expect(await lab.kubectl.ok(['get', 'svc', 'nginx-svc'])).toContain(ext);
    expect(await waitFor('the welcome page on the EXTERNAL-IP', async () => (await hostGet(ext))?.includes('Welcome to nginx!') || undefined, 20_000)).toBe(true);
    const clusterIP = await jsonpath(['svc', 'nginx-svc'], '.spec.clusterIP');
    for (const node of Object.keys(nodeIPs)) {
      const page = await inNode(node, ['busybox', 'timeout', '3', 'busybox', 'wget', '-q', '-O', '-', `http://${clusterIP}/`]);
      expect(page, `ClusterIP ${clusterIP} from ${node}`).toContain('Welcome to nginx!');
    }
    for (const [node, ip] of Object.entries(nodeIPs)) {
      const page = await waitFor(`NodePort 30080 on ${node}`, () => hostGet(ip, 30080), 10_000);
      expect(page, `${ip}:30080`).toContain('Welcome to nginx!');
    }
  }, 180_000);

  it('spreads the 3 replicas of a deployment over the 3 workers', async () => {
    const pods = await waitFor('3 ready nginx pods', async () => {
      const p = await readyPods('app=dpy-nginx');
      return p.length === 3 ? p : undefined;
    }, 60_000);
    expect(pods.map((p) => p.node).sort()).toEqual(workers);
  }, 70_000);

  it('spreads 300 ClusterIP requests over all 3 pods, and sends all to one with sessionAffinity ClientIP', async () => {
    await lab.kubectl.ok(['rollout', 'status', 'deployment/whoami', '--timeout=90s'], { timeoutMs: 100_000 });
    const pods = await waitFor('3 ready whoami pods', async () => {
      const p = await readyPods('app=whoami');
      return p.length === 3 ? p : undefined;
    }, 30_000);
    const clusterIP = await jsonpath(['svc', 'whoami'], '.spec.clusterIP');
    // Wait until the proxy on worker01 has all three endpoints.
    await waitFor('3 endpoints behind the ClusterIP', async () => (tally(await requests('worker01', `http://${clusterIP}/`, 30)).size === 3 ? true : undefined), 20_000);
    const spread = tally(await requests('worker01', `http://${clusterIP}/`, 300));
    console.log(`300 requests without affinity: ${JSON.stringify([...spread])}`);
    expect([...spread.keys()].sort()).toEqual(pods.map((p) => p.name).sort());
    for (const count of spread.values()) expect(count).toBeGreaterThan(30);

    await lab.kubectl.ok(['patch', 'svc', 'whoami', '-p', '{"spec":{"sessionAffinity":"ClientIP"}}']);
    expect(await jsonpath(['svc', 'whoami'], '.spec.sessionAffinityConfig.clientIP.timeoutSeconds')).toBe('10800');
    const sticky = await waitFor('affinity in effect', async () => {
      const t = tally(await requests('worker01', `http://${clusterIP}/`, 300));
      return t.size === 1 ? t : undefined;
    }, 20_000);
    console.log(`300 requests with ClientIP affinity: ${JSON.stringify([...sticky])}`);
    expect(pods.map((p) => p.name)).toContain([...sticky.keys()][0]);
  }, 200_000);

  it('resolves cluster names from a pod: kubernetes.default, a short Service name, a headless Service', async () => {
    await lab.kubectl.ok(['wait', '--for=condition=Ready', 'pod/dnsclient', '--timeout=60s'], { timeoutMs: 70_000 });
    const lookup = async (name: string) => {
      const r = await lab.kubectl.run(['exec', 'dnsclient', '--', 'nslookup', name]);
      return r.stdout + r.stderr;
    };
    const kube = await waitFor('kubernetes.default answered', async () => {
      const out = await lookup('kubernetes.default.svc.cluster.local');
      return out.includes('Address: 10.96.0.1') ? out : undefined;
    }, 20_000);
    expect(kube).toContain('Server:\t\t10.96.0.10');
    const svcIP = await jsonpath(['svc', 'whoami'], '.spec.clusterIP');
    expect(await lookup('whoami')).toContain(`Address: ${svcIP}`);
    const podIPs = (await readyPods('app=dpy-nginx')).map((p) => p.ip);
    expect(podIPs).toHaveLength(3);
    const headless = await lookup('nginx-headless.default.svc.cluster.local');
    for (const ip of podIPs) expect(headless).toContain(`Address: ${ip}`);
  }, 90_000);

  it('runs a DaemonSet on all 4 nodes and completes a Job', async () => {
    const ds = await waitFor('4 ready DaemonSet pods', async () => {
      const p = await readyPods('app=everywhere');
      return p.length === 4 ? p : undefined;
    }, 60_000);
    expect(ds.map((p) => p.node).sort()).toEqual(['master', ...workers]);
    await lab.kubectl.ok(['wait', '--for=condition=Complete', 'job/hello', '--timeout=60s'], { timeoutMs: 70_000 });
    expect(await lab.kubectl.ok(['logs', 'job/hello'])).toContain('hello from the job');
  }, 150_000);

  it('carries pod-to-pod traffic across nodes', async () => {
    const ds = await readyPods('app=everywhere');
    const nginx = await readyPods('app=dpy-nginx');
    const from = ds.find((p) => p.node === 'worker01');
    const to = nginx.find((p) => p.node === 'worker02');
    expect(from && to).toBeTruthy();
    const page = await lab.kubectl.ok(['exec', from!.name, '--', 'timeout', '3', 'wget', '-q', '-O', '-', `http://${to!.ip}/`]);
    expect(page).toContain('Welcome to nginx!');
  }, 30_000);

  it('binds a PVC to a hostPath PV and runs a pod using it', async () => {
    const phase = await waitFor('the PVC Bound', async () => ((await jsonpath(['pvc', 'data'], '.status.phase')) === 'Bound' ? 'Bound' : undefined), 30_000);
    expect(phase).toBe('Bound');
    expect(await jsonpath(['pvc', 'data'], '.spec.volumeName')).toBe('pv-host');
    await lab.kubectl.ok(['wait', '--for=condition=Ready', 'pod/uses-pvc', '--timeout=60s'], { timeoutMs: 70_000 });
    expect(await lab.kubectl.ok(['exec', 'uses-pvc', '--', 'cat', '/data/f'])).toContain('written');
  }, 100_000);

  it('drops endpoints within 2 s of a scale down, and no request fails after that', async () => {
    const clusterIP = await jsonpath(['svc', 'whoami'], '.spec.clusterIP');
    const readyEndpoints = async () =>
      (await jsonpath(['endpointslices', '-l', 'kubernetes.io/service-name=whoami'], '.items[*].endpoints[?(@.conditions.ready==true)].addresses[0]'))
        .split(/\s+/).filter(Boolean).length;
    expect(await readyEndpoints()).toBe(3);
    // One client loop on worker02 for the whole scale down; each answer is timestamped as it arrives.
    const results: { at: number; ok: boolean }[] = [];
    const loop = spawn('ip', ['netns', 'exec', `${lab.prefix}worker02`, 'busybox', 'sh', '-c',
      `while true; do if busybox timeout 2 busybox wget -q -O /dev/null http://${clusterIP}/; then echo ok; else echo fail; fi; done`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let partial = '';
    loop.stdout.setEncoding('utf8');
    loop.stdout.on('data', (d: string) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) results.push({ at: Date.now(), ok: l === 'ok' });
    });
    try {
      await sleep(1_000);
      const scaledAt = Date.now();
      await lab.kubectl.ok(['scale', 'deployment/whoami', '--replicas=1']);
      await waitFor('one ready endpoint', async () => ((await readyEndpoints()) === 1 ? true : undefined), 10_000);
      const oneAt = Date.now();
      console.log(`endpoints down to 1 after ${oneAt - scaledAt} ms`);
      expect(oneAt - scaledAt).toBeLessThan(2_000 + 500); // + one poll of kubectl
      await sleep(6_000);
      const after = results.filter((r) => r.at > oneAt);
      const failedAfter = after.filter((r) => !r.ok).length;
      console.log(`requests during the scale down: ${results.filter((r) => r.at <= oneAt).length}, after: ${after.length}, failed after: ${failedAfter}`);
      expect(after.length).toBeGreaterThan(20);
      expect(failedAfter).toBe(0);
    } finally {
      loop.kill('SIGKILL');
    }
  }, 60_000);

  it('moves the LoadBalancer IP to another node when its node dies', async () => {
    const ext = await jsonpath(['svc', 'nginx-svc'], '.status.loadBalancer.ingress[0].ip');
    const holders = async () => {
      const out: string[] = [];
      for (const node of Object.keys(nodeIPs)) {
        if ((await sh(['ip', '-n', `${lab.prefix}${node}`, '-o', '-4', 'addr', 'show'])).includes(` ${ext}/32`)) out.push(node);
      }
      return out;
    };
    const first = await waitFor('the node holding the LB IP', async () => (await holders())[0], 10_000);
    const stoppedAt = Date.now();
    for (const c of ['kubelet', 'proxy']) expect((await nanokube(['lab', 'stop', first, c, '--dir', lab.dir])).code).toBe(0);
    const second = await waitFor('another node taking the LB IP', async () => (await holders()).find((n) => n !== first), 60_000);
    console.log(`LB IP ${ext} moved ${first} -> ${second} in ${Date.now() - stoppedAt} ms`);
    expect(workers).toContain(second); // the master carries kubeadm's exclude-from-external-load-balancers label
    expect(await jsonpath(['node', first], '.status.conditions[?(@.type=="Ready")].status')).not.toBe('True');
    expect(await waitFor('the welcome page after failover', async () => (await hostGet(ext))?.includes('Welcome to nginx!') || undefined, 20_000)).toBe(true);
  }, 90_000);
});
