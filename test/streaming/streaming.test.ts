/**
 * logs, exec, attach and port-forward end to end: the real kubectl 1.29 (SPDY), 1.32 and 1.33 (WebSocket,
 * SPDY tunnelled in WebSocket for port-forward) against `nanokube up --simulated-nodes 1`; the apiserver
 * proxies to the simulated kubelet's /containerLogs, /exec, /attach and /portForward.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { hasKubectl, Kubectl, kubectlPath } from '../helpers/kubectl.js';
import { freePort } from '../helpers/ports.js';

const minors = [29, 32, 33].filter((m) => hasKubectl(m));

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(`${res.statusCode ?? 0} ${body}`));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe.skipIf(minors.length === 0)('streaming subresources with the real kubectl', () => {
  let cp: TestControlPlane;
  let admin: Kubectl;

  beforeAll(async () => {
    cp = await startTestControlPlane({ extraArgs: ['--simulated-nodes', '1'] });
    admin = new Kubectl(cp.adminConf, 32);
    await until('node sim-0 Ready', async () => / Ready /.test((await admin.run(['get', 'node', 'sim-0'])).stdout));
    await admin.ok(['run', 'web', '--image=nginx']);
    await until('pod web Running', async () => /Running/.test((await admin.run(['get', 'pod', 'web'])).stdout));
  });

  afterAll(async () => {
    await cp?.stop();
  });

  for (const minor of minors) {
    describe(`kubectl 1.${minor}`, () => {
      const k = (): Kubectl => new Kubectl(cp.adminConf, minor);

      it('logs prints the container log, --tail trims it and -f ends when the kubelet ends', async () => {
        const kc = k();
        const all = await kc.ok(['logs', 'web']);
        expect(all).toBe('simulated container web started (image docker.io/library/nginx:latest)\nthis container is simulated: nothing runs, so it writes no output of its own\n');
        expect(await kc.ok(['logs', 'web', '--tail=1'])).toBe('this container is simulated: nothing runs, so it writes no output of its own\n');
        expect(await kc.ok(['logs', '-f', 'web'], { timeoutMs: 20_000 })).toBe(all);
        expect(await kc.ok(['logs', 'web', '--timestamps', '--tail=1'])).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z this container is simulated/);
      });

      it('exec runs a command, passes its exit code and stdin', async () => {
        const kc = k();
        const hi = await kc.run(['exec', 'web', '--', 'echo', 'hi'], { timeoutMs: 20_000 });
        expect(hi).toMatchObject({ code: 0, stdout: 'hi\n' });
        const three = await kc.run(['exec', 'web', '--', 'sh', '-c', 'exit 3'], { timeoutMs: 20_000 });
        expect(three.code).toBe(3);
        expect(three.stderr).toContain('command terminated with exit code 3');
        const cat = await kc.run(['exec', '-i', 'web', '--', 'cat'], { stdin: 'x\n', timeoutMs: 20_000 });
        expect(cat).toMatchObject({ code: 0, stdout: 'x\n' });
        if (minor >= 30) {
          // client-go logs (at -v=4) when WebSocket fails and it falls back to SPDY: it must not.
          const ws = await kc.run(['exec', 'web', '-v=4', '--', 'echo', 'ws'], { timeoutMs: 20_000 });
          expect(ws.stdout).toBe('ws\n');
          expect(ws.stderr).not.toMatch(/fallback/i);
        }
      });

      it('exec errors read as upstream', async () => {
        const kc = k();
        const bad = await kc.run(['exec', 'web', '-c', 'nope', '--', 'echo'], { timeoutMs: 20_000 });
        expect(bad.code).toBe(1);
        expect(bad.stderr).toContain('container nope is not valid for pod web');
        const missing = await kc.run(['exec', 'nopod', '--', 'echo'], { timeoutMs: 20_000 });
        expect(missing.stderr).toContain('pods "nopod" not found');
      });

      it('port-forward reaches the pod port', async () => {
        const kc = k();
        const port = await freePort();
        const child = spawn(kubectlPath(minor), ['port-forward', 'pod/web', `${port}:80`, '-v=4'], {
          env: { PATH: process.env['PATH'], HOME: kc.home, KUBECONFIG: cp.adminConf },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        try {
          await until('port-forward listening', async () => out.includes('Forwarding from 127.0.0.1'), 20_000);
          expect(await httpGet(port)).toBe('200 simulated pod web port 80\n');
          expect(await httpGet(port)).toBe('200 simulated pod web port 80\n');
          expect(out).not.toContain('error occurred');
          // 1.31+ tunnels SPDY in a WebSocket and logs (at -v=4) a fallback to plain SPDY when that fails.
          expect(out).not.toMatch(/fallback/i);
        } finally {
          child.kill('SIGKILL');
        }
      });
    });
  }
});
