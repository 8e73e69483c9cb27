import type { ConfigMap, Secret } from 'kubernetes-types/core/v1.js';
import { isConflict, isNotFound } from '@nanokube/api';
import { RateLimitingQueue, resources, type ResourceClient, type SharedInformer } from '@nanokube/client';
import { clusterInfoName, clusterInfoNamespace, signClusterInfo } from '@nanokube/kubeadm';
import { deletedObject, runController, type ControllerContext, type ControllerDescriptor } from '../../shared/index.js';
import { asTokenSecret, expiresInMs, isTokenSecret } from '../token-cleaner/controller.js';

/** The one work item: every change leads to re-signing the single cluster-info ConfigMap. */
const signKey = 'cluster-info';

/**
 * BootstrapSigner keeps `kube-public/cluster-info` signed (upstream bootstrapsigner): one
 * `jws-kubeconfig-<token-id>` detached JWS of the `kubeconfig` key per unexpired bootstrap token that
 * carries `usage-bootstrap-signing`, and no signature for any other token. Joining nodes verify
 * cluster-info with their token through these signatures. A token's signature is dropped the moment
 * it expires, even before the token cleaner deletes its Secret.
 */
export class BootstrapSigner {
  /** Replaced in tests. */
  syncHandler: (key: string) => Promise<void> = (key) => this.sync(key);
  readonly queue: RateLimitingQueue<string>;
  readonly secretInformer: SharedInformer<Secret>;
  readonly cmInformer: SharedInformer<ConfigMap>;
  readonly cmClient: ResourceClient<ConfigMap>;

  constructor(readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>(undefined, ctx.clock);
    this.secretInformer = ctx.informers.informerFor<Secret>(resources.secrets);
    this.cmInformer = ctx.informers.informerFor<ConfigMap>(resources.configmaps);
    this.cmClient = ctx.client<ConfigMap>(resources.configmaps).inNamespace(clusterInfoNamespace);
    const onSecret = (s: Secret): void => {
      if (isTokenSecret(s)) this.queue.add(signKey);
    };
    this.secretInformer.addEventHandler({ onAdd: onSecret, onUpdate: (_o, s) => onSecret(s), onDelete: (o) => onSecret(deletedObject(o)) });
    const onCm = (cm: ConfigMap): void => {
      if (cm.metadata?.namespace === clusterInfoNamespace && cm.metadata.name === clusterInfoName) this.queue.add(signKey);
    };
    this.cmInformer.addEventHandler({ onAdd: onCm, onUpdate: (_o, cm) => onCm(cm) });
  }

  run(signal: AbortSignal): Promise<void> {
    return runController({
      log: this.ctx.log,
      informers: [this.secretInformer, this.cmInformer],
      queue: this.queue,
      sync: (key) => this.syncHandler(key),
      workers: 1,
      signal,
    });
  }

  /** tokenSecrets returns the cached bootstrap token Secrets. */
  private tokenSecrets(): Secret[] {
    return this.secretInformer.store.list().filter(isTokenSecret);
  }

  /** sync writes cluster-info's signatures when they differ from what the token Secrets call for. */
  async sync(_key: string): Promise<void> {
    const now = this.ctx.clock.now();
    const secrets = this.tokenSecrets();
    // Come back when the next token expires, so that its signature goes away on time.
    const next = secrets.map((s) => expiresInMs(s, now)).filter((ms): ms is number => ms !== undefined && ms > 0);
    if (next.length > 0) this.queue.addAfter(signKey, Math.min(...next) + 1);
    const cm = this.cmInformer.store.get(`${clusterInfoNamespace}/${clusterInfoName}`);
    if (!cm || cm.metadata?.deletionTimestamp) return;
    const data = signClusterInfo(cm.data ?? {}, secrets.map(asTokenSecret), new Date(now));
    if (!data) return;
    try {
      await this.cmClient.update({ ...cm, apiVersion: 'v1', kind: 'ConfigMap', data });
    } catch (err) {
      // Deleted meanwhile: nothing to sign. A conflict means a newer version is on its way to the cache.
      if (isNotFound(err)) return;
      if (isConflict(err)) this.ctx.log.debug({ err }, 'cluster-info changed while signing, retrying');
      throw err;
    }
    this.ctx.log.info({ signatures: Object.keys(data).filter((k) => k !== 'kubeconfig').length }, 'Signed cluster-info');
  }
}

/** descriptor registers the signer (upstream `bootstrap-signer-controller`, disabled by default there). */
export const bootstrapSignerControllerDescriptor: ControllerDescriptor = {
  name: 'bootstrap-signer-controller',
  aliases: ['bootstrapsigner'],
  disabledByDefault: true,
  create: (ctx) => new BootstrapSigner(ctx),
};
