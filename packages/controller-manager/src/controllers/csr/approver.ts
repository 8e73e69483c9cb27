import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { metaNamespaceKey, RateLimitingQueue, resourcePath, resources, type SharedInformer } from '@nanokube/client';
import { runController, type ControllerContext, type ControllerDescriptor } from '../../shared/index.js';
import { condition, decodeRequest, hasCondition, kubeletClientSigner, kubeletServingSigner, validateKubeletClient } from './checks.js';
import { servingApprovalProblem, servingNodeName } from './serving-approval.js';

type CSR = CertificateSigningRequest;

/** The subresources of certificatesigningrequests that RBAC grants for auto-approval. */
type ApprovalRight = 'nodeclient' | 'selfnodeclient';

/**
 * CSRApprovingController auto-approves kubelet client certificate requests (upstream csrapproving,
 * sarapprove): a `kubernetes.io/kube-apiserver-client-kubelet` request for O=system:nodes,
 * CN=system:node:<name> is approved when its requester may `create certificatesigningrequests/nodeclient`
 * (a bootstrap token, for a new node) or `.../selfnodeclient` with CN equal to its own name (a node
 * renewing). The rights are asked of the apiserver with a SubjectAccessReview; kubeadm's bindings
 * (system:bootstrappers -> nodeclient, system:nodes -> selfnodeclient) are honoured even when the review
 * cannot be made or RBAC lacks them.
 *
 * It also approves a node's own `kubernetes.io/kubelet-serving` request when its names match the Node
 * object (see ./serving-approval.ts); a Node appearing or changing re-examines its pending requests.
 */
export class CSRApprovingController {
  /** Replaced in tests. */
  syncHandler: (key: string) => Promise<void> = (key) => this.sync(key);
  readonly queue: RateLimitingQueue<string>;
  readonly csrInformer: SharedInformer<CSR>;
  readonly nodeInformer: SharedInformer<Node>;

  constructor(readonly ctx: ControllerContext) {
    this.queue = new RateLimitingQueue<string>(undefined, ctx.clock);
    this.csrInformer = ctx.informers.informerFor<CSR>(resources.certificatesigningrequests);
    this.nodeInformer = ctx.informers.informerFor<Node>(resources.nodes);
    this.csrInformer.addEventHandler({ onAdd: (c) => this.queue.add(metaNamespaceKey(c)), onUpdate: (_o, c) => this.queue.add(metaNamespaceKey(c)) });
    this.nodeInformer.addEventHandler({ onAdd: (n) => this.enqueueServingOf(n), onUpdate: (_o, n) => this.enqueueServingOf(n) });
  }

  /** enqueueServingOf queues the pending serving requests a node made, whose checks depend on the Node. */
  private enqueueServingOf(node: Node): void {
    const user = `system:node:${node.metadata?.name ?? ''}`;
    for (const csr of this.csrInformer.store.list()) {
      if (csr.spec?.signerName === kubeletServingSigner && csr.spec.username === user && !csr.status?.certificate) this.queue.add(metaNamespaceKey(csr));
    }
  }

  run(signal: AbortSignal): Promise<void> {
    return runController({
      log: this.ctx.log,
      informers: [this.csrInformer, this.nodeInformer],
      queue: this.queue,
      sync: (key) => this.syncHandler(key),
      workers: this.ctx.options.concurrentSyncs.csr,
      signal,
    });
  }

  /**
   * sync approves the CSR `key` when it is a kubelet client request its requester may have approved, or a
   * node's serving request that names only that node's addresses.
   */
  async sync(key: string): Promise<void> {
    const cached = this.csrInformer.store.get(key);
    if (!cached || (cached.spec?.signerName !== kubeletClientSigner && cached.spec?.signerName !== kubeletServingSigner)) return;
    if (hasCondition(cached, 'Approved') || hasCondition(cached, 'Denied') || cached.status?.certificate) return;
    if (cached.spec?.signerName === kubeletServingSigner) return this.syncServing(key, cached);
    const info = this.requestInfo(key, cached);
    if (!info) return;
    if (validateKubeletClient(info, cached.spec?.usages ?? []) !== undefined) return;
    const rights: ApprovalRight[] = cached.spec?.username === info.commonName ? ['selfnodeclient', 'nodeclient'] : ['nodeclient'];
    let allowed = false;
    for (const right of rights) {
      if (await this.mayCreate(cached, right)) {
        allowed = true;
        break;
      }
    }
    if (!allowed) return;
    await this.approve(cached, 'Auto approving kubelet client certificate after SubjectAccessReview.');
    this.ctx.log.info({ csr: key, user: cached.spec?.username }, 'Approved kubelet client certificate request');
  }

  /** syncServing approves a node's own serving request whose names are the Node's; others stay Pending. */
  private async syncServing(key: string, cached: CSR): Promise<void> {
    const info = this.requestInfo(key, cached);
    if (!info) return;
    const node = this.nodeInformer.store.get(servingNodeName(info) ?? '');
    const problem = servingApprovalProblem(cached, info, node);
    if (problem) {
      this.ctx.log.debug({ csr: key, user: cached.spec?.username, reason: problem }, 'Left kubelet serving certificate request pending');
      return;
    }
    await this.approve(cached, 'Auto approving kubelet serving certificate after checking the requesting node and its addresses.');
    this.ctx.log.info({ csr: key, user: cached.spec?.username }, 'Approved kubelet serving certificate request');
  }

  /** requestInfo decodes the CSR's certificate request; one that does not parse is logged and left alone. */
  private requestInfo(key: string, cached: CSR): ReturnType<typeof decodeRequest>['info'] | undefined {
    try {
      return decodeRequest(cached).info;
    } catch (err) {
      this.ctx.log.debug({ err, csr: key }, 'Could not parse certificate request');
      return undefined;
    }
  }

  /** approve adds an Approved condition through the approval subresource. */
  private async approve(cached: CSR, message: string): Promise<void> {
    // Copy first: the cached object is shared with the informer.
    const csr = structuredClone(cached) as CSR;
    csr.status = { ...csr.status, conditions: [...(csr.status?.conditions ?? []), condition('Approved', 'AutoApproved', message, this.ctx.clock.now())] };
    await this.ctx.rest.request({
      method: 'PUT',
      path: resourcePath(resources.certificatesigningrequests, undefined, cached.metadata?.name ?? '', 'approval'),
      body: { apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', ...csr },
    });
  }

  /** mayCreate asks a SubjectAccessReview, then falls back to kubeadm's auto-approval groups. */
  private async mayCreate(csr: CSR, right: ApprovalRight): Promise<boolean> {
    const spec = csr.spec;
    try {
      const review = await this.ctx.rest.request<{ status?: { allowed?: boolean } }>({
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: spec?.username,
            ...(spec?.uid ? { uid: spec.uid } : {}),
            groups: spec?.groups ?? [],
            ...(spec?.extra ? { extra: spec.extra } : {}),
            resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create', subresource: right },
          },
        },
      });
      if (review?.status?.allowed) return true;
    } catch (err) {
      this.ctx.log.debug({ err, csr: csr.metadata?.name }, 'Could not review access, using the default groups');
    }
    const groups = spec?.groups ?? [];
    return right === 'nodeclient' ? groups.includes('system:bootstrappers') : groups.includes('system:nodes');
  }
}

/** descriptor registers the CSR approver (upstream `certificatesigningrequest-approving-controller`). */
export const csrApprovingControllerDescriptor: ControllerDescriptor = {
  name: 'certificatesigningrequest-approving-controller',
  aliases: ['csrapproving'],
  create: (ctx) => new CSRApprovingController(ctx),
};
