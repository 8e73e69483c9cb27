import type { Secret } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '@nanokube/api';
import { metaNamespaceKey, RateLimitingQueue, resources, type ResourceClient, type SharedInformer } from '@nanokube/client';
import { bootstrapTokenSecretType, isExpired, secretValue, type BootstrapTokenSecret } from '@nanokube/kubeadm';
import { runController, type ControllerContext, type ControllerDescriptor } from '../../shared/index.js';

/** Bootstrap token Secrets live in kube-system only; elsewhere the type means nothing. */
export const tokenSecretNamespace = 'kube-system';

/** isTokenSecret reports whether a Secret is a bootstrap token Secret the cleaner and signer look at. */
export function isTokenSecret(s: Secret): boolean {
  return s.type === bootstrapTokenSecretType && s.metadata?.namespace === tokenSecretNamespace;
}

/** asTokenSecret views a Secret as kubeadm's BootstrapTokenSecret. */
export function asTokenSecret(s: Secret): BootstrapTokenSecret {
  return s as BootstrapTokenSecret;
}

/** expiresInMs returns how long until a token Secret expires, or undefined when it never does. */
export function expiresInMs(s: Secret, now: number): number | undefined {
  const exp = secretValue(asTokenSecret(s), 'expiration');
  if (exp === '') return undefined;
  const at = Date.parse(exp);
  return Number.isNaN(at) ? undefined : at - now;
}

/**
 * TokenCleaner deletes bootstrap token Secrets (`bootstrap.kubernetes.io/token` in kube-system) once
 * their `expiration` has passed (upstream tokencleaner). A Secret that has not expired yet is requeued
 * for the moment it does; the delete carries the Secret's uid as a precondition, so a token re-created
 * under the same name meanwhile is left alone.
 */
export class TokenCleaner {
  /** Replaced in tests. */
  syncHandler: (key: string) => Promise<void> = (key) => this.sync(key);
  readonly queue: RateLimitingQueue<string>;
  readonly secretInformer: SharedInformer<Secret>;
  readonly secretClient: ResourceClient<Secret>;

  constructor(readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>(undefined, ctx.clock);
    this.secretInformer = ctx.informers.informerFor<Secret>(resources.secrets);
    this.secretClient = ctx.client<Secret>(resources.secrets);
    const enqueue = (s: Secret): void => {
      if (isTokenSecret(s)) this.queue.add(metaNamespaceKey(s));
    };
    this.secretInformer.addEventHandler({ onAdd: enqueue, onUpdate: (_o, s) => enqueue(s) });
  }

  run(signal: AbortSignal): Promise<void> {
    return runController({
      log: this.ctx.log,
      informers: [this.secretInformer],
      queue: this.queue,
      sync: (key) => this.syncHandler(key),
      workers: 1,
      signal,
    });
  }

  /** sync deletes the token Secret `key` when it expired, else requeues it for its expiry. */
  async sync(key: string): Promise<void> {
    const secret = this.secretInformer.store.get(key);
    if (!secret || !isTokenSecret(secret) || secret.metadata?.deletionTimestamp) return;
    const now = this.ctx.clock.now();
    if (!isExpired(asTokenSecret(secret), new Date(now))) {
      const left = expiresInMs(secret, now);
      if (left !== undefined) this.queue.addAfter(key, Math.max(left, 1));
      return;
    }
    const name = secret.metadata?.name ?? '';
    this.ctx.log.info({ secret: key }, 'Deleting expired bootstrap token');
    try {
      await this.secretClient.inNamespace(tokenSecretNamespace).delete(name, secret.metadata?.uid ? { preconditions: { uid: secret.metadata.uid } } : {});
    } catch (err) {
      // Gone already, or replaced by a new token of the same name: nothing left to clean.
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }
}

/** descriptor registers the token cleaner (upstream `token-cleaner-controller`, disabled by default there). */
export const tokenCleanerControllerDescriptor: ControllerDescriptor = {
  name: 'token-cleaner-controller',
  aliases: ['tokencleaner'],
  disabledByDefault: true,
  create: (ctx) => new TokenCleaner(ctx),
};
