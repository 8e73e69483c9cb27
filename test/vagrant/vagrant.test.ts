// The Vagrant path, checked without VirtualBox: the node table (nodes.json, nodes.rb, and Vagrant's own
// reading of the Vagrantfile), `vagrant validate`, shellcheck on every script, `systemd-analyze verify` on
// every unit, the unit command lines against the CLI's flags, and the provisioning library's idempotent
// steps. Missing tools are installed with apt (as root); a check skips, saying why, only when its tool
// cannot be installed.
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const vagrantDir = join(repo, 'vagrant');
const unitsDir = join(repo, 'deploy/systemd');
const provisionDir = join(repo, 'deploy/provision');
const cli = join(repo, 'packages/cli/bin/nanokube.js');
const components = ['store', 'apiserver', 'controller-manager', 'scheduler', 'kubelet', 'proxy', 'dns'];

interface LabNode {
  name: string;
  role: 'control-plane' | 'worker';
  ip: string;
  cpus: number;
  memory: number;
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, {
    encoding: 'utf8',
    cwd: opts.cwd ?? repo,
    env: opts.env ?? process.env,
    timeout: opts.timeoutMs ?? 60_000,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
}

/**
 * runAsync is run() without blocking the test worker: a provisioning run takes most of a minute, and a
 * worker whose event loop is blocked that long misses vitest's RPC deadline.
 */
function runAsync(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: repo, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

const has = (tool: string): boolean => run('sh', ['-c', `command -v ${tool}`]).status === 0;

/** tools[name] is undefined when available, else the reason it is not. */
const missing: Record<string, string | undefined> = {};

/** ensureTool installs the Debian package holding a missing tool (root only), retrying on the dpkg lock. */
function ensureTool(tool: string, pkg: string): void {
  if (has(tool)) return;
  if (process.getuid?.() !== 0) {
    missing[tool] = `${tool} is not installed and this test is not root (apt-get install ${pkg})`;
    return;
  }
  const policy = run('apt-cache', ['policy', pkg]);
  if (policy.status !== 0 || !/Candidate: \d/.test(policy.stdout)) {
    missing[tool] = `apt has no candidate for ${pkg}`;
    return;
  }
  for (let attempt = 0; attempt < 6 && !has(tool); attempt++) {
    const res = run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeoutMs: 240_000,
    });
    if (res.status === 0) break;
    if (!/lock/i.test(res.stderr)) {
      missing[tool] = `apt-get install ${pkg} failed: ${res.stderr.trim().split('\n').pop() ?? ''}`;
      return;
    }
    spawnSync('sleep', ['20']);
  }
  if (!has(tool)) missing[tool] = missing[tool] ?? `could not install ${pkg}`;
}

function need(ctx: TestContext, ...tools: string[]): void {
  for (const t of tools) {
    const why = missing[t];
    if (why) {
      console.warn(`skipped "${ctx.task.name}": ${why}`);
      ctx.skip();
    }
  }
}

/** expectedNodes computes the node table from nodes.json as nodes.rb documents it. */
function expectedNodes(env: Record<string, string> = {}): LabNode[] {
  const table = JSON.parse(readFileSync(join(vagrantDir, 'nodes.json'), 'utf8')) as {
    master: { name: string; ip: string; cpus: number; memory: number };
    workers: { count: number; namePrefix: string; firstIp: string; cpus: number; memory: number };
    env: Record<string, string>;
  };
  const pick = (key: string, dflt: string | number): string => env[table.env[key] ?? ''] ?? String(dflt);
  const first = pick('workerFirstIp', table.workers.firstIp).split('.').map(Number);
  const nodes: LabNode[] = [{
    name: table.master.name,
    role: 'control-plane',
    ip: pick('masterIp', table.master.ip),
    cpus: Number(pick('masterCpus', table.master.cpus)),
    memory: Number(pick('masterMemory', table.master.memory)),
  }];
  for (let i = 1; i <= Number(pick('workers', table.workers.count)); i++) {
    nodes.push({
      name: `${table.workers.namePrefix}${String(i).padStart(2, '0')}`,
      role: 'worker',
      ip: [...first.slice(0, 3), (first[3] ?? 0) + i - 1].join('.'),
      cpus: Number(pick('workerCpus', table.workers.cpus)),
      memory: Number(pick('workerMemory', table.workers.memory)),
    });
  }
  return nodes;
}

function listFiles(dir: string, suffix: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '.vagrant') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p, suffix));
    else if (e.name.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}

/** bashLib runs a snippet with deploy/provision/lib.sh sourced. */
function bashLib(snippet: string, env: Record<string, string>): SpawnSyncReturns<string> {
  return run('bash', ['-c', `. ${join(provisionDir, 'lib.sh')}\n${snippet}`], { env: { ...process.env, ...env } });
}

let work = '';

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'nk-vagrant-test-'));
  const started = Date.now();
  ensureTool('shellcheck', 'shellcheck');
  ensureTool('systemd-analyze', 'systemd');
  // Debian's vagrant pulls ruby with it (about 15 s here).
  ensureTool('vagrant', 'vagrant');
  ensureTool('ruby', 'ruby');
  const secs = Math.round((Date.now() - started) / 1000);
  if (secs > 5) console.info(`tool setup took ${secs}s`);
}, 600_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the node table', () => {
  it('defaults to 1 master (2 vCPU, 2 GiB) + 3 workers (1 vCPU, 1.5 GiB) on 192.168.56.0/24', () => {
    expect(expectedNodes()).toEqual([
      { name: 'master', role: 'control-plane', ip: '192.168.56.10', cpus: 2, memory: 2048 },
      { name: 'worker01', role: 'worker', ip: '192.168.56.101', cpus: 1, memory: 1536 },
      { name: 'worker02', role: 'worker', ip: '192.168.56.102', cpus: 1, memory: 1536 },
      { name: 'worker03', role: 'worker', ip: '192.168.56.103', cpus: 1, memory: 1536 },
    ]);
    const box = (JSON.parse(readFileSync(join(vagrantDir, 'nodes.json'), 'utf8')) as { box: string }).box;
    expect(box).toMatch(/debian-12|bookworm|ubuntu-22\.04|jammy/);
  });

  it('nodes.rb builds the same table, with environment overrides and /etc/hosts entries', (ctx) => {
    need(ctx, 'ruby');
    const lab = (env: Record<string, string>) => {
      const res = run('ruby', [join(vagrantDir, 'nodes.rb')], { env: { PATH: process.env.PATH ?? '', ...env } });
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
      return JSON.parse(res.stdout) as { box: string; nodes: LabNode[]; hosts: string; warnings: string[] };
    };
    const dflt = lab({});
    expect(dflt.nodes).toEqual(expectedNodes());
    expect(dflt.hosts).toBe('192.168.56.10=master,192.168.56.101=worker01,192.168.56.102=worker02,192.168.56.103=worker03');
    expect(dflt.warnings).toEqual([]);

    const env = {
      NANOKUBE_BOX: 'bento/ubuntu-22.04',
      NANOKUBE_WORKERS: '5',
      NANOKUBE_MASTER_IP: '192.168.57.2',
      NANOKUBE_WORKER_IP_START: '192.168.57.20',
      NANOKUBE_MASTER_MEMORY: '4096',
      NANOKUBE_WORKER_CPUS: '2',
    };
    const custom = lab(env);
    expect(custom.box).toBe('bento/ubuntu-22.04');
    expect(custom.nodes).toEqual(expectedNodes(env));
    expect(custom.nodes.map((n) => n.name)).toEqual(['master', 'worker01', 'worker02', 'worker03', 'worker04', 'worker05']);
    expect(custom.nodes[5]?.ip).toBe('192.168.57.24');

    // Outside VirtualBox's default host-only range: allowed, with a warning naming the fix.
    expect(lab({ NANOKUBE_MASTER_IP: '192.168.1.10', NANOKUBE_WORKERS: '0' }).warnings.join()).toMatch(/networks\.conf/);
  });

  it('nodes.rb rejects bad overrides with a message naming the variable', (ctx) => {
    need(ctx, 'ruby');
    for (const [name, value, msg] of [
      ['NANOKUBE_WORKERS', 'three', /NANOKUBE_WORKERS=three: expected a whole number/],
      ['NANOKUBE_MASTER_IP', '192.168.56', /NANOKUBE_MASTER_IP=192\.168\.56: expected an IPv4 address/],
      ['NANOKUBE_MASTER_IP', '192.168.56.102', /two nodes would get 192\.168\.56\.102/],
    ] as const) {
      const res = run('ruby', [join(vagrantDir, 'nodes.rb')], { env: { PATH: process.env.PATH ?? '', [name]: value } });
      expect(res.status, `${name}=${value}`).toBe(2);
      expect(res.stderr).toMatch(msg);
    }
  });
});

describe('vagrant', () => {
  const vagrantEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    VAGRANT_HOME: join(work, 'vagrant-home'),
    VAGRANT_DOTFILE_PATH: join(work, 'vagrant-dot'),
    VAGRANT_CHECKPOINT_DISABLE: '1',
    ...extra,
  });
  // Machines Vagrant itself read from the Vagrantfile: validate prints one line per machine.
  const machines = (out: string): string[] => [...out.matchAll(/^==> (\S+): Ignoring provider config/gm)].map((m) => m[1] ?? '');

  it('validates the Vagrantfile and defines one machine per node', (ctx) => {
    need(ctx, 'vagrant');
    // There is no VirtualBox here: -p checks everything but the provider block.
    const res = run('vagrant', ['validate', '-p'], { cwd: vagrantDir, env: vagrantEnv(), timeoutMs: 180_000 });
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('Vagrantfile validated successfully.');
    expect(res.status).toBe(0);
    expect(machines(res.stdout)).toEqual(expectedNodes().map((n) => n.name));
  }, 200_000);

  it('follows NANOKUBE_WORKERS and refuses a bad node table', (ctx) => {
    need(ctx, 'vagrant');
    const one = run('vagrant', ['validate', '-p'], { cwd: vagrantDir, env: vagrantEnv({ NANOKUBE_WORKERS: '1' }), timeoutMs: 180_000 });
    expect(one.status).toBe(0);
    expect(machines(one.stdout)).toEqual(['master', 'worker01']);
    const bad = run('vagrant', ['validate', '-p'], { cwd: vagrantDir, env: vagrantEnv({ NANOKUBE_WORKERS: 'lots' }), timeoutMs: 180_000 });
    expect(bad.status).not.toBe(0);
    expect(bad.stdout + bad.stderr).toContain('NANOKUBE_WORKERS=lots');
  }, 400_000);
});

describe('shell scripts', () => {
  it('pass shellcheck (every *.sh under vagrant/ and deploy/)', (ctx) => {
    need(ctx, 'shellcheck');
    const scripts = [...listFiles(vagrantDir, '.sh'), ...listFiles(join(repo, 'deploy'), '.sh')];
    expect(scripts.map((s) => relative(repo, s))).toEqual(expect.arrayContaining([
      'deploy/provision/common.sh', 'deploy/provision/lib.sh', 'deploy/provision/master.sh', 'deploy/provision/worker.sh',
    ]));
    const res = run('shellcheck', scripts, { timeoutMs: 120_000 });
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  }, 130_000);

  it('document their parameters at the top and are executable', () => {
    for (const name of ['common.sh', 'master.sh', 'worker.sh', 'service.sh', 'uninstall.sh']) {
      const path = join(provisionDir, name);
      expect(statSync(path).mode & 0o111, name).not.toBe(0);
      const head = readFileSync(path, 'utf8').split('\n').slice(0, 40).join('\n');
      expect(head, name).toMatch(/Parameters/);
    }
  });
});

describe('systemd units', () => {
  const unitFiles = (): string[] => components.map((c) => join(unitsDir, `nanokube-${c}.service`));

  it('exist for every component, restart always, and order after what they need', () => {
    for (const f of unitFiles()) {
      const text = readFileSync(f, 'utf8');
      expect(text, f).toMatch(/^Restart=always$/m);
      expect(text, f).toMatch(/^WantedBy=multi-user\.target$/m);
      expect(text, f).toMatch(/^ExecStart=\/usr\/local\/bin\/nanokube /m);
      expect(text, f).not.toMatch(/^Standard(Output|Error)=(?!journal)/m);
    }
    const unit = (c: string) => readFileSync(join(unitsDir, `nanokube-${c}.service`), 'utf8');
    expect(unit('apiserver')).toMatch(/^After=.*nanokube-store\.service/m);
    expect(unit('apiserver')).toMatch(/^Wants=.*nanokube-store\.service/m);
    for (const c of ['controller-manager', 'scheduler', 'dns']) {
      expect(unit(c)).toMatch(/^After=.*nanokube-apiserver\.service/m);
      expect(unit(c)).toMatch(/^Wants=.*nanokube-apiserver\.service/m);
    }
    expect(unit('kubelet')).toMatch(/^Alias=kubelet\.service$/m);
    expect(unit('kubelet')).toMatch(/--node-ip \$\{NANOKUBE_NODE_IP\}/);
  });

  it('pass systemd-analyze verify', (ctx) => {
    need(ctx, 'systemd-analyze');
    // verify checks that ExecStart's binary exists: a root folder with the system's units and a stub
    // /usr/local/bin/nanokube stands in for a provisioned node.
    const root = join(work, 'verify-root');
    mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
    cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
    mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
    writeFileSync(join(root, 'usr/local/bin/nanokube'), '#!/bin/sh\n', { mode: 0o755 });
    mkdirSync(join(root, 'etc/systemd/system'), { recursive: true });
    for (const f of unitFiles()) cpSync(f, join(root, 'etc/systemd/system', f.slice(unitsDir.length + 1)));
    const names = components.map((c) => `nanokube-${c}.service`);
    const res = run('systemd-analyze', ['verify', `--root=${root}`, '--man=no', ...names]);
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);

    // The same check fails on a broken unit: it is not a rubber stamp.
    writeFileSync(join(root, 'etc/systemd/system/nanokube-broken.service'), '[Service]\nExecStart=/usr/local/bin/missing\n');
    expect(run('systemd-analyze', ['verify', `--root=${root}`, '--man=no', 'nanokube-broken.service']).status).not.toBe(0);
  });

  it('pass only flags the nanokube CLI has', (ctx) => {
    if (!existsSync(join(repo, 'packages/cli/dist/main.js'))) {
      console.warn('skipped: the CLI is not built (npm run build)');
      ctx.skip();
    }
    const absent: string[] = [];
    for (const c of components) {
      const help = run(process.execPath, [cli, c, '--help']);
      if (help.status !== 0) {
        absent.push(c);
        continue;
      }
      const known = new Set([...help.stdout.matchAll(/--([a-z0-9-]+)/g)].map((m) => m[1]));
      const res = bashLib(`nk_unit_command ${c}`, { NANOKUBE_ENV_FILE: '/nonexistent' });
      expect(res.status, res.stderr).toBe(0);
      const used = res.stdout.split('\n').filter((w) => w.startsWith('--')).map((w) => w.slice(2).split('=')[0]);
      for (const flag of used) expect(known.has(flag), `nanokube ${c} --${flag}`).toBe(true);
    }
    if (absent.length) console.warn(`this build has no verb for: ${absent.join(', ')} (their units are not checked against a CLI)`);
    expect(absent).not.toContain('kubelet');
  });
});

describe('provisioning library', () => {
  it('runs the units\' command lines without systemd, with the node\'s folders and settings', () => {
    const dir = join(work, 'cmd');
    const env = {
      NANOKUBE_NODE_NAME: 'master',
      NANOKUBE_NODE_IP: '192.168.56.10',
      NANOKUBE_ENV_FILE: join(dir, 'nanokube.env'),
      NANOKUBE_CONF_DIR: join(dir, 'etc'),
      NANOKUBE_STATE_DIR: join(dir, 'state'),
      NANOKUBE_KUBELET_EXTRA_ARGS: '--max-pods 50',
    };
    const first = bashLib('write_env_file master && echo changed || echo unchanged; write_env_file master && echo changed || echo unchanged', env);
    expect(first.stdout).toBe('changed\nunchanged\n');
    const kubelet = bashLib('nk_unit_command kubelet', env);
    expect(kubelet.stdout.trim().split('\n')).toEqual([
      'kubelet', '--runtime', 'runc', '--kubeconfig', join(dir, 'etc/kubelet.conf'),
      '--node-name', 'master', '--node-ip', '192.168.56.10', '--rotate-server-certificates',
      '--register-with-taints', 'node-role.kubernetes.io/control-plane=:NoSchedule', '--node-labels', 'node-role.kubernetes.io/control-plane=',
      '--max-pods', '50',
    ]);
    const store = bashLib('nk_unit_command store', env);
    expect(store.stdout.trim().split('\n')).toEqual(['store', '--data-dir', join(dir, 'state/store'), '--listen-client-urls', 'http://127.0.0.1:2379']);

    const worker = bashLib('write_env_file worker >/dev/null; nk_unit_command kubelet', { ...env, NANOKUBE_NODE_NAME: 'worker02', NANOKUBE_NODE_IP: '192.168.56.102', NANOKUBE_KUBELET_EXTRA_ARGS: '', NANOKUBE_RUNTIME: 'simulated' });
    expect(worker.stdout.trim().split('\n')).toEqual([
      'kubelet', '--runtime', 'simulated', '--kubeconfig', join(dir, 'etc/kubelet.conf'), '--node-name', 'worker02', '--node-ip', '192.168.56.102',
      '--rotate-server-certificates',
    ]);
  });

  it('writes /etc/hosts entries once, dropping the loopback alias of the node name', () => {
    const hosts = join(work, 'hosts');
    const original = '127.0.0.1\tlocalhost\n127.0.1.1 master master\n::1 localhost ip6-localhost\n';
    writeFileSync(hosts, original);
    const env = {
      NANOKUBE_NODE_NAME: 'master',
      NANOKUBE_HOSTS_FILE: hosts,
      NANOKUBE_HOSTS: '192.168.56.10=master,192.168.56.101=worker01',
    };
    const first = bashLib('ensure_hosts', env);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain('hosts: updated');
    const written = readFileSync(hosts, 'utf8');
    expect(written).toBe('127.0.0.1\tlocalhost\n::1 localhost ip6-localhost\n# BEGIN nanokube nodes\n192.168.56.10 master\n192.168.56.101 worker01\n# END nanokube nodes\n');
    const second = bashLib('ensure_hosts', env);
    expect(second.stderr).toContain('unchanged');
    expect(readFileSync(hosts, 'utf8')).toBe(written);
    // A changed table replaces the block instead of adding a second one.
    bashLib('ensure_hosts', { ...env, NANOKUBE_HOSTS: '192.168.56.10=master' });
    expect(readFileSync(hosts, 'utf8').match(/BEGIN nanokube nodes/g)).toHaveLength(1);
    expect(readFileSync(hosts, 'utf8')).not.toContain('worker01');
  });

  it('refuses a missing node IP and the VirtualBox NAT address', () => {
    const none = bashLib('nk_check_node_ip', { NANOKUBE_NODE_IP: '' });
    expect(none.status).not.toBe(0);
    expect(none.stderr).toMatch(/NANOKUBE_NODE_IP is not set/);
    const nat = bashLib('nk_check_node_ip', { NANOKUBE_NODE_IP: '10.0.2.15' });
    expect(nat.status).not.toBe(0);
    expect(nat.stderr).toMatch(/10\.0\.2\.15, the VirtualBox NAT address/);
    const foreign = bashLib('nk_check_node_ip', { NANOKUBE_NODE_IP: '192.0.2.77' });
    expect(foreign.status).not.toBe(0);
    expect(foreign.stderr).toMatch(/not an address of this machine/);
    expect(bashLib('nk_check_node_ip', { NANOKUBE_NODE_IP: '127.0.0.1' }).status).toBe(0);
  });
});

// master.sh for real, twice, in a private network namespace with the node IP 192.168.56.10 on a veth:
// NANOKUBE_SYSTEMD=0 (the lab's mode), the simulated runtime, every folder under a temp dir. The second run
// must change nothing: same processes, same files.
describe('master.sh in a network namespace', () => {
  const canRun = process.getuid?.() === 0 && has('unshare') && has('ip') && existsSync(join(repo, 'packages/cli/dist/main.js'));
  let dir = '';

  afterAll(() => {
    if (!dir) return;
    const runDir = join(dir, 'master/state/run');
    const pids = existsSync(runDir) ? readdirSync(runDir).map((f) => Number(readFileSync(join(runDir, f), 'utf8'))) : [];
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    spawnSync('sleep', ['2']);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // stopped
      }
    }
  });

  it.skipIf(!canRun)('brings up the control plane with a never-expiring token, and a second run changes nothing', async () => {
    dir = join(work, 'netns');
    mkdirSync(dir, { recursive: true });
    const script = `set -euo pipefail
ip link set lo up
ip link add nkv0 type veth peer name nkv1
ip link set nkv1 up
ip addr add 192.168.56.10/24 dev nkv0
ip link set nkv0 up
export NANOKUBE_SKIP_INSTALL=1 NANOKUBE_SKIP_KERNEL=1 NANOKUBE_SYSTEMD=0 NANOKUBE_RUNTIME=simulated
export NANOKUBE_BIN="${process.execPath} ${cli}" NANOKUBE_SHARE_DIR=${dir}/share NANOKUBE_HOSTS=
export NANOKUBE_NODE_NAME=master NANOKUBE_NODE_IP=192.168.56.10 NANOKUBE_CONF_DIR=${dir}/master/etc
export NANOKUBE_STATE_DIR=${dir}/master/state NANOKUBE_LOG_DIR=${dir}/master/log NANOKUBE_ENV_FILE=${dir}/master/env
snapshot() { cat ${dir}/master/state/run/*.pid; (cd ${dir} && find share master/etc master/env -type f -print0 | sort -z | xargs -0 sha256sum); }
bash ${provisionDir}/common.sh 2>${dir}/common.log
bash ${provisionDir}/master.sh 2>${dir}/first.log
snapshot >${dir}/first.snap
bash ${provisionDir}/master.sh 2>${dir}/second.log
snapshot >${dir}/second.snap
${process.execPath} ${cli} token list --kubeconfig ${dir}/master/etc/admin.conf >${dir}/tokens
`;
    const res = await runAsync('unshare', ['--net', 'bash', '-c', script], { timeoutMs: 300_000 });
    const logs = ['common', 'first', 'second'].map((l) => existsSync(join(dir, `${l}.log`)) ? readFileSync(join(dir, `${l}.log`), 'utf8') : '').join('\n');
    expect(res.status, `${res.stderr}\n${logs}`).toBe(0);

    const first = readFileSync(join(dir, 'first.log'), 'utf8');
    expect(first).toMatch(/token: created [a-z0-9]{6}\.\*\*\*\* \(never expires\)/);
    const joinEnv = readFileSync(join(dir, 'share/join.env'), 'utf8');
    expect(joinEnv).toMatch(/^NANOKUBE_MASTER=192\.168\.56\.10:6443$/m);
    const token = /^NANOKUBE_TOKEN=(\S+)$/m.exec(joinEnv)?.[1] ?? '';
    const hash = /^NANOKUBE_CA_HASH=(\S+)$/m.exec(joinEnv)?.[1] ?? '';
    expect(first).toContain(`nanokube join 192.168.56.10:6443 --token ${token} --discovery-token-ca-cert-hash ${hash}`);
    // The CA hash is kubeadm's: sha256 of the CA's SubjectPublicKeyInfo.
    const spki = spawnSync('sh', ['-c', `openssl x509 -pubkey -noout -in ${dir}/master/etc/pki/ca.crt | openssl pkey -pubin -outform der | sha256sum`], { encoding: 'utf8' });
    expect(hash).toBe(`sha256:${spki.stdout.slice(0, 64)}`);
    // kubeadm token list prints <forever> for a token without expiration.
    const tokens = readFileSync(join(dir, 'tokens'), 'utf8');
    expect(tokens.split('\n').find((l) => l.startsWith(token))).toMatch(/<forever>/);

    const second = readFileSync(join(dir, 'second.log'), 'utf8');
    expect(second).toMatch(/init: .* already initialised/);
    expect(second).toMatch(/token: [a-z0-9]{6}\.\*\*\*\* exists/);
    expect(second).not.toMatch(/started|restarted|wrote|created/);
    expect(readFileSync(join(dir, 'second.snap'), 'utf8')).toBe(readFileSync(join(dir, 'first.snap'), 'utf8'));
  }, 320_000);

  it.skipIf(process.getuid?.() !== 0)('worker.sh refuses to join without the master\'s join data', () => {
    const res = run('bash', [join(provisionDir, 'worker.sh')], {
      env: { ...process.env, NANOKUBE_NODE_NAME: 'worker01', NANOKUBE_NODE_IP: '127.0.0.1', NANOKUBE_CONF_DIR: join(work, 'w/etc'), NANOKUBE_SHARE_DIR: join(work, 'w/share'), NANOKUBE_SKIP_INSTALL: '1', NANOKUBE_SYSTEMD: '0' },
    });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/need NANOKUBE_MASTER, NANOKUBE_TOKEN and NANOKUBE_CA_HASH .*provision the master first/);
  });
});
