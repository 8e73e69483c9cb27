/**
 * The bootstrap-token phase of `kubeadm init` for nanokube's launchers (`nanokube up`, the lab): once
 * the apiserver answers, store a bootstrap token and a signed cluster-info, and hand back the
 * `nanokube join` command for workers.
 */
import { readFile } from 'node:fs/promises';
import { UsageError } from '@nanokube/component-base';
import { defaultTokenTtlMs, joinCommand, parseGoDuration, parseToken, setupBootstrapToken } from '@nanokube/kubeadm';

/** The `--token` and `--token-ttl` flags of kubeadm init, for a verb's flag table. */
export const bootstrapTokenFlags = {
  token: { type: 'string', description: 'The token to use for joining nodes (format: [a-z0-9]{6}.[a-z0-9]{16}); generated when not given' },
  'token-ttl': { type: 'string', description: "The duration before the token is automatically deleted (e.g. 1s, 2m, 3h). '0' means never expires", default: '24h0m0s' },
} as const;

/** What the launcher was asked for: a token (or none, to generate one) and its lifetime (0 = forever). */
export interface BootstrapTokenRequest {
  token?: string;
  ttlMs: number;
}

/** parseBootstrapTokenFlags validates `--token`/`--token-ttl` with kubeadm's messages, as UsageErrors. */
export function parseBootstrapTokenFlags(token: string | undefined, ttl: string | undefined): BootstrapTokenRequest {
  try {
    if (token !== undefined) parseToken(token);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  let ttlMs = defaultTokenTtlMs;
  if (ttl !== undefined) {
    try {
      ttlMs = parseGoDuration(ttl);
    } catch (err) {
      throw new UsageError(`--token-ttl: ${(err as Error).message}`);
    }
  }
  return { ...(token !== undefined ? { token } : {}), ttlMs };
}

/** Where the cluster is: admin.conf for the writes, the CA file and server for a kept token's join command. */
export interface BootstrapTokenTarget {
  adminConf: string;
  caCertPath: string;
  server: string;
}

/**
 * uploadBootstrapToken creates the token Secret and the signed `kube-public/cluster-info` with
 * admin.conf's credentials and returns the join command. A `--token` that already exists (the same
 * cluster started again) is kept as it is, and its join command returned.
 */
export async function uploadBootstrapToken(target: BootstrapTokenTarget, req: BootstrapTokenRequest): Promise<string> {
  try {
    const setup = await setupBootstrapToken({ adminConf: target.adminConf, ttlMs: req.ttlMs, ...(req.token ? { token: req.token } : {}) });
    return setup.joinCommand;
  } catch (err) {
    if (!req.token || !/already exists/.test((err as Error).message)) throw err;
    return joinCommand(target.server, req.token, await readFile(target.caCertPath, 'utf8'));
  }
}
