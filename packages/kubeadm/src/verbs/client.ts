/** Loading an admin client for the token verbs (`--kubeconfig`, or `--dir` as `nanokube init` wrote it). */
import { join } from 'node:path';
import { configFromKubeconfig, RestClient } from '@nanokube/client';
import { stringFlag, type FlagSpecs, type ParsedFlags } from '@nanokube/component-base';

/** The flags every admin verb takes. */
export const adminFlags: FlagSpecs = {
  kubeconfig: { type: 'string', description: 'The kubeconfig to talk to the cluster with (default DIR/admin.conf)' },
  dir: { type: 'string', description: 'The folder `nanokube init` wrote (kubeadm: /etc/kubernetes)', default: '/etc/kubernetes' },
};

/** adminClient builds a RestClient from --kubeconfig or --dir/admin.conf. */
export async function adminClient(f: ParsedFlags): Promise<{ rest: RestClient; server: string; caPem: string }> {
  const path = stringFlag(f, 'kubeconfig') ?? join(stringFlag(f, 'dir') ?? '/etc/kubernetes', 'admin.conf');
  const config = await configFromKubeconfig(path, { userAgent: 'nanokube-token/v0.1.0' });
  return { rest: new RestClient(config), server: config.server, caPem: config.caPem ?? '' };
}
