/**
 * The lab's credentials: the control plane's files from `init` (advertised at the master's lab address),
 * the cluster DNS's kubeconfig, and the `nanokube-lab` context merged into (and later removed from) the
 * user's kubeconfig. Workers get theirs by joining (join.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildKubeconfig,
  initControlPlaneFiles,
  issueCertificate,
  loadKubeconfig,
  mergeKubeconfig,
  readKubeconfig,
  writeKubeconfig,
  type InitResult,
} from '@nanokube/pki';
import { labApiserverPort, labContextName } from './topology.js';

/** initLab writes the control plane's certificates and kubeconfigs under `<masterDir>/kubernetes`. */
export function initLab(opts: { masterDir: string; masterIP: string; out: (line: string) => void }): Promise<InitResult> {
  return initControlPlaneFiles({
    dir: join(opts.masterDir, 'kubernetes'),
    advertiseAddress: opts.masterIP,
    securePort: labApiserverPort,
    nodeName: 'master',
    out: opts.out,
  });
}

/** The identity of the lab's cluster DNS: the `kube-system/coredns` ServiceAccount, as kubeadm's CoreDNS runs as. */
export const labDnsUser = { namespace: 'kube-system', serviceAccount: 'coredns' } as const;

/**
 * writeDnsKubeconfig writes `<masterDir>/kubernetes/dns.conf` for `nanokube dns`: a client certificate
 * naming the `kube-system/coredns` ServiceAccount (the x509 authenticator turns CN and O into exactly the
 * user a token of that account would give), so the `system:coredns` binding the lab applies covers it.
 */
export function writeDnsKubeconfig(init: InitResult): Promise<string> {
  const { namespace, serviceAccount } = labDnsUser;
  return writeClientKubeconfig(init, {
    cn: `system:serviceaccount:${namespace}:${serviceAccount}`,
    orgs: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
    path: join(init.dir, 'dns.conf'),
  });
}

/** writeClientKubeconfig issues a client certificate signed by the cluster CA and writes a kubeconfig with it. */
export async function writeClientKubeconfig(init: InitResult, who: { cn: string; orgs: string[]; path: string }): Promise<string> {
  const ca = {
    certPem: await readFile(init.caCertPath, 'utf8'),
    keyPem: await readFile(join(init.pkiDir, 'ca.key'), 'utf8'),
  };
  const pair = await issueCertificate({ ca, cn: who.cn, orgs: who.orgs, usages: 'client' });
  await writeKubeconfig(who.path, buildKubeconfig({
    clusterName: init.clusterName,
    server: init.server,
    caPem: ca.certPem,
    userName: who.cn,
    clientCertPem: pair.certPem,
    clientKeyPem: pair.keyPem,
  }));
  return who.path;
}

/** mergeLabContext adds the `nanokube-lab` cluster, user and context to a kubeconfig and makes it current. */
export async function mergeLabContext(adminConf: string, target: string): Promise<void> {
  const admin = await loadKubeconfig(adminConf);
  await mergeKubeconfig(target, buildKubeconfig({
    clusterName: labContextName,
    server: admin.server,
    caPem: admin.caPem ?? '',
    userName: `${labContextName}-admin`,
    clientCertPem: admin.clientCertPem ?? '',
    clientKeyPem: admin.clientKeyPem ?? '',
    contextName: labContextName,
  }), { setCurrent: true });
}

/** removeLabContext deletes what {@link mergeLabContext} added; a current context pointing at it is cleared. */
export async function removeLabContext(target: string): Promise<void> {
  let kc;
  try {
    kc = await readKubeconfig(target);
  } catch {
    return;
  }
  kc.clusters = kc.clusters.filter((c) => c.name !== labContextName);
  kc.users = kc.users.filter((u) => u.name !== `${labContextName}-admin`);
  kc.contexts = kc.contexts.filter((c) => c.name !== labContextName);
  if (kc['current-context'] === labContextName) kc['current-context'] = '';
  await writeKubeconfig(target, kc);
}
