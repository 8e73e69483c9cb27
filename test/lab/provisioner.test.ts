/**
 * `nanokube lab up --provisioner vagrant-scripts`, as root on this machine: the lab's namespaces and
 * bridge, provisioned by the scripts `vagrant up` runs (deploy/provision/common.sh, master.sh, worker.sh)
 * with NANOKUBE_SYSTEMD=0, so the Vagrant lab's init/join path runs for real: 4 Ready nodes, workers
 * joined with the master's lab token, a pod on a worker (pulled through the lab's docker.io mirror, in the
 * node's cgroup parent) answers curl from the master, `lab stop|start` keep the scripts' pid files in
 * step, and `lab down` stops what the scripts started and leaves nothing behind.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alive, canRunLab, labLeftovers, nanokube, useLab, waitFor } from './fixture.js';

const enabled = await canRunLab();

interface LabRecord {
  node: string;
  name: string;
  pid?: number;
  pidFile?: string;
}

describe.skipIf(!enabled)('nanokube lab up --provisioner vagrant-scripts', () => {
  const pids = new Set<number>();

  /** remember notes every pid the lab recorded and every pid file the scripts wrote. */
  const remember = async (): Promise<LabRecord[]> => {
    const comps = (JSON.parse(await readFile(join(lab.dir, 'lab.json'), 'utf8')) as { components: LabRecord[] }).components;
    for (const c of comps) if (c.pid) pids.add(c.pid);
    for (const node of ['master', 'worker01', 'worker02', 'worker03']) {
      const run = join(lab.dir, node, 'state', 'run');
      for (const f of existsSync(run) ? readdirSync(run) : []) pids.add(Number(readFileSync(join(run, f), 'utf8')));
    }
    return comps;
  };
  const lab = useLab({
    tag: 'nv',
    flags: ['--provisioner', 'vagrant-scripts'],
    afterUp: async () => {
      if (existsSync(join(lab.dir, 'lab.json'))) await remember();
    },
  });

  it('ran the Vagrant scripts in the nodes and brought 4 Ready nodes, the workers joined with the lab token', async () => {
    expect(lab.upOutput).toContain('[nanokube master] init: writing certificates and kubeconfigs to');
    expect(lab.upOutput).toMatch(/\[nanokube master\] token: created [a-z0-9]{6}\.\*\*\*\* \(never expires\)/);
    for (const w of ['worker01', 'worker02', 'worker03']) {
      expect(lab.upOutput).toContain(`[nanokube ${w}] join: joining 192.168.56.10:6443 as ${w}`);
      expect(lab.upOutput).toContain(`[${w}] provisioned by common.sh and worker.sh`);
    }
    const rows = (await lab.kubectl.ok(['get', 'nodes', '-o', 'wide', '--no-headers'])).trim().split('\n').map((l) => l.split(/\s+/));
    expect(rows.map((r) => [r[0], r[1], r[5]])).toEqual([
      ['master', 'Ready', '192.168.56.10'],
      ['worker01', 'Ready', '192.168.56.101'],
      ['worker02', 'Ready', '192.168.56.102'],
      ['worker03', 'Ready', '192.168.56.103'],
    ]);
    const token = /^NANOKUBE_TOKEN=([a-z0-9]{6})\./m.exec(await readFile(join(lab.dir, 'share', 'join.env'), 'utf8'))?.[1];
    const requestors = (await lab.kubectl.ok(['get', 'csr', '-o', 'jsonpath={range .items[?(@.spec.signerName=="kubernetes.io/kube-apiserver-client-kubelet")]}{.spec.username}{"\\n"}{end}']))
      .trim().split('\n');
    expect(requestors).toEqual([1, 2, 3].map(() => `system:bootstrap:${token}`));

    // The lab knows every component the scripts started, by its pid file.
    const status = await nanokube(['lab', 'status', '--dir', lab.dir]);
    expect(status.out).toContain('provisioned by deploy/provision (vagrant-scripts)');
    for (const c of ['store', 'apiserver', 'controller-manager', 'scheduler', 'kubelet', 'proxy']) expect(status.out).toMatch(new RegExp(`^master\\s.*\\s${c}\\s+running\\s+\\d+$`, 'm'));
    expect(status.out).not.toMatch(/stopped/);
    const comps = await remember();
    const kubelet = comps.find((c) => c.node === 'worker02' && c.name === 'kubelet');
    expect(kubelet?.pidFile).toBe(join(lab.dir, 'worker02', 'state', 'run', 'kubelet.pid'));
    expect(Number(await readFile(kubelet?.pidFile ?? '', 'utf8'))).toBe(kubelet?.pid);
  });

  it("runs a pod on a worker, pulled through the lab's mirror into the node's cgroup, that answers curl from the master", async () => {
    await lab.kubectl.ok(['run', 'web', '--image=nginx', '--port', '80']);
    const [ip, node] = await waitFor('web Running', async () => {
      const [phase, podIP, nodeName] = (await lab.kubectl.ok(['get', 'pod', 'web', '-o', 'jsonpath={.status.phase} {.status.podIP} {.spec.nodeName}'])).trim().split(' ');
      return phase === 'Running' && podIP ? [podIP, nodeName ?? ''] : undefined;
    }, 90_000);
    expect(node).toMatch(/^worker0[1-3]$/);
    expect(ip).toMatch(/^10\.244\.\d+\.\d+$/);
    const cgroup = `nanokube-lab-${lab.prefix}${node}`;
    expect(existsSync(`/sys/fs/cgroup/${cgroup}`) || existsSync(`/sys/fs/cgroup/memory/${cgroup}`), cgroup).toBe(true);
    const page = await waitFor('the welcome page', async () => {
      const r = await nanokube(['lab', 'ssh', 'master', '--dir', lab.dir, '--', 'curl', '-sS', '-m', '4', `http://${ip}/`], 20_000);
      return r.out.includes('Welcome to nginx!') ? r.out : undefined;
    }, 30_000);
    expect(page).toContain('<title>Welcome to nginx!</title>');
    const events = await lab.kubectl.ok(['get', 'events', '--field-selector', 'involvedObject.name=web', '-o', 'jsonpath={range .items[*]}{.reason}{"\\n"}{end}']);
    expect(events).toMatch(/^Pulled$/m);
  }, 150_000);

  it("keeps the scripts' pid file in step when a component is stopped and started", async () => {
    const pidFile = join(lab.dir, 'worker01', 'state', 'run', 'proxy.pid');
    expect((await nanokube(['lab', 'stop', 'worker01', 'proxy', '--dir', lab.dir])).out).toContain('worker01/proxy stopped');
    expect(existsSync(pidFile)).toBe(false);
    const started = await nanokube(['lab', 'start', 'worker01', 'proxy', '--dir', lab.dir]);
    const pid = Number(/\(pid (\d+),/.exec(started.out)?.[1]);
    expect(alive(pid), started.out).toBe(true);
    expect(Number(await readFile(pidFile, 'utf8'))).toBe(pid);
    await remember();
  }, 60_000);

  it('lab down stops what the scripts started and leaves no namespace, link, chain, cgroup, process or folder', async () => {
    await remember();
    expect(pids.size).toBeGreaterThanOrEqual(14);
    const down = await nanokube(['lab', 'down', '--dir', lab.dir], 120_000);
    expect(down.code, down.out).toBe(0);
    expect(down.out).toContain('lab removed');
    expect(await labLeftovers(lab.prefix)).toEqual([]);
    expect([...pids].filter(alive)).toEqual([]);
    for (const n of ['master', 'worker01', 'worker02', 'worker03']) {
      const cgroup = `nanokube-lab-${lab.prefix}${n}`;
      expect(existsSync(`/sys/fs/cgroup/${cgroup}`) || existsSync(`/sys/fs/cgroup/memory/${cgroup}`), cgroup).toBe(false);
    }
    expect(existsSync(lab.dir)).toBe(false);
    expect(await lab.kubectl.run(['config', 'get-contexts', 'nanokube-lab'])).toMatchObject({ code: 1 });
  }, 150_000);
});
