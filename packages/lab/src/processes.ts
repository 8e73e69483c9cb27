/**
 * Starting and stopping the lab's component processes. Each component is started detached (its own
 * session, output appended to its log file) inside its node's network namespace with
 * `nsenter --net=/run/netns/<node>`, which execs node in place: the recorded pid is the component's.
 * `nsenter --net` rather than `ip netns exec` keeps the host's mount namespace, so pod namespaces and
 * mounts a kubelet makes stay visible to the host (and to `lab down`).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A started process: its pid and kernel start time. */
export interface ProcessRef {
  pid: number;
  startTicks: number;
}

/**
 * Node agents are small, long-lived daemons on every node: a 1 MiB young generation (V8's default is
 * 16 MiB per semi-space) keeps their resident memory low for a little more GC work, as upstream tunes
 * node agents' Go GC. The control plane keeps V8's defaults for throughput.
 */
const nodeAgentFlags = ['--max-semi-space-size=1'];

function nodeFlagsFor(verb: string | undefined): string[] {
  return verb === 'kubelet' || verb === 'proxy' || verb === 'dns' ? nodeAgentFlags : [];
}

/** startDetached starts `node <nanokubeBin> ...args` in netns, detached, and returns its pid. */
export async function startDetached(opts: { netns: string; nanokubeBin: string; args: string[]; logFile: string; cwd: string }): Promise<ProcessRef> {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn('nsenter', [`--net=/run/netns/${opts.netns}`, process.execPath, ...nodeFlagsFor(opts.args[0]), opts.nanokubeBin, ...opts.args], {
      cwd: opts.cwd,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, NANOKUBE_LOG_LEVEL: process.env['NANOKUBE_LOG_LEVEL'] ?? 'info' },
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve(child.pid as number));
    });
    child.unref();
    // The start time is read once nsenter has exec'd node; it does not change across exec.
    return { pid, startTicks: (await startTicksOf(pid)) ?? 0 };
  } finally {
    closeSync(fd);
  }
}

/** isRunning says whether pid is still the process that was started (same start time, not a zombie). */
export async function isRunning(ref: Partial<ProcessRef>): Promise<boolean> {
  if (!ref.pid) return false;
  const stat = await readStat(ref.pid);
  if (!stat || stat.state === 'Z') return false;
  return ref.startTicks === undefined || ref.startTicks === 0 || stat.startTicks === ref.startTicks;
}

/** stopProcess sends SIGTERM, waits up to graceMs, then SIGKILL; it resolves once the process is gone. */
export async function stopProcess(ref: Partial<ProcessRef>, graceMs = 10_000): Promise<'stopped' | 'killed' | 'not-running'> {
  if (!(await isRunning(ref)) || !ref.pid) return 'not-running';
  signal(ref.pid, 'SIGTERM');
  if (await waitGone(ref, graceMs)) return 'stopped';
  signal(ref.pid, 'SIGKILL');
  await waitGone(ref, 5_000);
  return 'killed';
}

/** startTicksOf reads a process's start time, or undefined when it does not exist. */
export async function startTicksOf(pid: number): Promise<number | undefined> {
  return (await readStat(pid))?.startTicks;
}

async function waitGone(ref: Partial<ProcessRef>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!(await isRunning(ref))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !(await isRunning(ref));
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

async function readStat(pid: number): Promise<{ state: string; startTicks: number } | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '?', startTicks: Number(rest[19]) };
}

/** commandLineOf reads a process's argv (`/proc/<pid>/cmdline`), or undefined when it does not exist. */
export async function commandLineOf(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
}
