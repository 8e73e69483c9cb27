// Shared by the benchmarks that run a loopback control plane (`nanokube up`): start and stop it on free
// ports in a temp dir, an undici Agent with the admin client certificate, and one JSON request helper.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Agent } from 'undici';
import yaml from 'js-yaml';

const root = resolve(import.meta.dirname, '../..');

/** freePort asks the kernel for a free loopback port. */
export function freePort() {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/**
 * startUp runs `nanokube up` with extra arguments in a temp dir and waits until it reports ready. stop()
 * sends SIGTERM (SIGKILL after 20 s) and removes the dir; it is also called when start-up fails.
 */
export async function startUp({ dirPrefix, extraArgs = [], timeoutMs = 60_000 }) {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  const [securePort, storePort] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [join(root, 'packages/cli/bin/nanokube.js'), 'up', '--dir', dir, '--secure-port', String(securePort), '--store-port', String(storePort), ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NANOKUBE_LOG_LEVEL: 'warn' } },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (!out.includes('control plane is ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`nanokube up failed:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { dir, securePort, origin: `https://127.0.0.1:${securePort}`, child, stop, output: () => out };
}

/** adminAgent is a keep-alive undici Agent carrying the admin kubeconfig's CA and client certificate. */
export function adminAgent(dir, connections = 128) {
  const kc = yaml.load(readFileSync(join(dir, 'admin.conf'), 'utf8'));
  const b64 = (s) => Buffer.from(s, 'base64').toString();
  const user = kc.users[0].user;
  return new Agent({
    connections,
    pipelining: 1,
    connect: { ca: b64(kc.clusters[0].cluster['certificate-authority-data']), cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']) },
  });
}

/** call sends one JSON request and returns the reply body as text; any status >= 300 throws. */
export async function call(agent, origin, method, path, body) {
  const res = await agent.request({
    origin,
    method,
    path,
    headers: body ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text.slice(0, 300)}`);
  return text;
}
