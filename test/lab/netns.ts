/**
 * Helpers for tests that build real network namespaces: a unique suffix per run, a command runner, a
 * TCP echo server started inside a namespace, and a probe of what is left behind. Root only.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** canUseNetns says whether this process may create network namespaces (root with `ip` installed). */
export async function canUseNetns(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  return sh(['ip', '-V']).then(
    () => true,
    () => false,
  );
}

/** runSuffix is a short random tag that makes this run's namespace and link names unique. */
export function runSuffix(): string {
  return randomBytes(3).toString('hex');
}

/** sh runs argv and resolves with stdout; it rejects with stderr in the message on failure. */
export function sh(argv: string[], timeoutMs = 10_000): Promise<string> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(file as string, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** leftovers lists namespaces and host links whose names contain tag. */
export async function leftovers(tag: string): Promise<string[]> {
  const netns = (await sh(['ip', 'netns', 'list'])).split('\n').filter((l) => l.includes(tag));
  const links = (await sh(['ip', '-o', 'link', 'show'])).split('\n').filter((l) => l.includes(tag));
  return [...netns, ...links];
}

// The server answers every connection with `<its own label> <the peer's address>` and closes it.
const echoServer = `
const net = require('node:net');
const [label, port] = process.argv.slice(1);
net.createServer((s) => s.end(label + ' ' + s.remoteAddress.replace('::ffff:', '') + '\\n'))
  .listen(Number(port), '0.0.0.0', () => console.log('listening'));
setTimeout(() => process.exit(0), 120000);
`;

/** startEchoServer starts a TCP server inside netns and resolves once it listens. Kill it by its pid. */
export async function startEchoServer(netns: string, label: string, port: number): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', netns, process.execPath, '-e', echoServer, label, String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`echo server in ${netns} did not start`)), 10_000);
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`echo server in ${netns} exited with ${code}`)));
  });
  return child;
}

const echoClient = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
const s = net.connect({ host, port: Number(port), timeout: 2000 });
let out = '';
s.on('data', (d) => (out += d));
s.on('end', () => { process.stdout.write(out); process.exit(0); });
s.on('timeout', () => { console.error('timeout'); process.exit(3); });
s.on('error', (e) => { console.error(e.message); process.exit(4); });
`;

/** askEcho connects from inside netns to host:port and resolves with the server's one-line answer. */
export async function askEcho(netns: string, host: string, port: number): Promise<string> {
  return (await sh(['ip', 'netns', 'exec', netns, process.execPath, '-e', echoClient, host, String(port)])).trim();
}
