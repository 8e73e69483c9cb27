/**
 * The users' scenarios (docs scenarios.md sections 1-4 and 6) on one real 4-node lab with runc pods, driven
 * by the real kubectl 1.32, as root on this machine (issue #6's verification): the cluster as kubectl shows
 * it; `kubectl run` nginx and the welcome page from the master, `apply -f pod.yaml`, `exec` (with stdin),
 * `logs`, delete; a deployment's self-healing and `apply -f` of a folder; a rolling update between two nginx
 * tags with ready pods all along, a missing tag in ImagePullBackOff while the old pods keep serving, history
 * and undo; cross-node pod-to-pod traffic; a stopped kubelet keeping a deleted pod Terminating (and serving)
 * until it is started again; and a node whose pod bridge is down while the other nodes' pods answer.
 * Services, DNS and load balancers are test/lab/services.test.ts. Skipped without runc, the offline
 * images, kubectl, or when this host already has an address in 192.168.56.0/24 (a lab is up).
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canRunLab, nanokube, sleep, useLab, waitFor } from './fixture.js';
import { sh } from './netns.js';

const enabled = await canRunLab({ runc: true });

describe.skipIf(!enabled)('the users\' scenarios on the lab', () => {
  const lab = useLab({ tag: 'sc' });

  /** fromMaster fetches http://ip/ from the master node with busybox wget; -S puts the headers in out too (Debian's busybox wget crashes with -T, hence timeout). */
  const fromMaster = (ip: string) =>
    nanokube(['lab', 'ssh', 'master', '--dir', lab.dir, '--', 'busybox', 'timeout', '4', 'busybox', 'wget', '-S', '-q', '-O', '-', `http://${ip}/`], 20_000);

  const field = async (kind: string, name: string, path: string) =>
    (await lab.kubectl.run(['get', kind, name, '-o', `jsonpath={${path}}`])).stdout.trim();

  /** pods lists the pods matching a label selector as name, phase, ip, node, image and deletion mark. */
  async function pods(selector: string) {
    const tpl = '{range .items[*]}{.metadata.name} {.status.phase} {.status.podIP} {.spec.nodeName} {.spec.containers[0].image} {.metadata.deletionTimestamp}{"\\n"}{end}';
    const out = await lab.kubectl.ok(['get', 'pods', '-l', selector, '-o', `jsonpath=${tpl}`]);
    return out.trim().split('\n').filter(Boolean).map((l) => {
      const [name = '', phase = '', ip = '', node = '', image = '', deleting = ''] = l.split(' ');
      return { name, phase, ip, node, image, deleting: deleting !== '' };
    });
  }

  const running = async (selector: string, n: number) => {
    const ps = (await pods(selector)).filter((p) => p.phase === 'Running' && p.ip && !p.deleting);
    return ps.length === n ? ps : undefined;
  };

  it('§1 shows the cluster: 4 Ready nodes with roles, lab IPs and runc, cluster-info, namespaces, resources', async () => {
    const rows = (await lab.kubectl.ok(['get', 'nodes', '--no-headers'])).trim().split('\n').map((l) => l.split(/\s+/));
    expect(rows.map((r) => r.slice(0, 3))).toEqual([
      ['master', 'Ready', 'control-plane'],
      ['worker01', 'Ready', '<none>'],
      ['worker02', 'Ready', '<none>'],
      ['worker03', 'Ready', '<none>'],
    ]);
    const wide = (await lab.kubectl.ok(['get', 'nodes', '-o', 'wide'])).trim().split('\n');
    expect(wide[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME$/);
    for (const line of wide.slice(1)) {
      expect(line).toMatch(/\sv1\.\d+\.\d+\S*\s+192\.168\.56\.\d+\s+<none>\s+.+\srunc:\/\/\d+\.\d+\.\d+\S*$/);
      expect(line).not.toContain('10.0.2.15');
    }
    expect(await lab.kubectl.ok(['get', 'nodes', '-A', '--no-headers'])).toContain('worker03');
    expect(await lab.kubectl.ok(['cluster-info'])).toContain('Kubernetes control plane is running at https://192.168.56.10:6443');
    const ns = (await lab.kubectl.ok(['get', 'ns', '--no-headers'])).trim().split('\n').map((l) => l.split(/\s+/)[0]);
    expect(ns).toEqual(expect.arrayContaining(['default', 'kube-node-lease', 'kube-public', 'kube-system']));
    const resources = await lab.kubectl.ok(['api-resources']);
    expect(resources).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(resources).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
    expect(await lab.kubectl.ok(['get', 'all', '-A'])).toMatch(/^default\s+service\/kubernetes\s+ClusterIP\s+10\.96\.0\.1\s/m);
  }, 60_000);

  it('§2 runs nginx:1.14 the master can reach, applies a labelled pod, execs (with stdin), logs, deletes for good', async () => {
    await lab.kubectl.ok(['run', 'web', '--image=nginx:1.14', '--port', '80']);
    const [web] = await waitFor('web Running', () => running('run=web', 1), 90_000);
    expect(web!.ip).toMatch(/^10\.244\.\d+\.\d+$/);
    const wide = await lab.kubectl.ok(['get', 'pods', '-o', 'wide']);
    expect(wide).toMatch(new RegExp(`^web\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${web!.ip.replace(/\./g, '\\.')}\\s+${web!.node}\\s`, 'm'));
    const page = await waitFor('the welcome page', async () => {
      const r = await fromMaster(web!.ip);
      return r.out.includes('Welcome to nginx!') ? r.out : undefined;
    }, 20_000);
    expect(page).toContain('X-Nanokube-Image: nginx:1.14');

    const podYaml = join(lab.tmp, 'pod.yaml');
    await writeFile(podYaml, `apiVersion: v1
kind: Pod
metadata:
  name: webserver
  labels:
    app: webserver
    tier: front
spec:
  containers:
  - name: nginx
    image: nginx:1.14
    ports:
    - containerPort: 80
`);
    expect(await lab.kubectl.ok(['apply', '-f', podYaml])).toBe('pod/webserver created\n');
    await waitFor('webserver Running', () => running('app=webserver,tier=front', 1), 90_000);

    expect(await lab.kubectl.ok(['exec', 'web', '--', 'sh', '-c', 'echo hi'])).toBe('hi\n');
    expect(await lab.kubectl.ok(['exec', '-i', 'webserver', '--', 'cat'], { stdin: 'typed into the pod\n' })).toBe('typed into the pod\n');
    const failed = await lab.kubectl.run(['exec', 'web', '--', 'sh', '-c', 'exit 3']);
    expect(failed.code).toBe(3);

    const logs = await waitFor('the access line', async () => {
      const out = await lab.kubectl.ok(['logs', 'web']);
      return /"GET \/ HTTP\/1\.[01]" 200/.test(out) ? out : undefined;
    }, 10_000);
    expect(logs).toContain('192.168.56.10 - -');

    expect(await lab.kubectl.ok(['delete', 'pod', 'web', '--timeout=60s'])).toBe('pod "web" deleted\n');
    for (let i = 0; i < 3; i++) {
      const r = await lab.kubectl.run(['get', 'pod', 'web']);
      expect(r.stderr).toContain('Error from server (NotFound): pods "web" not found');
      await sleep(1_000);
    }
    await lab.kubectl.ok(['delete', 'pod', 'webserver', '--wait=false']);
  }, 240_000);

  it('§3 heals a deployment: a deleted pod and a deleted replicaset come back; apply -f a folder', async () => {
    await lab.kubectl.ok(['create', 'deployment', 'webserver', '--image=nginx', '--replicas=2']);
    const two = await waitFor('2 webserver pods', () => running('app=webserver', 2), 90_000);
    expect((await lab.kubectl.ok(['get', 'deploy', '-l', 'app=webserver', '--no-headers'])).trim().split('\n')).toHaveLength(1);
    const rsLines = (await lab.kubectl.ok(['get', 'rs', '-l', 'app=webserver', '--no-headers'])).trim().split('\n');
    expect(rsLines).toHaveLength(1);
    expect(rsLines[0]).toMatch(/^webserver-[a-z0-9]+\s+2\s+2\s+2\s/);

    await lab.kubectl.ok(['delete', 'pod', two[0]!.name, '--wait=false']);
    const healed = await waitFor('a replacement pod', async () => {
      const ps = await running('app=webserver', 2);
      return ps && !ps.some((p) => p.name === two[0]!.name) ? ps : undefined;
    }, 90_000);
    expect(healed.map((p) => p.name)).toContain(two[1]!.name);

    const rsName = rsLines[0]!.split(/\s+/)[0]!;
    const rsUid = await field('rs', rsName, '.metadata.uid');
    await lab.kubectl.ok(['delete', 'rs', rsName, '--wait=false']);
    const newUid = await waitFor('the replicaset recreated', async () => {
      const uid = await field('rs', rsName, '.metadata.uid');
      return uid && uid !== rsUid ? uid : undefined;
    }, 60_000);
    expect(newUid).not.toBe(rsUid);
    await waitFor('2 webserver pods again', () => running('app=webserver', 2), 90_000);
    await lab.kubectl.ok(['delete', 'deployment', 'webserver', '--wait=false']);

    const folder = join(lab.tmp, 'manifests');
    await mkdir(folder);
    await writeFile(join(folder, 'deployment.yaml'), `apiVersion: apps/v1
kind: Deployment
metadata:
  name: folder-web
spec:
  replicas: 1
  selector:
    matchLabels: { app: folder-web }
  template:
    metadata:
      labels: { app: folder-web }
    spec:
      containers:
      - name: nginx
        image: nginx:1.14
`);
    await writeFile(join(folder, 'service.yaml'), `apiVersion: v1
kind: Service
metadata:
  name: folder-web
spec:
  selector: { app: folder-web }
  ports:
  - port: 80
    targetPort: 80
`);
    const applied = await lab.kubectl.ok(['apply', '-f', folder]);
    expect(applied).toBe('deployment.apps/folder-web created\nservice/folder-web created\n');
    await waitFor('folder-web Running', () => running('app=folder-web', 1), 90_000);
    const all = await lab.kubectl.ok(['get', 'all']);
    expect(all).toMatch(/^pod\/folder-web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s/m);
    expect(all).toMatch(/^service\/folder-web\s+ClusterIP\s+10\.(9[6-9]|10\d|11[01])\.\d+\.\d+\s+<none>\s+80\/TCP\s/m);
    expect(all).toMatch(/^deployment\.apps\/folder-web\s+1\/1\s+1\s+1\s/m);
    expect(all).toMatch(/^replicaset\.apps\/folder-web-[a-z0-9]+\s+1\s+1\s+1\s/m);
    await lab.kubectl.ok(['delete', '-f', folder, '--wait=false']);
  }, 300_000);

  it('§4 rolls nginx:1.14 to 1.16.0 gradually, keeps serving through a missing tag, shows history, undoes', async () => {
    await lab.kubectl.ok(['create', 'deployment', 'dpy-nginx', '--image=nginx:1.14', '--replicas=3']);
    await lab.kubectl.ok(['rollout', 'status', 'deployment/dpy-nginx', '--timeout=120s'], { timeoutMs: 130_000 });

    // Sample the replicasets while the rollout runs: ready pods never drop to 0, and old and new serve side by side.
    let sampling = true;
    const samples: { old: number; updated: number }[] = [];
    const sampler = (async () => {
      const deadline = Date.now() + 150_000;
      while (sampling && Date.now() < deadline) {
        const out = (await lab.kubectl.run(['get', 'rs', '-l', 'app=dpy-nginx', '-o', 'jsonpath={range .items[*]}{.spec.template.spec.containers[0].image}={.status.readyReplicas} {end}'])).stdout;
        const counts = new Map(out.trim().split(' ').filter(Boolean).map((kv) => [kv.split('=')[0]!, Number(kv.split('=')[1] || 0)] as const));
        if (counts.size > 0) samples.push({ old: counts.get('nginx:1.14') ?? 0, updated: counts.get('nginx:1.16.0') ?? 0 });
        await sleep(200);
      }
    })();
    await lab.kubectl.ok(['set', 'image', 'deployment', 'dpy-nginx', 'nginx=nginx:1.16.0', '--record']);
    const status = await lab.kubectl.ok(['rollout', 'status', 'deployment/dpy-nginx', '--timeout=150s'], { timeoutMs: 160_000 });
    sampling = false;
    await sampler;
    expect(status).toContain('deployment "dpy-nginx" successfully rolled out');
    console.log(`rolling update samples (old+new ready): ${samples.map((s) => `${s.old}+${s.updated}`).join(' ')}`);
    expect(Math.min(...samples.map((s) => s.old + s.updated))).toBeGreaterThanOrEqual(1);
    expect(samples.some((s) => s.old > 0 && s.updated > 0)).toBe(true);
    expect((await lab.kubectl.ok(['get', 'rs', '-l', 'app=dpy-nginx', '--no-headers'])).trim().split('\n')).toHaveLength(2);

    const updated = await waitFor('3 pods on nginx:1.16.0', async () => {
      const ps = await running('app=dpy-nginx', 3);
      return ps?.every((p) => p.image === 'nginx:1.16.0') ? ps : undefined;
    }, 60_000);
    const head = await fromMaster(updated[0]!.ip);
    expect(head.out).toMatch(/X-Nanokube-Image: nginx:1\.16\.0 \(alias of Debian nginx/);
    expect(head.out).toMatch(/Server: nginx\/\d+\.\d+\.\d+/);

    await lab.kubectl.ok(['set', 'image', 'deployment', 'dpy-nginx', 'nginx=nginx:1.17.23', '--record']);
    const broken = await waitFor('a pod failing to pull nginx:1.17.23', async () => {
      const out = await lab.kubectl.ok(['get', 'pods', '-l', 'app=dpy-nginx', '--no-headers']);
      return out.split('\n').find((l) => /\s(ErrImagePull|ImagePullBackOff)\s/.test(l));
    }, 90_000);
    expect(broken).toMatch(/^dpy-nginx-[a-z0-9]+-[a-z0-9]{5}\s+0\/1\s+(ErrImagePull|ImagePullBackOff)\s/);
    await sleep(3_000);
    const old = (await pods('app=dpy-nginx')).filter((p) => p.image === 'nginx:1.16.0' && p.phase === 'Running');
    expect(old.length).toBeGreaterThanOrEqual(2);
    for (const p of old) expect((await fromMaster(p.ip)).out).toContain('X-Nanokube-Image: nginx:1.16.0');

    // kubectl records its own argv, so the versioned binary name (kubectl.1.32) shows as upstream.
    const history = await lab.kubectl.ok(['rollout', 'history', 'deployment', 'dpy-nginx']);
    expect(history).toMatch(/^REVISION\s+CHANGE-CAUSE$/m);
    expect(history).toMatch(/^1\s+<none>$/m);
    expect(history).toMatch(/^2\s+kubectl(\.1\.\d+)? set image deployment dpy-nginx nginx=nginx:1\.16\.0 --record=true$/m);
    expect(history).toMatch(/^3\s+kubectl(\.1\.\d+)? set image deployment dpy-nginx nginx=nginx:1\.17\.23 --record=true$/m);

    expect(await lab.kubectl.ok(['rollout', 'undo', 'deployment', 'dpy-nginx', '--to-revision=2'])).toBe('deployment.apps/dpy-nginx rolled back\n');
    await lab.kubectl.ok(['rollout', 'status', 'deployment/dpy-nginx', '--timeout=90s'], { timeoutMs: 100_000 });
    const back = await waitFor('only nginx:1.16.0 pods', async () => {
      const ps = await pods('app=dpy-nginx');
      return ps.length === 3 && ps.every((p) => p.image === 'nginx:1.16.0' && p.phase === 'Running' && !p.deleting) ? ps : undefined;
    }, 60_000);
    expect(back).toHaveLength(3);
    expect(await lab.kubectl.ok(['rollout', 'history', 'deployment', 'dpy-nginx'])).toMatch(/^4\s+kubectl(\.1\.\d+)? set image deployment dpy-nginx nginx=nginx:1\.16\.0 --record=true$/m);
    await lab.kubectl.ok(['delete', 'deployment', 'dpy-nginx', '--wait=false']);
  }, 420_000);

  it('carries pod-to-pod traffic across nodes', async () => {
    const pod = (name: string, node: string, image: string, cmd: string) => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, labels: { app: xnode } }
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: ${image}
    imagePullPolicy: IfNotPresent
${cmd ? `    command: ${cmd}\n` : ''}`;
    await lab.kubectl.ok(['apply', '-f', '-'], { stdin: `${pod('client', 'worker01', 'busybox:latest', '["sleep", "3600"]')}---\n${pod('server', 'worker02', 'nginx:1.14', '')}` });
    await waitFor('client and server Running', () => running('app=xnode', 2), 90_000);
    const server = (await pods('app=xnode')).find((p) => p.name === 'server');
    expect(server?.node).toBe('worker02');
    const page = await waitFor('the page across nodes', async () => {
      const out = await lab.kubectl.ok(['exec', 'client', '--', 'timeout', '3', 'wget', '-q', '-O', '-', `http://${server!.ip}/`]);
      return out.includes('Welcome to nginx!') ? out : undefined;
    }, 20_000);
    expect(page).toContain('Welcome to nginx!');
    // The server saw the client's own pod IP (no NAT between pods).
    const clientIP = await field('pod', 'client', '.status.podIP');
    expect(await lab.kubectl.ok(['logs', 'server'])).toContain(`${clientIP} - -`);
    await lab.kubectl.ok(['delete', 'pod', 'client', 'server', '--wait=false']);
  }, 150_000);

  it('§6 keeps a deleted pod Terminating and serving while its kubelet is stopped; it goes when the kubelet starts', async () => {
    await lab.kubectl.ok(['create', 'deployment', 'term', '--image=nginx:1.14', '--replicas=1']);
    const [p] = await waitFor('term Running', () => running('app=term', 1), 90_000);
    const uid = await field('pod', p!.name, '.metadata.uid');
    await waitFor('term serving', async () => ((await fromMaster(p!.ip)).out.includes('Welcome to nginx!') ? true : undefined), 20_000);

    expect((await nanokube(['lab', 'stop', p!.node, 'kubelet', '--dir', lab.dir])).out).toContain(`${p!.node}/kubelet stopped`);
    try {
      await lab.kubectl.ok(['delete', 'deployment', 'term', '--wait=false']);
      await waitFor('the pod Terminating', async () => {
        const out = await lab.kubectl.ok(['get', 'pod', p!.name, '--no-headers']);
        return /\sTerminating\s/.test(out) ? out : undefined;
      }, 30_000);
      await sleep(8_000);
      expect(await lab.kubectl.ok(['get', 'pod', p!.name, '--no-headers'])).toMatch(new RegExp(`^${p!.name}\\s+1/1\\s+Terminating\\s`));
      expect((await fromMaster(p!.ip)).out).toContain('Welcome to nginx!');
      expect(existsSync(`/run/netns/nk-${uid}`)).toBe(true);
    } finally {
      expect((await nanokube(['lab', 'start', p!.node, 'kubelet', '--dir', lab.dir])).out).toContain(`${p!.node}/kubelet started`);
    }
    await waitFor('the pod gone', async () => {
      const r = await lab.kubectl.run(['get', 'pod', p!.name]);
      return r.stderr.includes('NotFound') ? true : undefined;
    }, 90_000);
    await waitFor('its network namespace gone', async () => (existsSync(`/run/netns/nk-${uid}`) ? undefined : true), 30_000);
    const runcRoot = join(lab.dir, p!.node, 'runc');
    const left = (await sh(['runc', '--root', runcRoot, 'list', '-q']).catch(() => '')).trim().split('\n').filter(Boolean);
    const ours = await Promise.all(left.map(async (id) => (await sh(['runc', '--root', runcRoot, 'state', id]).catch(() => '')).includes(uid)));
    expect(ours.filter(Boolean)).toEqual([]);
    expect((await fromMaster(p!.ip)).out).not.toContain('Welcome to nginx!');
  }, 240_000);

  it('§6 a node with its pod network down stops answering while the other nodes\' pods still answer', async () => {
    const pod = (node: string) => `apiVersion: v1
kind: Pod
metadata: { name: net-${node}, labels: { app: netbreak } }
spec:
  nodeName: ${node}
  terminationGracePeriodSeconds: 1
  containers:
  - name: nginx
    image: nginx:1.14
`;
    await lab.kubectl.ok(['apply', '-f', '-'], { stdin: ['worker01', 'worker02', 'worker03'].map(pod).join('---\n') });
    const ps = await waitFor('3 netbreak pods Running', () => running('app=netbreak', 3), 90_000);
    const answers = async () =>
      Object.fromEntries(await Promise.all(ps.map(async (p) => [p.node, (await fromMaster(p.ip)).out.includes('Welcome to nginx!')] as const)));
    await waitFor('all 3 answering', async () => (Object.values(await answers()).every(Boolean) ? true : undefined), 20_000);

    await sh(['ip', '-n', `${lab.prefix}worker03`, 'link', 'set', 'nk0', 'down']);
    try {
      expect(await answers()).toEqual({ worker01: true, worker02: true, worker03: false });
      // The rest of the cluster keeps working: the API answers and the node stays registered.
      expect(await lab.kubectl.ok(['get', 'pod', 'net-worker01', '--no-headers'])).toMatch(/\sRunning\s/);
    } finally {
      await sh(['ip', '-n', `${lab.prefix}worker03`, 'link', 'set', 'nk0', 'up']);
    }
    await waitFor('worker03 answering again', async () => ((await answers())['worker03'] ? true : undefined), 20_000);
    await lab.kubectl.ok(['delete', 'pod', '-l', 'app=netbreak', '--wait=false']);
  }, 180_000);
});
