import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { generateCA } from '@nanokube/pki';
import type { Kubelet } from '../kubelet.js';
import { runSimulatedCommand } from '../runtime/simulated/exec.js';
import type { RuntimeService } from '../runtime/types.js';
import { KubeletStreaming } from './streaming.js';

const pod = { metadata: { name: 'web', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'c', image: 'x' }] } };
const runtime = {
  listContainers: async () => [{ id: 'c1', name: 'c', state: 'running', attempt: 0 }],
  listPodSandboxes: async () => [],
  exec: (_id: string, cmd: string[], session: Parameters<RuntimeService['exec']>[2]) => runSimulatedCommand(cmd, session, 'web'),
} as unknown as RuntimeService;
const kubelet = { findPod: (ns: string, name: string) => (ns === 'default' && name === 'web' ? pod : undefined), runtime } as unknown as Kubelet;
const log = { warn: () => undefined, info: () => undefined } as never;

/** exec opens /exec, optionally sends stdin then EOF, and collects frames until the kubelet closes. */
function exec(port: number, path: string, stdin?: string): Promise<{ frames: Buffer[]; status?: unknown; httpStatus?: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${port}${path}`, ['v5.channel.k8s.io'], { rejectUnauthorized: false });
    const frames: Buffer[] = [];
    ws.on('open', () => {
      if (stdin !== undefined) {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(stdin)]));
        ws.send(Buffer.from([255, 0]));
      }
    });
    ws.on('message', (d: Buffer) => frames.push(d));
    ws.on('unexpected-response', (_req, res) => resolve({ frames, httpStatus: res.statusCode ?? 0 }));
    ws.on('close', () => {
      const st = frames.find((f) => f[0] === 3);
      resolve({ frames, ...(st ? { status: JSON.parse(st.subarray(1).toString()) as unknown } : {}) });
    });
    ws.on('error', reject);
  });
}

describe('kubelet streaming server', () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    const { certPem, keyPem } = await generateCA('test-kubelet');
    const streaming = new KubeletStreaming(kubelet, log);
    server = createServer({ cert: certPem, key: keyPem });
    server.on('upgrade', (req, socket, head: Buffer) => streaming.handleUpgrade(req, socket, head));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => server.close());

  it('runs a command and reports success on the status channel', async () => {
    const r = await exec(port, '/exec/default/web/c?command=echo&command=hi&stdout=true');
    expect(r.frames.filter((f) => f[0] === 1).map((f) => f.subarray(1).toString()).join('')).toBe('hi\n');
    expect(r.status).toEqual({ metadata: {}, status: 'Success' });
  });

  it('reports a non-zero exit code as NonZeroExitCode with an ExitCode cause', async () => {
    const r = await exec(port, '/exec/default/web/c?command=sh&command=-c&command=exit%203&stdout=true');
    expect(r.status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
  });

  it('feeds stdin until the v5 close signal', async () => {
    const r = await exec(port, '/exec/default/web/c?command=cat&stdin=true&stdout=true', 'abc');
    expect(r.frames.filter((f) => f[0] === 1).map((f) => f.subarray(1).toString()).join('')).toBe('abc');
    expect(r.status).toMatchObject({ status: 'Success' });
  });

  it('answers 404 for an unknown pod before upgrading', async () => {
    expect((await exec(port, '/exec/default/nope/c?command=echo&stdout=true')).httpStatus).toBe(404);
  });
});
