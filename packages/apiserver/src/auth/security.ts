/**
 * createSecurity assembles the apiserver's authentication, authorization and admission from the
 * Registry: bearer tokens (bootstrap + service account), impersonation, the authorizer chain
 * (system:masters, Node, RBAC), the admission chain and review APIs (as a wrapping Registry), and
 * the post-start work (RBAC informers, bootstrap policy, ClusterRole aggregation, quota resync).
 */
import type { IncomingMessage } from 'node:http';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { isNotFound } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import type { LimitRange, PersistentVolumeClaim, Pod, ResourceQuota, ServiceAccount } from 'kubernetes-types/core/v1.js';
import { admittingRegistry } from '../admission/registry.js';
import { limitRangerAdmission } from '../admission/limit-ranger.js';
import { nodeRestrictionAdmission } from '../admission/node-restriction.js';
import { rbacEscalationAdmission } from '../admission/rbac-escalation.js';
import { resourceQuotaAdmission } from '../admission/resource-quota.js';
import { serviceAccountAdmission } from '../admission/service-account.js';
import type { AdmissionPlugin } from '../admission/types.js';
import { ensureBootstrapPolicy } from '../bootstrap-policy/ensure.js';
import { systemNodeRules } from '../bootstrap-policy/cluster-roles.js';
import type { GetOptions, KubeObject, Registry, ResourceDefinition } from '../registry/types.js';
import type { Authenticator, Authorizer, UserInfo } from '../server/auth.js';
import { impersonate } from './impersonation.js';
import { findDefinition, systemContext } from './informer.js';
import { nodeAuthorizer, nodeNameOf } from './node/authorizer.js';
import { runClusterRoleAggregation } from './rbac/aggregation.js';
import { rbacAuthorizer, userRules } from './rbac/authorizer.js';
import { informerPolicy, type InformerPolicy } from './rbac/cache.js';
import { createTokenAuthentication, registryGetter } from './tokens/authenticator.js';
import { ServiceAccountTokens } from './tokens/service-account.js';
import { createToken } from './tokens/token-request.js';
import { privilegedGroupAuthorizer, unionAuthorizer } from './union.js';

/** Options of {@link createSecurity}. */
export interface SecurityOptions<R extends Registry = Registry> {
  /** The storage registry (unwrapped); the security layer reads and writes through it as system:apiserver. */
  registry: R;
  logger: Logger;
  /** PEM of `sa.key`; without it TokenRequest and service account tokens are off. */
  serviceAccountSigningKey?: string;
  /** Extra PEM public keys accepted for service account tokens (`sa.pub`, old keys). */
  serviceAccountPublicKeys?: string[];
  /** `--service-account-issuer`; default https://kubernetes.default.svc.cluster.local. */
  issuer?: string;
  /** `--api-audiences`; default [issuer]. */
  apiAudiences?: string[];
  /** Admission plugins to turn off by upstream name (`ServiceAccount`, `LimitRanger`, `ResourceQuota`, `NodeRestriction`, `RBACEscalation`). */
  disableAdmissionPlugins?: string[];
  /** How often quota usage is recomputed; default 15 s, 0 disables. */
  quotaResyncMs?: number;
}

/** The assembled security layer. */
export interface Security<R extends Registry = Registry> {
  /** Authenticators to append after x509 (bearer tokens). */
  authenticators: Authenticator[];
  /** The authorizer chain: system:masters, Node, RBAC. */
  authorizer: Authorizer;
  /** The registry to serve: admission, reviews and TokenRequest around the storage registry (its other members, e.g. ready(), pass through). */
  registry: R;
  /** Applies Impersonate-* headers (403 unless the real user may impersonate). */
  impersonate(req: IncomingMessage, user: UserInfo): Promise<UserInfo>;
  /** The RBAC policy cache. */
  policy: InformerPolicy;
  /** Starts informers, installs the bootstrap policy (once the registry is ready) and background loops. */
  start(signal: AbortSignal, opts?: { whenReady?: () => Promise<void> }): Promise<void>;
}

const rbacSyncWaitMs = 10_000;

async function getOrUndefined(registry: Registry, def: ResourceDefinition, ns: string, name: string, opts: GetOptions = {}): Promise<KubeObject | undefined> {
  try {
    return await registry.get(systemContext(def.namespaced ? ns : ''), def, name, opts);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * cachedOrCurrent reads the watch cache's copy, and the store only when the cache has none yet (an object
 * created an instant ago), as upstream's admission plugins read their informers' listers first.
 */
async function cachedOrCurrent(registry: Registry, def: ResourceDefinition, ns: string, name: string): Promise<KubeObject | undefined> {
  return (await getOrUndefined(registry, def, ns, name, { resourceVersion: '0' })) ?? getOrUndefined(registry, def, ns, name);
}

/** createSecurity builds the security layer over a registry. */
export function createSecurity<R extends Registry>(opts: SecurityOptions<R>): Security<R> {
  const inner = opts.registry;
  const log = opts.logger.child({ subsystem: 'auth' });
  const def = (g: string, r: string): ResourceDefinition => findDefinition(inner, g, r);
  const policy = informerPolicy(inner, log);
  const get = registryGetter(inner);

  const signingKey: KeyObject | undefined = opts.serviceAccountSigningKey ? createPrivateKey(opts.serviceAccountSigningKey) : undefined;
  const tokens = signingKey
    ? new ServiceAccountTokens({
        signingKey,
        publicKeys: (opts.serviceAccountPublicKeys ?? []).map((p) => createPublicKey(p)),
        ...(opts.issuer ? { issuer: opts.issuer } : {}),
        ...(opts.apiAudiences ? { apiAudiences: opts.apiAudiences } : {}),
        getObject: get,
      })
    : undefined;
  const tokenAuth = createTokenAuthentication({ registry: inner, ...(tokens ? { serviceAccounts: tokens } : {}) });

  const rbac = rbacAuthorizer(policy);
  const syncedRbac: Authorizer = async (attrs) => {
    if (!policy.clusterRoles.hasSynced()) await policy.waitForSync(rbacSyncWaitMs);
    return rbac(attrs);
  };
  const node = nodeAuthorizer(
    {
      podsOnNode: async (nodeName) => (await inner.list(systemContext(), def('', 'pods'), { fieldSelector: `spec.nodeName=${nodeName}`, resourceVersion: '0' })).items as unknown as Pod[],
      getPersistentVolumeClaim: async (ns, name) => (await getOrUndefined(inner, def('', 'persistentvolumeclaims'), ns, name)) as unknown as PersistentVolumeClaim | undefined,
    },
    systemNodeRules,
  );
  const authorizer = unionAuthorizer(privilegedGroupAuthorizer, node, syncedRbac);

  const quota = resourceQuotaAdmission({
    listQuotas: async (ns) => (await inner.list(systemContext(ns), def('', 'resourcequotas'), {})).items as unknown as ResourceQuota[],
    // Served from the watch cache (resourceVersion 0), as upstream's admission reads informers: a
    // consistent read here would cost every create a store round trip and a wait for the cache.
    hasQuotas: async (ns) => (await inner.list(systemContext(ns), def('', 'resourcequotas'), { resourceVersion: '0' })).items.length > 0,
    listAllQuotas: async () => (await inner.list(systemContext(), def('', 'resourcequotas'), { resourceVersion: '0' })).items as unknown as ResourceQuota[],
    listObjects: async (d, ns) => (await inner.list(systemContext(ns), d, {})).items,
    writeStatus: async (q, status) => {
      const obj = { ...structuredClone(q), status } as unknown as KubeObject;
      await inner.update(systemContext(q.metadata?.namespace ?? ''), def('', 'resourcequotas'), q.metadata?.name ?? '', obj, { dryRun: false, fieldValidation: 'Ignore', subresource: 'status' });
    },
    resources: inner.resources,
    log,
  });
  const all: AdmissionPlugin[] = [
    nodeRestrictionAdmission({ getPod: (ns, name) => getOrUndefined(inner, def('', 'pods'), ns, name) }),
    serviceAccountAdmission({
      getServiceAccount: async (ns, name) => (await cachedOrCurrent(inner, def('', 'serviceaccounts'), ns, name)) as unknown as ServiceAccount | undefined,
      namespaceExists: async (ns) => (await cachedOrCurrent(inner, def('', 'namespaces'), '', ns)) !== undefined,
    }),
    limitRangerAdmission({ listLimitRanges: async (ns) => (await inner.list(systemContext(ns), def('', 'limitranges'), { resourceVersion: '0' })).items as unknown as LimitRange[] }),
    rbacEscalationAdmission({ authorizer, policy }),
    quota,
  ];
  const disabled = new Set(opts.disableAdmissionPlugins ?? []);
  const plugins = all.filter((p) => !disabled.has(p.name));

  const rulesFor = (user: UserInfo, namespace: string): ReturnType<typeof userRules> => {
    const rules = userRules(policy, user, namespace);
    if (nodeNameOf(user) !== undefined) {
      for (const r of systemNodeRules) (r.nonResourceURLs?.length ? rules.nonResourceRules : rules.resourceRules).push(r);
    }
    return rules;
  };
  const registry = admittingRegistry(inner, {
    plugins,
    reviews: { authorizer, rulesFor, authenticateToken: tokenAuth.lookup, apiAudiences: tokens?.apiAudiences ?? [] },
    ...(tokens ? { tokenRequest: (ctx, sa, body) => createToken(tokens, get, ctx, sa, body) } : {}),
    logger: opts.logger,
  });

  return {
    authenticators: [tokenAuth.authenticator],
    authorizer,
    registry,
    policy,
    impersonate: (req, user) => impersonate(req, user, authorizer),
    async start(signal, startOpts) {
      await startOpts?.whenReady?.();
      policy.start(signal);
      runClusterRoleAggregation(inner, policy.clusterRoles, log, signal);
      const resyncMs = opts.quotaResyncMs ?? 15_000;
      if (resyncMs > 0) {
        const t = setInterval(() => void quota.resync().catch((err: unknown) => log.debug({ err }, 'Quota resync failed')), resyncMs);
        t.unref?.();
        signal.addEventListener('abort', () => clearInterval(t), { once: true });
      }
      await ensureBootstrapPolicy(inner, opts.logger);
      await policy.waitForSync(rbacSyncWaitMs);
    },
  };
}
