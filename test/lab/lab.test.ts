/**
 * `nanokube lab` end to end, as root on this machine: `lab up` builds 4 node namespaces on a lab bridge
 * and runs the control plane and 4 kubelets in them, the workers' after they joined with the bootstrap
 * token; the real kubectl on the host sees 4 Ready nodes through the merged context; `lab ssh`,
 * `lab stop|start` act on one node; `lab down` leaves nothing.
 * Names carry a random prefix; the lab network is the architecture's 192.168.56.0/24, so the suite
 * is skipped when this host already has an address there (a user's lab is up).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { Pkcs10CertificateRequest } from '@peculiar/x509';
import { load as loadYaml } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { alive, canRunLab, labLeftovers, nanokube, sleep, useLab } from './fixture.js';
import { sh } from './netns.js';

const enabled = await canRunLab();

describe.skipIf(!enabled)('nanokube lab', () => {
  let pids: number[] = [];
  const lab = useLab({
    tag: 'nk',
    afterUp: async (up) => {
      if (up.code !== 0) return;
      const state = JSON.parse(await readFile(join(lab.dir, 'lab.json'), 'utf8')) as { components: { pid?: number }[] };
      pids = state.components.flatMap((c) => (c.pid ? [c.pid] : []));
    },
  });

  it('reports progress and every node Ready', () => {
    for (const node of ['master', 'worker01', 'worker02', 'worker03']) expect(lab.upOutput).toContain(`[${node}] Ready`);
    expect(lab.upOutput).toContain('kubectl get nodes -o wide');
  });

  it('shows 4 Ready nodes with their lab addresses to the real kubectl through the merged context', async () => {
    expect((await lab.kubectl.ok(['config', 'current-context'])).trim()).toBe('nanokube-lab');
    const rows = (await lab.kubectl.ok(['get', 'nodes', '-o', 'wide', '--no-headers'])).trim().split('\n').map((l) => l.split(/\s+/));
    const byName = new Map(rows.map((r) => [r[0], r]));
    expect([...byName.keys()].sort()).toEqual(['master', 'worker01', 'worker02', 'worker03']);
    expect(byName.get('master')?.slice(1, 3)).toEqual(['Ready', 'control-plane']);
    expect(byName.get('worker01')?.slice(1, 3)).toEqual(['Ready', '<none>']);
    expect(byName.get('master')?.[5]).toBe('192.168.56.10');
    for (const i of [1, 2, 3]) expect(byName.get(`worker0${i}`)?.[5]).toBe(`192.168.56.10${i}`);
  });

  it('joined every worker with the bootstrap token: a kubelet client CSR each, approved and issued, from system:bootstrap:<id>', async () => {
    interface CSR {
      metadata: { name: string };
      spec: { request: string; signerName: string; username: string; groups?: string[] };
      status?: { certificate?: string; conditions?: { type: string; status: string; reason?: string }[] };
    }
    const csrs = (JSON.parse(await lab.kubectl.ok(['get', 'csr', '-o', 'json'])) as { items: CSR[] }).items
      .filter((c) => c.spec.signerName === 'kubernetes.io/kube-apiserver-client-kubelet');
    const subject = (c: CSR) => new Pkcs10CertificateRequest(Buffer.from(c.spec.request, 'base64').toString('utf8')).subject.split(/,\s*/).sort().join(',');
    const byNode = new Map(csrs.map((c) => [subject(c), c]));
    // The master keeps init's kubelet.conf, as kubeadm's control-plane node: no CSR of its own.
    expect([...byNode.keys()].sort()).toEqual(['worker01', 'worker02', 'worker03'].map((n) => `CN=system:node:${n},O=system:nodes`));
    const tokenId = /--token ([a-z0-9]{6})\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64}/.exec(lab.upOutput)?.[1];
    expect(tokenId, lab.upOutput).toBeDefined();
    for (const c of csrs) {
      expect(c.spec.username).toBe(`system:bootstrap:${tokenId}`);
      expect(c.spec.groups).toContain('system:bootstrappers');
      expect(c.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Approved', status: 'True' }));
      expect(c.status?.certificate).toBeTruthy();
    }
    // What kubectl shows for them (CONDITION is Approved,Issued once the certificate is in).
    const table = await lab.kubectl.ok(['get', 'csr', ...csrs.map((c) => c.metadata.name), '--no-headers']);
    for (const line of table.trim().split('\n')) {
      expect(line).toMatch(new RegExp(`\\skubernetes\\.io/kube-apiserver-client-kubelet\\s+system:bootstrap:${tokenId}\\s.*Approved,Issued$`));
    }
    // The token is a kubeadm lab token: a kube-system Secret that never expires.
    const secret = JSON.parse(await lab.kubectl.ok(['get', 'secret', '-n', 'kube-system', `bootstrap-token-${tokenId}`, '-o', 'json'])) as { type: string; data: Record<string, string> };
    expect(secret.type).toBe('bootstrap.kubernetes.io/token');
    expect(secret.data['expiration']).toBeUndefined();
    // Each worker's kubelet runs with what join wrote: the signed certificate, trusting the discovered CA.
    for (const n of ['worker01', 'worker02', 'worker03']) {
      expect(existsSync(join(lab.dir, n, 'bootstrap-kubelet.conf'))).toBe(true);
      const kc = loadYaml(await readFile(join(lab.dir, n, 'kubelet.conf'), 'utf8')) as { users: { user: Record<string, string> }[] };
      const cert = new X509Certificate(Buffer.from(kc.users[0]?.user['client-certificate-data'] ?? '', 'base64'));
      expect(cert.subject.split('\n').sort()).toEqual([`CN=system:node:${n}`, 'O=system:nodes']);
      const issued = new X509Certificate(Buffer.from(byNode.get(`CN=system:node:${n},O=system:nodes`)?.status?.certificate ?? '', 'base64'));
      expect(issued.fingerprint256).toBe(cert.fingerprint256);
      expect(await readFile(join(lab.dir, n, 'pki', 'ca.crt'), 'utf8')).toBe(await readFile(join(lab.dir, 'master', 'kubernetes', 'pki', 'ca.crt'), 'utf8'));
    }
  });

  it('gives every kubelet a serving certificate signed by the cluster CA, which the apiserver verifies', async () => {
    interface CSR {
      metadata: { name: string };
      spec: { signerName: string; username: string; usages: string[] };
      status?: { certificate?: string; conditions?: { type: string; status: string; reason?: string }[] };
    }
    const csrs = (JSON.parse(await lab.kubectl.ok(['get', 'csr', '-o', 'json'])) as { items: CSR[] }).items
      .filter((c) => c.spec.signerName === 'kubernetes.io/kubelet-serving');
    const ca = new X509Certificate(await readFile(join(lab.dir, 'master', 'kubernetes', 'pki', 'ca.crt')));
    const nodes = [['master', '192.168.56.10'], ['worker01', '192.168.56.101'], ['worker02', '192.168.56.102'], ['worker03', '192.168.56.103']];
    for (const [node, ip] of nodes) {
      // Requested by the node itself, approved by the controller-manager (its names are the Node's), issued.
      const mine = csrs.filter((c) => c.spec.username === `system:node:${node}`);
      expect(mine.length, node).toBeGreaterThanOrEqual(1);
      const issued = mine.find((c) => c.status?.certificate);
      expect(issued?.status?.conditions).toContainEqual(expect.objectContaining({ type: 'Approved', status: 'True', reason: 'AutoApproved' }));
      const cert = new X509Certificate(Buffer.from(issued?.status?.certificate ?? '', 'base64'));
      expect(cert.verify(ca.publicKey), node).toBe(true);
      expect(cert.subjectAltName, node).toBe(`DNS:${node}, IP Address:${ip}`);
    }
    // kubectl logs and top reach kubelets only through the apiserver's CA-verified TLS; §2 and the metrics
    // suite use both. Here: the apiserver runs with the flag that makes it verify.
    const status = await nanokube(['lab', 'status', '--dir', lab.dir]);
    expect(status.code).toBe(0);
    const cmdline = await sh(['sh', '-c', `ps -eo args | grep 'nanokube.js apiserver' | grep -v grep | grep -- '${lab.dir}' || true`]);
    expect(cmdline).toContain('--kubelet-certificate-authority');
  });

  it('runs commands inside a node with lab ssh; nodes have no default route', async () => {
    const addr = await nanokube(['lab', 'ssh', 'worker01', '--dir', lab.dir, '--', 'ip', '-4', 'addr', 'show', 'eth0']);
    expect(addr.code).toBe(0);
    expect(addr.out).toContain('192.168.56.101/24');
    const route = await nanokube(['lab', 'ssh', 'worker02', '--dir', lab.dir, '--', 'ip', 'route', 'show', 'default']);
    expect(route).toEqual({ code: 0, out: '' });
  });

  it('gives each node its pod network when the kubelet package ships the plugin', async (ctx) => {
    if (lab.upOutput.includes('[network] skipped')) ctx.skip();
    const br = await nanokube(['lab', 'ssh', 'worker01', '--dir', lab.dir, '--', 'ip', '-4', '-o', 'addr', 'show', 'nk0']);
    expect(br.out).toMatch(/inet 10\.244\.\d+\.1\/24/);
    const routes = await nanokube(['lab', 'ssh', 'worker01', '--dir', lab.dir, '--', 'ip', 'route', 'show', 'proto', '78']);
    expect(routes.out.trim().split('\n')).toHaveLength(3);
  });

  it('stops one kubelet (its Lease stops renewing) and starts it again', async () => {
    const renewTime = async (node: string): Promise<string> =>
      (await lab.kubectl.ok(['get', 'lease', '-n', 'kube-node-lease', node, '-o', 'jsonpath={.spec.renewTime}'])).trim();
    expect((await nanokube(['lab', 'stop', 'worker01', 'kubelet', '--dir', lab.dir])).out).toContain('worker01/kubelet stopped');
    const status = await nanokube(['lab', 'status', '--dir', lab.dir]);
    expect(status.out).toMatch(/worker01\s+192\.168\.56\.101\s+\S+\s+kubelet\s+stopped/);
    const [stopped0, other0] = [await renewTime('worker01'), await renewTime('worker02')];
    await sleep(12_000);
    expect(await renewTime('worker01')).toBe(stopped0);
    expect(await renewTime('worker02')).not.toBe(other0);

    expect((await nanokube(['lab', 'start', 'worker01', 'kubelet', '--dir', lab.dir])).out).toContain('worker01/kubelet started');
    const deadline = Date.now() + 30_000;
    while ((await renewTime('worker01')) === stopped0 && Date.now() < deadline) await sleep(1_000);
    expect(await renewTime('worker01')).not.toBe(stopped0);
  }, 60_000);

  it('lab down leaves no namespace, link, iptables chain, process or folder behind', async () => {
    const state = JSON.parse(await readFile(join(lab.dir, 'lab.json'), 'utf8')) as { components: { pid?: number }[] };
    pids = [...pids, ...state.components.flatMap((c) => (c.pid ? [c.pid] : []))];
    const down = await nanokube(['lab', 'down', '--dir', lab.dir], 120_000);
    expect(down.code).toBe(0);
    expect(down.out).toContain('lab removed');
    expect(await labLeftovers(lab.prefix)).toEqual([]);
    expect(pids.filter(alive)).toEqual([]);
    expect(existsSync(lab.dir)).toBe(false);
    expect(await lab.kubectl.run(['config', 'get-contexts', 'nanokube-lab'])).toMatchObject({ code: 1 });
  }, 150_000);
});
