/**
 * setupBootstrapToken is the bootstrap-token phase of `kubeadm init`, for `nanokube init`/`up` to call
 * once the apiserver answers: it creates the token (default 24 h; `ttlMs` 0 = never expires),
 * publishes and signs cluster-info, and returns the join command to print.
 */
import { configFromKubeconfig, RestClient } from '@nanokube/client';
import { createTokenSecret, ensureClusterInfo, joinCommand } from './discovery/upload.js';
import { defaultTokenDescription, defaultTokenTtlMs, generateToken, parseToken } from './token/bootstrap-token.js';

/** What setupBootstrapToken did. */
export interface BootstrapTokenSetup {
  token: string;
  joinCommand: string;
}

/** setupBootstrapToken creates the token with admin.conf's credentials (see module comment). */
export async function setupBootstrapToken(opts: { adminConf: string; token?: string; ttlMs?: number; now?: Date }): Promise<BootstrapTokenSetup> {
  const config = await configFromKubeconfig(opts.adminConf, { userAgent: 'nanokube-init/v0.1.0' });
  const rest = new RestClient(config);
  const token = opts.token ?? generateToken();
  try {
    await createTokenSecret(rest, {
      token: parseToken(token),
      ttlMs: opts.ttlMs ?? defaultTokenTtlMs,
      description: defaultTokenDescription,
      ...(opts.now ? { now: opts.now } : {}),
    });
    await ensureClusterInfo(rest, config.caPem ?? '', config.server, opts.now);
  } finally {
    await rest.close();
  }
  return { token, joinCommand: joinCommand(config.server, token, config.caPem ?? '') };
}
