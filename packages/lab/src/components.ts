/**
 * What runs on each lab node, as `nanokube` command lines: the master runs the store (loopback only),
 * the apiserver (on the lab network), the controller-manager and scheduler; every node runs a kubelet
 * and, when this build has it, a proxy; the cluster DNS (`nanokube dns`) runs on the master as well.
 * Optional flags are passed only when the verb's `--help` lists them, so the lab works with whichever
 * components this build has.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { InitResult } from '@nanokube/pki';
import type { LabNode } from './topology.js';
import { labApiserverPort, labStoreUrl } from './topology.js';

/** The flags each available verb accepts (from its `--help`); a missing verb is absent. */
export type VerbFlags = Map<string, Set<string>>;

/** One component to run on one node. */
export interface ComponentPlan {
  node: string;
  name: string;
  args: string[];
}

/** The docker.io mirror the master serves from an image store (`nanokube image serve`). */
export interface RegistryMirror {
  /** `IP:PORT` on the lab network. */
  listen: string;
  /** The image store it serves. */
  root: string;
}

/** What {@link planComponents} needs. */
export interface PlanInput {
  nodes: LabNode[];
  nodeDir: (node: string) => string;
  init: InitResult;
  /** kubelet kubeconfig per node name. */
  kubeletConf: Map<string, string>;
  verbs: VerbFlags;
  runtime: string;
  /** The cgroup parent of each node's pods, when the kubelet takes one. */
  cgroupParent: (node: string) => string;
  /** The docker.io mirror every kubelet pulls from (`http://<master>:5000`), served by the master; none when undefined. */
  registryMirror?: RegistryMirror;
  /** The kubeconfig `nanokube dns` watches with; no cluster DNS when undefined (or without the verb). */
  dnsConf?: string;
  /** The controller-manager's `--node-monitor-grace-period` (e.g. `20s`); its default when undefined. */
  nodeMonitorGracePeriod?: string;
  /** Extra controller-manager flags appended as given (e.g. short `--horizontal-pod-autoscaler-*` windows for tests). */
  controllerManagerArgs?: string[];
}

/** The port `nanokube dns` listens on, UDP and TCP, on the master's lab address. */
export const labDnsPort = 53;

/** The port of the lab's registry mirror on the master. */
export const labRegistryPort = 5000;

/** probeVerbs asks the `nanokube` binary for the flags of each verb; verbs it does not know are left out. */
export async function probeVerbs(nanokubeBin: string, verbs: readonly string[]): Promise<VerbFlags> {
  const found: VerbFlags = new Map();
  await Promise.all(verbs.map(async (verb) => {
    const help = await new Promise<string | undefined>((resolve) => {
      execFile(process.execPath, [nanokubeBin, verb, '--help'], { timeout: 20_000, encoding: 'utf8' }, (err, stdout) =>
        resolve(err ? undefined : stdout),
      );
    });
    if (help !== undefined) found.set(verb, new Set([...help.matchAll(/--([a-z0-9-]+)/g)].map((m) => m[1] as string)));
  }));
  return found;
}

/** planComponents lists the components of every node in start order: control plane first, then agents. */
export function planComponents(p: PlanInput): ComponentPlan[] {
  const master = p.nodes.find((n) => n.role === 'control-plane');
  const plans: ComponentPlan[] = [];
  const has = (verb: string, flag: string): boolean => p.verbs.get(verb)?.has(flag) ?? false;
  const optional = (verb: string, flags: [string, string][]): string[] =>
    flags.flatMap(([flag, value]) => (has(verb, flag) ? [`--${flag}`, value] : []));
  if (master) {
    const pki = p.init.pkiDir;
    plans.push({ node: master.name, name: 'store', args: ['store', '--data-dir', join(p.nodeDir(master.name), 'store'), '--listen-client-urls', labStoreUrl] });
    plans.push({
      node: master.name,
      name: 'apiserver',
      args: ['apiserver', '--etcd-servers', labStoreUrl, '--secure-port', String(labApiserverPort), '--bind-address', '0.0.0.0',
        '--advertise-address', master.ip, '--cert-dir', p.init.dir,
        // Logs, exec and metrics reach kubelets over TLS verified against the cluster CA (their serving certificates).
        '--kubelet-certificate-authority', join(pki, 'ca.crt')],
    });
    if (p.verbs.has('controller-manager')) {
      plans.push({
        node: master.name,
        name: 'controller-manager',
        args: ['controller-manager', '--kubeconfig', p.init.controllerManagerConf, ...optional('controller-manager', [
          ['cluster-cidr', '10.244.0.0/16'],
          ['cluster-signing-cert-file', join(pki, 'ca.crt')],
          ['cluster-signing-key-file', join(pki, 'ca.key')],
          ['service-account-private-key-file', join(pki, 'sa.key')],
          ['root-ca-file', join(pki, 'ca.crt')],
          ...(p.nodeMonitorGracePeriod ? [['node-monitor-grace-period', p.nodeMonitorGracePeriod] as [string, string]] : []),
        ]), ...(p.controllerManagerArgs ?? [])],
      });
    }
    if (p.verbs.has('scheduler')) plans.push({ node: master.name, name: 'scheduler', args: ['scheduler', '--kubeconfig', p.init.schedulerConf] });
    if (p.dnsConf && p.verbs.has('dns')) {
      // No upstreams: the lab's nodes have no default route, so names outside the cluster fail at once (SERVFAIL).
      plans.push({
        node: master.name,
        name: 'dns',
        args: ['dns', '--kubeconfig', p.dnsConf, '--listen', `${master.ip}:${labDnsPort}`, '--resolv-conf', '/dev/null'],
      });
    }
    if (p.registryMirror) {
      plans.push({ node: master.name, name: 'registry', args: ['image', 'serve', '--root', p.registryMirror.root, '--listen', p.registryMirror.listen] });
    }
  }
  for (const n of p.nodes) {
    if (p.verbs.has('kubelet')) plans.push({ node: n.name, name: 'kubelet', args: kubeletArgs(p, n, optional) });
    if (p.verbs.has('proxy')) {
      plans.push({ node: n.name, name: 'proxy', args: ['proxy', '--kubeconfig', p.init.proxyConf, ...optional('proxy', [['hostname-override', n.name], ['node-ip', n.ip], ['cluster-cidr', '10.244.0.0/16']])] });
    }
  }
  return plans;
}

function kubeletArgs(p: PlanInput, n: LabNode, optional: (verb: string, flags: [string, string][]) => string[]): string[] {
  const args = ['kubelet', `--runtime=${p.runtime}`, '--node-name', n.name, '--node-ip', n.ip, '--kubeconfig', p.kubeletConf.get(n.name) ?? ''];
  if (n.role === 'control-plane') {
    args.push('--register-with-taints', 'node-role.kubernetes.io/control-plane=:NoSchedule', '--node-labels',
      // As kubeadm labels a control-plane node: its role, and no LoadBalancer IPs announced from it.
      'node-role.kubernetes.io/control-plane=,node.kubernetes.io/exclude-from-external-load-balancers=');
  }
  // A serving certificate signed by the cluster CA (kubernetes.io/kubelet-serving), which the apiserver verifies
  // (the Vagrant units pass the same flag).
  if (p.verbs.get('kubelet')?.has('rotate-server-certificates')) args.push('--rotate-server-certificates');
  args.push(...kubeletNodeFlags(p, n.name, optional));
  return args;
}

/** What {@link kubeletLabFlags} needs: the parts of {@link PlanInput} that place a node's state. */
export type KubeletPlacement = Pick<PlanInput, 'nodeDir' | 'verbs' | 'cgroupParent' | 'registryMirror'>;

/**
 * kubeletLabFlags lists the flags that keep one lab node's kubelet to its own state: root, runc and
 * network state folders, pod logs, image store, cgroup parent, and the docker.io mirror. Only flags the
 * kubelet's `--help` lists are given.
 */
export function kubeletLabFlags(p: KubeletPlacement, node: string): string[] {
  return kubeletNodeFlags(p, node, (verb, flags) => flags.flatMap(([flag, value]) => (p.verbs.get(verb)?.has(flag) ? [`--${flag}`, value] : [])));
}

function kubeletNodeFlags(p: KubeletPlacement, node: string, optional: (verb: string, flags: [string, string][]) => string[]): string[] {
  const dir = p.nodeDir(node);
  return optional('kubelet', [
    ['root-dir', join(dir, 'kubelet')],
    ['runc-root', join(dir, 'runc')],
    ['cgroup-parent', p.cgroupParent(node)],
    ['pod-logs-dir', join(dir, 'pod-logs')],
    ['image-root', join(dir, 'images')],
    ['pod-network-state-dir', join(dir, 'network')],
    ...(p.registryMirror ? [['registry-endpoint', `docker.io=http://${p.registryMirror.listen}`] as [string, string]] : []),
  ]);
}
