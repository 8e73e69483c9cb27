/**
 * `nanokube lab up --provisioner vagrant-scripts`, as root on this machine: the lab's namespaces and
 * bridge, provisioned by the scripts `vagrant up` runs (deploy/provision/common.sh, master.sh, worker.sh)
 * with NANOKUBE_SYSTEMD=0, so the Vagrant lab's init/join path runs for real: 4 Ready nodes, workers
 * joined with the master's lab token, a pod on a worker (pulled through the lab's docker.io mirror, in the
 * node's cgroup parent) answers curl from the master, `lab stop|start` keep the scripts' pid files in
 * step, and `lab down` stops what the scripts started and leaves nothing behind.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';
import { canUseNetns, runSuffix, sh } from './netns.js';

const bin = fileURLToPath(new URL('../../packages/cli/bin/nanokube.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../packages/lab/dist/index.js', import.meta.url)));
const hostHasLabNet = /inet 192\.168\.56\./.test(await sh(['ip', '-o', '-4', 'addr']).catch(() => ''));
const enabled = built && hasKubectl() && !hostHasLabNet && (await canUseNetns());

/** nanokube runs the dev binary and resolves with its exit code and output (never rejects on exit codes). */
function nanokube(args: string[], timeoutMs = 60_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr });
    });
  });
}

/** alive says whether pid runs (a zombie waiting to be reaped does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    const v = await fn().catch((err: unknown) => ((last = err), undefined));
    if (v !== undefined) return v;
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

interface LabRecord {
  node: string;
  name: string;
  pid?: number;
  pidFile?: string;
}

describe.skipIf(!enabled)('nanokube lab up --provisioner vagrant-scripts', () => {
  const prefix = `nv${runSuffix().slice(0, 4)}-`;
  let tmp: string;
  let dir: string;
  let kubectl: Kubectl;
  let upOutput = '';
  const pids = new Set<number>();

  /** remember notes every pid the lab recorded and every pid file the scripts wrote. */
  const remember = async (): Promise<LabRecord[]> => {
    const comps = (JSON.parse(await readFile(join(dir, 'lab.json'), 'utf8')) as { components: LabRecord[] }).components;
    for (const c of comps) if (c.pid) pids.add(c.pid);
    for (const node of ['master', 'worker01', 'worker02', 'worker03']) {
      const run = join(dir, node, 'state', 'run');
      for (const f of existsSync(run) ? readdirSync(run) : []) pids.add(Number(readFileSync(join(run, f), 'utf8')));
    }
    return comps;
  };

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nk-labprov-'));
    dir = join(tmp, 'lab');
    kubectl = new Kubectl(join(tmp, 'kubeconfig'));
    const up = await nanokube(['lab', 'up', '--provisioner', 'vagrant-scripts', '--dir', dir, '--prefix', prefix, '--kubeconfig', kubectl.kubeconfig, '--timeout', '150'], 240_000);
    upOutput = up.out;
    if (existsSync(join(dir, 'lab.json'))) await remember();
    if (up.code !== 0) throw new Error(`lab up exited ${up.code}:\n${up.out}`);
  }, 260_000);

  afterAll(async () => {
    if (dir) await nanokube(['lab', 'down', '--dir', dir], 120_000);
    if (tmp) await rm(tmp, { recursive: true, force: true });
    if (kubectl) await rm(kubectl.home, { recursive: true, force: true });
  }, 150_000);

  it('ran the Vagrant scripts in the nodes and brought 4 Ready nodes, the workers joined with the lab token', async () => {
    expect(upOutput).toContain('[nanokube master] init: writing certificates and kubeconfigs to');
    expect(upOutput).toMatch(/\[nanokube master\] token: created [a-z0-9]{6}\.\*\*\*\* \(never expires\)/);
    for (const w of ['worker01', 'worker02', 'worker03']) {
      expect(upOutput).toContain(`[nanokube ${w}] join: joining 192.168.56.10:6443 as ${w}`);
      expect(upOutput).toContain(`[${w}] provisioned by common.sh and worker.sh`);
    }
    const rows = (await kubectl.ok(['get', 'nodes', '-o', 'wide', '--no-headers'])).trim().split('\n').map((l) => l.split(/\s+/));
    expect(rows.map((r) => [r[0], r[1], r[5]])).toEqual([
      ['master', 'Ready', '192.168.56.10'],
      ['worker01', 'Ready', '192.168.56.101'],
      ['worker02', 'Ready', '192.168.56.102'],
      ['worker03', 'Ready', '192.168.56.103'],
    ]);
    const token = /^NANOKUBE_TOKEN=([a-z0-9]{6})\./m.exec(await readFile(join(dir, 'share', 'join.env'), 'utf8'))?.[1];
    const requestors = (await kubectl.ok(['get', 'csr', '-o', 'jsonpath={range .items[?(@.spec.signerName=="kubernetes.io/kube-apiserver-client-kubelet")]}{.spec.username}{"\\n"}{end}']))
      .trim().split('\n');
    expect(requestors).toEqual([1, 2, 3].map(() => `system:bootstrap:${token}`));

    // The lab knows every component the scripts started, by its pid file.
    const status = await nanokube(['lab', 'status', '--dir', dir]);
    expect(status.out).toContain('provisioned by deploy/provision (vagrant-scripts)');
    for (const c of ['store', 'apiserver', 'controller-manager', 'scheduler', 'kubelet', 'proxy']) expect(status.out).toMatch(new RegExp(`^master\\s.*\\s${c}\\s+running\\s+\\d+$`, 'm'));
    expect(status.out).not.toMatch(/stopped/);
    const comps = await remember();
    const kubelet = comps.find((c) => c.node === 'worker02' && c.name === 'kubelet');
    expect(kubelet?.pidFile).toBe(join(dir, 'worker02', 'state', 'run', 'kubelet.pid'));
    expect(Number(await readFile(kubelet?.pidFile ?? '', 'utf8'))).toBe(kubelet?.pid);
  });

  it("runs a pod on a worker, pulled through the lab's mirror into the node's cgroup, that answers curl from the master", async () => {
    await kubectl.ok(['run', 'web', '--image=nginx', '--port', '80']);
    const [ip, node] = await waitFor('web Running', async () => {
      const [phase, podIP, nodeName] = (await kubectl.ok(['get', 'pod', 'web', '-o', 'jsonpath={.status.phase} {.status.podIP} {.spec.nodeName}'])).trim().split(' ');
      return phase === 'Running' && podIP ? [podIP, nodeName ?? ''] : undefined;
    }, 90_000);
    expect(node).toMatch(/^worker0[1-3]$/);
    expect(ip).toMatch(/^10\.244\.\d+\.\d+$/);
    const cgroup = `nanokube-lab-${prefix}${node}`;
    expect(existsSync(`/sys/fs/cgroup/${cgroup}`) || existsSync(`/sys/fs/cgroup/memory/${cgroup}`), cgroup).toBe(true);
    const page = await waitFor('the welcome page', async () => {
      const r = await nanokube(['lab', 'ssh', 'master', '--dir', dir, '--', 'curl', '-sS', '-m', '4', `http://${ip}/`], 20_000);
      return r.out.includes('Welcome to nginx!') ? r.out : undefined;
    }, 30_000);
    expect(page).toContain('<title>Welcome to nginx!</title>');
    const events = await kubectl.ok(['get', 'events', '--field-selector', 'involvedObject.name=web', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
    expect(events).toMatch(/^Pulled$/m);
  }, 150_000);

  it("keeps the scripts' pid file in step when a component is stopped and started", async () => {
    const pidFile = join(dir, 'worker01', 'state', 'run', 'proxy.pid');
    expect((await nanokube(['lab', 'stop', 'worker01', 'proxy', '--dir', dir])).out).toContain('worker01/proxy stopped');
    expect(existsSync(pidFile)).toBe(false);
    const started = await nanokube(['lab', 'start', 'worker01', 'proxy', '--dir', dir]);
    const pid = Number(/\(pid (\d+),/.exec(started.out)?.[1]);
    expect(alive(pid), started.out).toBe(true);
    expect(Number(await readFile(pidFile, 'utf8'))).toBe(pid);
    await remember();
  }, 60_000);

  it('lab down stops what the scripts started and leaves no namespace, link, chain, cgroup, process or folder', async () => {
    await remember();
    expect(pids.size).toBeGreaterThanOrEqual(14);
    const down = await nanokube(['lab', 'down', '--dir', dir], 120_000);
    expect(down.code, down.out).toBe(0);
    expect(down.out).toContain('lab removed');
    expect((await sh(['ip', 'netns', 'list'])).split('\n').filter((l) => l.startsWith(prefix))).toEqual([]);
    expect((await sh(['ip', '-o', 'link', 'show'])).split('\n').filter((l) => l.includes(prefix.slice(0, -1)))).toEqual([]);
    expect(await sh(['iptables', '-S'])).not.toContain(`${prefix.slice(0, -1).toUpperCase()}-LAB-FWD`);
    expect([...pids].filter(alive)).toEqual([]);
    for (const n of ['master', 'worker01', 'worker02', 'worker03']) {
      const cgroup = `nanokube-lab-${prefix}${n}`;
      expect(existsSync(`/sys/fs/cgroup/${cgroup}`) || existsSync(`/sys/fs/cgroup/memory/${cgroup}`), cgroup).toBe(false);
    }
    expect(existsSync(dir)).toBe(false);
    expect(await kubectl.run(['config', 'get-contexts', 'nanokube-lab'])).toMatchObject({ code: 1 });
  }, 150_000);
});
