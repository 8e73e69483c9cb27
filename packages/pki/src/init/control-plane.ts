/**
 * initControlPlaneFiles writes kubeadm's control-plane files (`/etc/kubernetes` layout) under one
 * folder: the cluster CA, the apiserver's serving and kubelet-client certificates, the front-proxy
 * CA and client, the service-account key pair, and one kubeconfig per component.
 */
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { publicKeyHash } from '../inspect.js';
import { ensureCA, ensureKubeconfig, ensureLeaf, ensureServiceAccountKey, type KubeconfigSpec, type StepContext } from './ensure.js';

/** Options of {@link initControlPlaneFiles}; the defaults are kubeadm's. */
export interface InitOptions {
  /** Folder to write into (kubeadm's `/etc/kubernetes`); `pki/` is created inside it. */
  dir: string;
  /** The apiserver's address on the node network. Default `127.0.0.1`. */
  advertiseAddress?: string;
  /** Default 6443. */
  securePort?: number;
  /** Extra SANs for the apiserver certificate; IPs and DNS names may be mixed. */
  apiserverCertExtraSans?: readonly string[];
  /** Default the host name, lower-cased. */
  nodeName?: string;
  /** Default `kubernetes`. */
  clusterName?: string;
  /** The `kubernetes` Service's ClusterIP: the first address of the service CIDR. Default `10.96.0.1`. */
  kubernetesServiceIP?: string;
  /** Default `cluster.local`. */
  dnsDomain?: string;
  /** Receives kubeadm-style progress lines (`[certs] Generating "ca" certificate and key`). */
  out?: (line: string) => void;
}

/** What {@link initControlPlaneFiles} produced. Paths are absolute. */
export interface InitResult {
  dir: string;
  pkiDir: string;
  /** `https://<advertise-address>:<secure-port>`. */
  server: string;
  clusterName: string;
  nodeName: string;
  caCertPath: string;
  /** `sha256:<hex>`, for `join --discovery-token-ca-cert-hash`. */
  caHash: string;
  adminConf: string;
  superAdminConf: string;
  controllerManagerConf: string;
  schedulerConf: string;
  kubeletConf: string;
  proxyConf: string;
  /** Files created or replaced by this run (empty when everything was reused). */
  written: string[];
}

/** initControlPlaneFiles creates what is missing under opts.dir and reuses what is still valid. */
export async function initControlPlaneFiles(opts: InitOptions): Promise<InitResult> {
  const dir = resolve(opts.dir);
  const pkiDir = join(dir, 'pki');
  const advertiseAddress = opts.advertiseAddress ?? '127.0.0.1';
  const clusterName = opts.clusterName ?? 'kubernetes';
  const nodeName = (opts.nodeName ?? hostname()).toLowerCase();
  const server = `https://${isIP(advertiseAddress) === 6 ? `[${advertiseAddress}]` : advertiseAddress}:${opts.securePort ?? 6443}`;
  const ctx: StepContext = { out: opts.out ?? (() => {}), written: [] };

  ctx.out(`[certs] Using certificateDir folder "${pkiDir}"`);
  const ca = await ensureCA(ctx, pkiDir, 'ca', 'kubernetes');
  await ensureLeaf(ctx, pkiDir, ca, {
    name: 'apiserver',
    cn: 'kube-apiserver',
    usage: 'server',
    sans: apiserverSans({ ...opts, advertiseAddress, nodeName }),
  });
  // kubeadm 1.29+ puts this client in kubeadm:cluster-admins; system:masters works before RBAC is bootstrapped.
  await ensureLeaf(ctx, pkiDir, ca, { name: 'apiserver-kubelet-client', cn: 'kube-apiserver-kubelet-client', orgs: ['system:masters'], usage: 'client' });
  const frontProxyCA = await ensureCA(ctx, pkiDir, 'front-proxy-ca', 'front-proxy-ca');
  await ensureLeaf(ctx, pkiDir, frontProxyCA, { name: 'front-proxy-client', cn: 'front-proxy-client', usage: 'client' });
  await ensureServiceAccountKey(ctx, pkiDir);

  ctx.out(`[kubeconfig] Using kubeconfig folder "${dir}"`);
  for (const spec of kubeconfigSpecs(nodeName)) {
    await ensureKubeconfig(ctx, dir, ca, { clusterName, server }, spec);
  }
  return {
    dir,
    pkiDir,
    server,
    clusterName,
    nodeName,
    caCertPath: join(pkiDir, 'ca.crt'),
    caHash: publicKeyHash(ca.certPem),
    adminConf: join(dir, 'admin.conf'),
    superAdminConf: join(dir, 'super-admin.conf'),
    controllerManagerConf: join(dir, 'controller-manager.conf'),
    schedulerConf: join(dir, 'scheduler.conf'),
    kubeletConf: join(dir, 'kubelet.conf'),
    proxyConf: join(dir, 'proxy.conf'),
    written: ctx.written,
  };
}

/** kubeconfigSpecs lists the component kubeconfigs in the order kubeadm writes them. */
function kubeconfigSpecs(nodeName: string): KubeconfigSpec[] {
  return [
    // kubeadm 1.29+ gives admin.conf the group kubeadm:cluster-admins, bound to cluster-admin by a
    // ClusterRoleBinding it creates. system:masters is authorised without any RBAC object, so the admin
    // kubeconfig works before (and without) RBAC bootstrapping.
    { file: 'admin.conf', cn: 'kubernetes-admin', orgs: ['system:masters'] },
    { file: 'super-admin.conf', cn: 'kubernetes-super-admin', orgs: ['system:masters'] },
    { file: 'kubelet.conf', cn: `system:node:${nodeName}`, orgs: ['system:nodes'] },
    { file: 'controller-manager.conf', cn: 'system:kube-controller-manager', orgs: [] },
    { file: 'scheduler.conf', cn: 'system:kube-scheduler', orgs: [] },
    // kubeadm's kube-proxy uses a ServiceAccount token; a certificate for system:kube-proxy (bound to
    // system:node-proxier by the default policy) lets nanokube's proxy start before any token exists.
    { file: 'proxy.conf', cn: 'system:kube-proxy', orgs: [] },
  ];
}

/** apiserverSans is kubeadm's SAN list for the apiserver serving certificate. */
function apiserverSans(opts: InitOptions & { advertiseAddress: string; nodeName: string }): { dns: string[]; ips: string[] } {
  const domain = opts.dnsDomain ?? 'cluster.local';
  const dns = ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${domain}`, 'localhost', opts.nodeName];
  const ips = [opts.kubernetesServiceIP ?? '10.96.0.1', '127.0.0.1', opts.advertiseAddress];
  for (const san of opts.apiserverCertExtraSans ?? []) {
    if (san === '') continue;
    if (isIP(san)) ips.push(san);
    else dns.push(san);
  }
  return { dns: [...new Set(dns)], ips: [...new Set(ips)] };
}
