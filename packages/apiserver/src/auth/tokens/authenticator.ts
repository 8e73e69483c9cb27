/**
 * The bearer-token authenticator of the apiserver: bootstrap tokens, then service account JWTs,
 * with lookups through the Registry and a short result cache (upstream validates against informer
 * caches, so a deleted service account stops authenticating within seconds, not instantly).
 */
import { isNotFound } from '@nanokube/api';
import type { KubeObject, Registry } from '../../registry/types.js';
import { bearerTokenAuthenticator, type Authenticator, type UserInfo } from '../../server/auth.js';
import { findDefinition, systemContext } from '../informer.js';
import { authenticateBootstrapToken, parseBootstrapToken, type BootstrapSecret } from './bootstrap.js';
import { looksLikeJwt } from './jwt.js';
import type { ServiceAccountTokens } from './service-account.js';

const cacheTtlMs = 2000;
const cacheMax = 4096;

/** registryGetter reads one object through the registry (undefined when not found). */
export function registryGetter(registry: Registry): (kind: 'ServiceAccount' | 'Pod' | 'Secret' | 'Node', namespace: string, name: string) => Promise<KubeObject | undefined> {
  const resources = { ServiceAccount: 'serviceaccounts', Pod: 'pods', Secret: 'secrets', Node: 'nodes' } as const;
  return async (kind, namespace, name) => {
    const def = findDefinition(registry, '', resources[kind]);
    try {
      return await registry.get(systemContext(def.namespaced ? namespace : ''), def, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
}

/** The token authenticator and its raw lookup (for TokenReview). */
export interface TokenAuthentication {
  authenticator: Authenticator;
  /** Validates a token for audiences (default: the API audiences). */
  lookup(token: string, audiences?: string[]): Promise<{ user: UserInfo; audiences: string[] } | undefined>;
}

/** createTokenAuthentication builds the bootstrap-token + service-account-token chain. */
export function createTokenAuthentication(deps: { registry: Registry; serviceAccounts?: ServiceAccountTokens; now?: () => Date }): TokenAuthentication {
  const now = deps.now ?? (() => new Date());
  const get = registryGetter(deps.registry);
  const cache = new Map<string, { until: number; user: UserInfo }>();
  const apiAudiences = deps.serviceAccounts?.apiAudiences ?? [];

  const lookup = async (token: string, audiences?: string[]): Promise<{ user: UserInfo; audiences: string[] } | undefined> => {
    const t = now();
    if (parseBootstrapToken(token)) {
      const user = await authenticateBootstrapToken(token, async (name) => (await get('Secret', 'kube-system', name)) as BootstrapSecret | undefined, t);
      return user ? { user, audiences: audiences ?? apiAudiences } : undefined;
    }
    if (deps.serviceAccounts && looksLikeJwt(token)) return deps.serviceAccounts.authenticate(token, t, audiences ?? apiAudiences);
    return undefined;
  };

  const authenticator = bearerTokenAuthenticator(async (token) => {
    const hit = cache.get(token);
    const t = now().getTime();
    if (hit && hit.until > t) return hit.user;
    const res = await lookup(token);
    if (!res) return undefined;
    if (cache.size >= cacheMax) cache.clear();
    cache.set(token, { until: t + cacheTtlMs, user: res.user });
    return res.user;
  });
  return { authenticator, lookup };
}
