/**
 * The per-container shim: a small detached `node` process (its own session, no tie to the kubelet) that
 * runs `runc run` in the foreground, so that the container process's stdout and stderr are the shim's
 * pipes and runc's exit status is the container's. It
 *
 * - appends every output line to the container's log file in the CRI format
 *   (`<RFC3339Nano> stdout|stderr F|P <text>`, P for pieces of lines longer than 16 KiB),
 * - writes `exit.json` (`{exitCode, finishedAt}`) atomically when runc returns, then exits.
 *
 * The kubelet can stop and start again at any time: containers keep running under their shims, and a
 * restarted kubelet reads `pid` (runc's pid file: the container started) and `exit.json` (it ended)
 * from the container folder. Chosen over `runc run --detach` because runc's detached exit status is lost;
 * over `sh -c` because the log needs per-line timestamps. Cost: one node process (~30 MB) per container.
 *
 * The shim is a script string run with `node -e` so it works the same from sources and from `dist/`.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** What the shim needs: passed as one JSON argument. */
export interface ShimArgs {
  runc: string;
  runcRoot: string;
  bundle: string;
  id: string;
  logPath: string;
  pidFile: string;
  exitFile: string;
  runcLog: string;
}

/** What the shim writes when the container ends. */
export interface ShimExit {
  exitCode: number;
  /** Epoch milliseconds. */
  finishedAt: number;
}

// Plain JavaScript (CommonJS, as `node -e` runs it). Kept small: it must not fail.
const shimScript = String.raw`
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const a = JSON.parse(process.argv[1]);
for (const s of ['SIGINT', 'SIGHUP', 'SIGPIPE']) process.on(s, () => {});
const fd = fs.openSync(a.logPath, 'a', 0o640);
const origin = Date.now() - Number(process.hrtime.bigint() / 1000000n);
const stamp = () => {
  const ns = process.hrtime.bigint();
  const ms = origin + Number(ns / 1000000n);
  return new Date(ms).toISOString().slice(0, 19) + '.' + String(ms % 1000).padStart(3, '0') + String(ns % 1000000n).padStart(6, '0') + 'Z';
};
const max = 16384;
function pump(stream, name) {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) { fs.writeSync(fd, stamp() + ' ' + name + ' F ' + buf.slice(0, i) + '\n'); buf = buf.slice(i + 1); }
    while (buf.length > max) { fs.writeSync(fd, stamp() + ' ' + name + ' P ' + buf.slice(0, max) + '\n'); buf = buf.slice(max); }
  });
  return new Promise((resolve) => stream.on('close', () => { if (buf) fs.writeSync(fd, stamp() + ' ' + name + ' F ' + buf + '\n'); resolve(); }));
}
const child = spawn(a.runc, ['--root', a.runcRoot, '--log', a.runcLog, '--log-format', 'json', 'run', '--bundle', a.bundle, '--pid-file', a.pidFile, a.id], { stdio: ['ignore', 'pipe', 'pipe'] });
process.on('SIGTERM', () => { try { child.kill('SIGTERM'); } catch {} });
const done = Promise.all([pump(child.stdout, 'stdout'), pump(child.stderr, 'stderr')]);
let code = 255;
child.on('error', () => { code = 255; });
child.on('close', async (c, sig) => {
  code = c === null ? 128 + (require('node:os').constants.signals[sig] || 0) : c;
  await done;
  const tmp = a.exitFile + '.tmp';
  fs.writeFileSync(tmp, JSON.stringify({ exitCode: code, finishedAt: Date.now() }));
  fs.renameSync(tmp, a.exitFile);
  process.exit(0);
});
`;

/** spawnShim starts the shim of one container, detached; the returned child emits 'exit' when it ends. */
export function spawnShim(args: ShimArgs): ChildProcess {
  const child = spawn(process.execPath, ['-e', shimScript, JSON.stringify(args)], {
    detached: true,
    stdio: 'ignore',
    cwd: args.bundle,
    env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  child.unref();
  return child;
}
