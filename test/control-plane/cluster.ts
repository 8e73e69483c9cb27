/**
 * Helpers of the control-plane e2e suites: node-agent and controller-manager processes started next to a
 * `nanokube up` cluster (each its own process, stopped by pid), and polling with a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nanokubeBin, type TestControlPlane } from '../helpers/control-plane.js';
import { freePort } from '../helpers/ports.js';

/** A process a test started, with everything it printed. */
export interface TestProcess {
  child: ChildProcess;
  args: string[];
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** startNanokube runs `nanokube args...` as a child process. */
export function startNanokube(args: string[], logLevel = 'warn'): TestProcess {
  const child = spawn(process.execPath, [nanokubeBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NANOKUBE_LOG_LEVEL: logLevel } });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, args, output: () => output, stop };
}

/** run runs `nanokube args...` to completion and resolves to its stdout. */
export function runNanokube(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nanokubeBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`nanokube ${args.join(' ')} exited ${code}: ${err}`))));
  });
}

/** A node agent to start as its own simulated-kubelet process. */
export interface TestNode {
  name: string;
  ip: string;
  master?: boolean;
}

/** startSimulatedKubelet runs one `nanokube kubelet --runtime=simulated` with its own node credentials. */
export async function startSimulatedKubelet(cp: TestControlPlane, n: TestNode): Promise<TestProcess> {
  const conf = join(cp.dir, `kubelet-${n.name}.conf`);
  writeFileSync(conf, await runNanokube(['kubeconfig', 'user', '--dir', cp.dir, '--client-name', `system:node:${n.name}`, '--org', 'system:nodes']));
  return startNanokube([
    'kubelet', '--runtime=simulated', '--kubeconfig', conf, '--node-name', n.name, '--node-ip', n.ip, '--address', n.ip,
    '--port', String(await freePort()), '--simulated-job-duration', '1s', '--pod-logs-dir', join(cp.dir, 'pods', n.name),
    ...(n.master ? ['--node-labels', 'node-role.kubernetes.io/control-plane=', '--register-with-taints', 'node-role.kubernetes.io/control-plane:NoSchedule'] : []),
  ]);
}

/** controllerManagerArgs are the flags `nanokube up` gives its controller-manager, plus extra. */
export function controllerManagerArgs(cp: TestControlPlane, extra: string[] = []): string[] {
  const pki = join(cp.dir, 'pki');
  return [
    'controller-manager', '--kubeconfig', join(cp.dir, 'controller-manager.conf'), '--root-ca-file', join(pki, 'ca.crt'),
    '--cluster-signing-cert-file', join(pki, 'ca.crt'), '--cluster-signing-key-file', join(pki, 'ca.key'),
    '--service-account-private-key-file', join(pki, 'sa.key'), '--controllers', '*,bootstrapsigner,tokencleaner', '--secure-port', '0', ...extra,
  ];
}

/** waitFor polls fn until it returns a value other than undefined (errors count as not yet), for at most timeoutMs. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
