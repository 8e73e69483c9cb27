/**
 * Child processes of e2e suites: `nanokube` commands run to completion or started in the background
 * (each its own process, stopped by its pid), and a simulated kubelet's node credentials.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nanokubeBin, type TestControlPlane } from './control-plane.js';

/** How much of a process's output a TestProcess keeps (the end of it). */
const keptOutput = 200_000;

/** A process a test started, with (the end of) everything it printed. */
export interface TestProcess {
  child: ChildProcess;
  args: string[];
  output(): string;
  /** stop sends signal (SIGTERM by default), then SIGKILL after 10 s, and resolves once it exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** startNode runs `node argv...` in the background with NANOKUBE_LOG_LEVEL=logLevel. */
export function startNode(argv: string[], logLevel = 'warn'): TestProcess {
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NANOKUBE_LOG_LEVEL: logLevel } });
  let output = '';
  const keep = (d: Buffer) => (output = (output + d.toString()).slice(-keptOutput));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, args: argv, output: () => output, stop };
}

/** startNanokube runs `nanokube args...` in the background; the handle's args are these args. */
export function startNanokube(args: string[], logLevel = 'warn'): TestProcess {
  return { ...startNode([nanokubeBin, ...args], logLevel), args };
}

/** runNode runs `node argv...` to completion and resolves to its stdout; it rejects with stderr on a non-zero exit. */
export function runNode(argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${argv.join(' ')} exited ${code}: ${err}`))));
  });
}

/** runNanokube runs `nanokube args...` to completion and resolves to its stdout. */
export function runNanokube(args: string[]): Promise<string> {
  return runNode([nanokubeBin, ...args]);
}

/**
 * writeNodeKubeconfig writes `<cp.dir>/kubelet-<node>.conf`, the `system:node:<node>` credentials a
 * kubelet of that node uses (as `kubeadm kubeconfig user --org system:nodes`), and returns its path.
 */
export async function writeNodeKubeconfig(cp: TestControlPlane, node: string, dir = cp.dir): Promise<string> {
  const conf = join(dir, `kubelet-${node}.conf`);
  writeFileSync(conf, await runNanokube(['kubeconfig', 'user', '--dir', cp.dir, '--client-name', `system:node:${node}`, '--org', 'system:nodes']));
  return conf;
}
