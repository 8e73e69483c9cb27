/** `nanokube kubeconfig user`: kubeadm's `kubeconfig user`, a kubeconfig for a new user signed by the cluster CA. */
import { join } from 'node:path';
import { intFlag, parseFlags, stringFlag, UsageError, type Verb } from '@nanokube/component-base';
import { issueCertificate } from '../certs.js';
import { loadCA } from '../files.js';
import { buildKubeconfig, loadKubeconfig, serializeKubeconfig } from '../kubeconfig.js';

/** kubeconfigVerb prints a kubeconfig for --client-name, with the server and cluster of DIR/admin.conf. */
export const kubeconfigVerb: Verb = {
  name: 'kubeconfig',
  summary: 'Print a kubeconfig for a new user signed by the cluster CA (kubeadm kubeconfig user)',
  usage: 'nanokube kubeconfig user --dir DIR --client-name NAME [--org GROUP ...] [--validity-days N] [--token TOKEN]',
  positionals: true,
  flags: {
    dir: { type: 'string', description: 'Folder written by `nanokube init` (holds pki/ and admin.conf)' },
    'client-name': { type: 'string', description: 'User name: the certificate CN' },
    org: { type: 'string', multiple: true, description: 'Group: a certificate O (repeatable)' },
    'validity-days': { type: 'string', description: 'Certificate lifetime in days', default: '365' },
    token: { type: 'string', description: 'Use this bearer token instead of a client certificate' },
  },
  async run(argv) {
    const flags = parseFlags(argv, this.flags, true);
    const [sub, ...rest] = flags.positionals;
    if (sub !== 'user' || rest.length > 0) throw new UsageError('expected the subcommand "user"');
    const dir = stringFlag(flags, 'dir', true) ?? '';
    const clientName = stringFlag(flags, 'client-name', true) ?? '';
    const validityDays = intFlag(flags, 'validity-days') ?? 365;
    if (validityDays < 1) throw new UsageError(`flag --validity-days must be positive, got ${validityDays}`);
    const orgs = (flags.values['org'] as string[] | undefined) ?? [];
    const token = stringFlag(flags, 'token');

    const admin = await loadKubeconfig(join(dir, 'admin.conf'));
    const ca = await loadCA(join(dir, 'pki'));
    const credentials = token
      ? { token }
      : await issueCertificate({ ca, cn: clientName, orgs, usages: 'client', validityDays }).then((c) => ({
          clientCertPem: c.certPem,
          clientKeyPem: c.keyPem,
        }));
    const kc = buildKubeconfig({ clusterName: admin.clusterName, server: admin.server, caPem: ca.certPem, userName: clientName, ...credentials });
    process.stdout.write(serializeKubeconfig(kc));
    return 0;
  },
};
