/**
 * Running one command to completion inside a node's network namespace (a `nanokube join`, a provisioning
 * script), its output appended to a log file and, line by line, handed to the caller. Processes the
 * command leaves running in the background (components a script starts) are not waited for.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Options of {@link runInNetns}. */
export interface RunInNetnsOptions {
  netns: string;
  argv: string[];
  logFile: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Receives each output line (stdout and stderr). */
  onLine?: (line: string) => void;
}

/** How many of the last output lines a failure message quotes. */
const tailLines = 15;

/** runInNetns runs argv in netns (keeping this mount namespace) and resolves once it exited 0; it rejects with the output's tail otherwise. */
export function runInNetns(opts: RunInNetnsOptions): Promise<void> {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const log = createWriteStream(opts.logFile, { flags: 'a' });
  const tail: string[] = [];
  const what = opts.argv.slice(0, 3).map((a) => a.split('/').pop()).join(' ');
  return new Promise<void>((resolve, reject) => {
    const child = spawn('nsenter', [`--net=/run/netns/${opts.netns}`, ...opts.argv], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    let partial = '';
    const onData = (d: Buffer): void => {
      log.write(d);
      const lines = (partial + d.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) emit(line);
    };
    const emit = (line: string): void => {
      tail.push(line);
      if (tail.length > tailLines) tail.shift();
      opts.onLine?.(line);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (partial) emit(partial);
      log.end();
      if (code === 0) return resolve();
      const why = timedOut ? `did not finish within ${Math.round(opts.timeoutMs / 1000)} s` : `exited ${code ?? signal}`;
      reject(new Error(`${what} in ${opts.netns} ${why} (log ${opts.logFile}):\n${tail.map((l) => `  ${l}`).join('\n')}`));
    };
    child.once('error', (err) => {
      settled = true;
      clearTimeout(timer);
      log.end();
      reject(err);
    });
    // 'close' waits for the output pipes; a background process that kept them open must not hold us up.
    child.once('close', finish);
    child.once('exit', (code, signal) => setTimeout(() => finish(code, signal), 2_000).unref());
  });
}
