/**
 * Workers join the lab as they join a kubeadm cluster: once the apiserver answers, the lab does init's
 * bootstrap-token phase (a token Secret that never expires, as the Vagrant lab's, and the signed
 * `kube-public/cluster-info`), then runs the real `nanokube join MASTER:6443 --token T
 * --discovery-token-ca-cert-hash sha256:H` inside each worker's namespace: anonymous discovery, the JWS
 * check, and a kubelet client CSR that the controller-manager approves and signs. The master keeps the
 * kubelet.conf init wrote, as kubeadm's control-plane node does.
 */
import { join } from 'node:path';
import { generateToken, setupBootstrapToken } from '@nanokube/kubeadm';
import type { InitResult } from '@nanokube/pki';
import { runInNetns } from './run.js';
import type { LabNode } from './topology.js';

/** What a worker needs to join: the apiserver endpoint, the bootstrap token and the CA's public key hash. */
export interface LabJoinData {
  /** `HOST:PORT` of the apiserver. */
  endpoint: string;
  token: string;
  /** `sha256:<hex>`. */
  caHash: string;
  /** The command init prints for workers. */
  joinCommand: string;
}

/**
 * createLabToken stores a never-expiring bootstrap token and signs cluster-info for it, with admin.conf's
 * credentials. Right after the apiserver turns ready `kube-system` may not exist yet: it retries until
 * the deadline (with the same token, so a retry never leaves a second one behind).
 */
export async function createLabToken(init: InitResult, timeoutMs = 30_000): Promise<LabJoinData> {
  const token = generateToken();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const setup = await setupBootstrapToken({ adminConf: init.adminConf, token, ttlMs: 0 });
      return { endpoint: new URL(init.server).host, token, caHash: init.caHash, joinCommand: setup.joinCommand };
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Options of {@link joinWorker}. */
export interface JoinWorkerOptions {
  node: LabNode;
  /** The node's folder: join writes `kubelet.conf`, `bootstrap-kubelet.conf` and `pki/ca.crt` there. */
  nodeDir: string;
  /** The `nanokube` entry script. */
  nanokubeBin: string;
  join: LabJoinData;
  timeoutMs: number;
}

/** joinArgs is the `nanokube join` command line a worker runs (after `nanokube`). */
export function joinArgs(opts: Pick<JoinWorkerOptions, 'node' | 'nodeDir' | 'join' | 'timeoutMs'>): string[] {
  return ['join', opts.join.endpoint, '--token', opts.join.token, '--discovery-token-ca-cert-hash', opts.join.caHash,
    '--node-name', opts.node.name, '--dir', opts.nodeDir, '--timeout', `${Math.ceil(opts.timeoutMs / 1000)}s`];
}

/** joinWorker runs `nanokube join` in the worker's namespace (log `<nodeDir>/logs/join.log`) and returns the kubelet.conf it wrote. */
export async function joinWorker(opts: JoinWorkerOptions): Promise<string> {
  await runInNetns({
    netns: opts.node.netns,
    argv: [process.execPath, opts.nanokubeBin, ...joinArgs(opts)],
    logFile: join(opts.nodeDir, 'logs', 'join.log'),
    // join gives up on its own at its --timeout; this only bounds a hung process.
    timeoutMs: opts.timeoutMs + 15_000,
    cwd: opts.nodeDir,
  });
  return join(opts.nodeDir, 'kubelet.conf');
}
