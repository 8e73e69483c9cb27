import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@nanokube/component-base';

/** What to start for one component process. */
export interface ComponentSpec {
  /** Short name used in logs and as the log file name (`store`, `apiserver`, ...). */
  name: string;
  /** Arguments after `nanokube` (e.g. `['store', '--data-dir', ...]`). */
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/** A started component: its child process and a promise that settles when it exits. */
export interface RunningComponent {
  spec: ComponentSpec;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  logFile: string;
}

/**
 * Supervisor starts nanokube components as separate child processes of the same binary (one process per
 * component, as the architecture requires), sends each one's output to `<logDir>/<name>.log`, and stops
 * them in reverse start order: SIGTERM first, SIGKILL after a grace period.
 */
export class Supervisor {
  private readonly running: RunningComponent[] = [];

  constructor(
    private readonly opts: { nanokubeBin: string; logDir: string; log: Logger; stopGraceMs?: number },
  ) {
    mkdirSync(opts.logDir, { recursive: true });
  }

  /** start spawns one component. Its stdout and stderr are appended to its log file. */
  start(spec: ComponentSpec): RunningComponent {
    const logFile = join(this.opts.logDir, `${spec.name}.log`);
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, [...profileArgs(), this.opts.nanokubeBin, ...spec.args], {
      env: { ...process.env, NANOKUBE_LOG_LEVEL: process.env['NANOKUBE_LOG_LEVEL'] ?? 'info', ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(out, { end: false });
    child.stderr?.pipe(out, { end: false });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => {
        out.end();
        resolve({ code, signal });
      });
    });
    const rc: RunningComponent = { spec, child, exited, logFile };
    this.running.push(rc);
    this.opts.log.info({ componentName: spec.name, pid: child.pid, logFile }, 'Started component');
    return rc;
  }

  /** stopAll stops every component, newest first, and waits for each to exit. */
  async stopAll(): Promise<void> {
    const grace = this.opts.stopGraceMs ?? 10_000;
    for (const rc of [...this.running].reverse()) {
      if (rc.child.exitCode !== null || rc.child.signalCode !== null) continue;
      rc.child.kill('SIGTERM');
      const timer = setTimeout(() => rc.child.kill('SIGKILL'), grace);
      const { code, signal } = await rc.exited;
      clearTimeout(timer);
      this.opts.log.info({ componentName: rc.spec.name, code, signal }, 'Stopped component');
    }
    this.running.length = 0;
  }
}

/**
 * profileArgs: with NANOKUBE_PROFILE_DIR set, every component writes a V8 CPU profile there when it exits
 * (`node --cpu-prof`), for finding where a benchmark's time goes; NODE_OPTIONS cannot carry --cpu-prof.
 * NANOKUBE_NODE_FLAGS adds other Node.js flags (e.g. `--heapsnapshot-signal=SIGUSR2`) to every component.
 */
function profileArgs(): string[] {
  const dir = process.env['NANOKUBE_PROFILE_DIR'];
  const extra = (process.env['NANOKUBE_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
  return [...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []), ...extra];
}
