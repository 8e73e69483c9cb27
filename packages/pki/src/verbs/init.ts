/** `nanokube init`: the certificate and kubeconfig phases of `kubeadm init`. */
import { isIP } from 'node:net';
import { intFlag, parseFlags, stringFlag, UsageError, type Verb } from '@nanokube/component-base';
import { initControlPlaneFiles } from '../init/control-plane.js';

/** initVerb writes kubeadm's certificates and kubeconfigs under --dir and prints what it did. */
export const initVerb: Verb = {
  name: 'init',
  summary: 'Write the cluster CA, component certificates and kubeconfigs (kubeadm init phases certs + kubeconfig)',
  usage: 'nanokube init --dir DIR [flags]',
  flags: {
    dir: { type: 'string', description: 'Folder to write into (kubeadm uses /etc/kubernetes)' },
    'advertise-address': { type: 'string', description: 'IP address the apiserver advertises', default: '127.0.0.1' },
    'secure-port': { type: 'string', description: 'Port the apiserver serves HTTPS on', default: '6443' },
    'apiserver-cert-extra-sans': { type: 'string', description: 'Extra SANs (IPs or DNS names, comma-separated) for the apiserver certificate' },
    'node-name': { type: 'string', description: 'Name of this node (default: the host name)' },
    'cluster-name': { type: 'string', description: 'Cluster name used in kubeconfigs', default: 'kubernetes' },
  },
  async run(argv) {
    const flags = parseFlags(argv, this.flags);
    const dir = stringFlag(flags, 'dir', true) ?? '';
    const advertiseAddress = stringFlag(flags, 'advertise-address') ?? '127.0.0.1';
    if (isIP(advertiseAddress) === 0) throw new UsageError(`flag --advertise-address must be an IP address, got "${advertiseAddress}"`);
    const securePort = intFlag(flags, 'secure-port') ?? 6443;
    if (securePort < 1 || securePort > 65535) throw new UsageError(`flag --secure-port must be 1-65535, got ${securePort}`);
    const extra = stringFlag(flags, 'apiserver-cert-extra-sans');
    const nodeName = stringFlag(flags, 'node-name');
    const result = await initControlPlaneFiles({
      dir,
      advertiseAddress,
      securePort,
      apiserverCertExtraSans: extra ? extra.split(',').map((s) => s.trim()) : [],
      clusterName: stringFlag(flags, 'cluster-name') ?? 'kubernetes',
      ...(nodeName ? { nodeName } : {}),
      out: (line) => process.stdout.write(line + '\n'),
    });
    process.stdout.write(
      [
        '',
        `Your control-plane certificates and kubeconfigs are ready in ${result.dir}.`,
        '',
        'To use kubectl as the cluster administrator once the apiserver runs:',
        '',
        `  export KUBECONFIG=${result.adminConf}`,
        '',
        `The CA certificate hash for joining nodes is --discovery-token-ca-cert-hash ${result.caHash}`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};
