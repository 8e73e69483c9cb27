/**
 * The per-container shim: a small detached `node` process (its own session, no tie to the kubelet) that
 * runs `runc run` in the foreground, so that the container process's stdout and stderr are the shim's
 * pipes and runc's exit status is the container's. It
 *
 * - appends every output line to the container's log file in the CRI format
 *   (`<RFC3339Nano> stdout|stderr F|P <text>`, P for pieces of lines longer than 16 KiB),
 * - writes `exit.json` (`{exitCode, finishedAt}`) atomically when runc returns, then exits,
 * - for `stdin: true` containers holds the container's stdin FIFO (`stdin` in the container folder) open and
 *   copies it to the container, so a kubelet started later can still write to it (attach); the control FIFO
 *   (`control`) closes it (stdinOnce),
 * - for `tty: true` containers runs runc under `script`: runc needs a terminal of its own to give the
 *   container one, and the kubelet resizes that pty (`stty`), which runc passes on (SIGWINCH).
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
  /** The container's stdin FIFO (`stdin: true`): the shim holds it open and copies it to the container. */
  stdinPath?: string;
  /** The control FIFO: one JSON object per line, `{"op":"closeStdin"}` ends the container's stdin for good. */
  controlPath?: string;
  /** `tty: true`: runc runs under `script`, whose pty is the terminal runc needs to hand the container one. */
  tty?: boolean;
  /** `runc run --keep`: the exited container and its cgroup stay until `runc delete` (OOM kill counts). */
  keep?: boolean;
}

/** What the shim writes when the container ends. */
export interface ShimExit {
  exitCode: number;
  /** Epoch milliseconds. */
  finishedAt: number;
}

/** The control message that closes the container's stdin (stdinOnce after the first attach). */
export const closeStdinMessage = '{"op":"closeStdin"}\n';

// Plain JavaScript (CommonJS, as `node -e` runs it). Kept small: it must not fail.
// Interactive containers (stdin or tty) get every output chunk logged at once (as a P piece when it ends
// mid-line), so an attached client sees prompts that end without a newline.
const shimScript = String.raw`
const fs = require('node:fs');
const net = require('node:net');
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
const interactive = Boolean(a.stdinPath || a.tty);
function pump(stream, name) {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    buf += chunk;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) { fs.writeSync(fd, stamp() + ' ' + name + ' F ' + buf.slice(0, i) + '\n'); buf = buf.slice(i + 1); }
    while (buf.length > max) { fs.writeSync(fd, stamp() + ' ' + name + ' P ' + buf.slice(0, max) + '\n'); buf = buf.slice(max); }
    if (interactive && buf) { fs.writeSync(fd, stamp() + ' ' + name + ' P ' + buf + '\n'); buf = ''; }
  });
  return new Promise((resolve) => stream.on('close', () => { if (buf) fs.writeSync(fd, stamp() + ' ' + name + ' F ' + buf + '\n'); resolve(); }));
}
const quote = (s) => /^[A-Za-z0-9_./=:@%+-]+$/.test(s) ? s : "'" + s.replace(/'/g, "'\\''") + "'";
const runcArgs = ['--root', a.runcRoot, '--log', a.runcLog, '--log-format', 'json', 'run', ...(a.keep ? ['--keep'] : []), '--bundle', a.bundle, '--pid-file', a.pidFile, a.id];
const cmd = a.tty ? ['script', ['-q', '-e', '-c', 'exec ' + [a.runc, ...runcArgs].map(quote).join(' '), '/dev/null']] : [a.runc, runcArgs];
const child = spawn(cmd[0], cmd[1], { stdio: [a.stdinPath || a.tty ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
if (child.stdin) child.stdin.on('error', () => {});
const openFifo = (path) => new net.Socket({ fd: fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_NONBLOCK), readable: true, writable: false });
if (a.stdinPath && child.stdin) {
  // Opened read-write: the FIFO never reaches end-of-file when a writer (an attach) goes away.
  const input = openFifo(a.stdinPath);
  input.pipe(child.stdin);
  let closed = false;
  const closeStdin = () => {
    if (closed) return;
    closed = true;
    input.unpipe(child.stdin);
    input.resume();
    child.stdin.end();
  };
  if (a.controlPath) {
    const control = openFifo(a.controlPath);
    let text = '';
    control.setEncoding('utf8');
    control.on('data', (d) => {
      text += d;
      let i;
      while ((i = text.indexOf('\n')) >= 0) {
        const line = text.slice(0, i);
        text = text.slice(i + 1);
        try { if (JSON.parse(line).op === 'closeStdin') closeStdin(); } catch {}
      }
    });
  }
}
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
