import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@nanokube/component-base';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { publicKeyHash } from '../inspect.js';
import { initVerb } from './init.js';
import { kubeconfigVerb } from './kubeconfig.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nk-init-verb-'));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

function captureStdout(): () => string {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  return () => write.mock.calls.map((c) => String(c[0])).join('');
}

describe('initVerb', () => {
  it('writes the files and prints the kubeadm-style log and the CA hash', async () => {
    const printed = captureStdout();
    expect(await initVerb.run(['--dir', dir, '--node-name', 'm1', '--secure-port', '7443'])).toBe(0);
    const hash = publicKeyHash(await readFile(join(dir, 'pki', 'ca.crt'), 'utf8'));
    expect(printed()).toContain('[certs] Generating "apiserver" certificate and key\n');
    expect(printed()).toContain(`--discovery-token-ca-cert-hash ${hash}`);
    expect((await readdir(dir)).sort()).toEqual(['admin.conf', 'controller-manager.conf', 'kubelet.conf', 'pki', 'proxy.conf', 'scheduler.conf', 'super-admin.conf']);
  });

  it.each([
    { name: 'missing --dir', argv: [], message: /--dir is required/ },
    { name: 'a host name as advertise address', argv: ['--dir', 'x', '--advertise-address', 'master'], message: /must be an IP address/ },
    { name: 'a port out of range', argv: ['--dir', 'x', '--secure-port', '70000'], message: /1-65535/ },
  ])('rejects $name', async ({ argv, message }) => {
    await expect(initVerb.run(argv)).rejects.toSatisfy((e) => e instanceof UsageError && message.test(e.message));
  });
});

describe('kubeconfigVerb', () => {
  it('requires the "user" subcommand', async () => {
    await expect(kubeconfigVerb.run(['--dir', dir, '--client-name', 'a'])).rejects.toThrow(/subcommand "user"/);
  });
});
