/**
 * The update revision of a StatefulSet (upstream getStatefulSetRevisions): the ControllerRevision of its
 * current template, created when new, renumbered when an older one matches (a rollback), named
 * `<set>-<hash>` with the set's annotations (so `kubectl rollout history` shows its change-cause). A
 * name taken by a revision that is not ours with this template bumps collisionCount.
 */
import type { ControllerRevision, StatefulSet } from 'kubernetes-types/apps/v1.js';
import { isAlreadyExists } from '@nanokube/api';
import { ResourceClient, resources, type RestClient, type WriteOptions } from '@nanokube/client';
import { canonicalJson, isControlledBy } from '../../shared/index.js';
import { ensureRevision, revisionName } from '../daemonset/revisions.js';
import { revisionTemplate, statefulSetKind } from './identity.js';

/** Names tried before giving up on a run of hash collisions. */
const maxCollisions = 5;

/** A revisions client that adds fixed annotations to every revision it creates. */
class AnnotatingRevisionClient extends ResourceClient<ControllerRevision> {
  constructor(
    private readonly restClient: RestClient,
    namespace: string,
    private readonly annotations: Record<string, string>,
  ) {
    super(restClient, resources.controllerrevisions, namespace);
  }

  override inNamespace(namespace: string): ResourceClient<ControllerRevision> {
    return new AnnotatingRevisionClient(this.restClient, namespace, this.annotations);
  }

  override create(obj: ControllerRevision, opts?: WriteOptions): Promise<ControllerRevision> {
    const annotations = { ...this.annotations, ...obj.metadata?.annotations };
    return super.create({ ...obj, metadata: { ...obj.metadata, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) } }, opts);
  }
}

/**
 * ensureUpdateRevision returns the revision of the set's current template and the collisionCount that
 * names it. `history` is the set's revisions from the cache; one created meanwhile (AlreadyExists) is
 * read back and used when it is ours and records the same template.
 */
export async function ensureUpdateRevision(opts: {
  rest: RestClient;
  client: ResourceClient<ControllerRevision>;
  set: StatefulSet;
  history: ControllerRevision[];
}): Promise<{ revision: ControllerRevision; collisionCount: number }> {
  const { set } = opts;
  const namespace = set.metadata?.namespace ?? '';
  const template = set.spec?.template;
  const creator = new AnnotatingRevisionClient(opts.rest, namespace, { ...set.metadata?.annotations });
  let collisionCount = set.status?.collisionCount ?? 0;
  for (let i = 0; ; i++) {
    try {
      const { revision } = await ensureRevision({ client: creator, owner: set, ownerKind: statefulSetKind, template, history: opts.history, collisionCount });
      return { revision, collisionCount };
    } catch (err) {
      if (!isAlreadyExists(err) || i >= maxCollisions) throw err;
      const existing = await opts.client.inNamespace(namespace).get(revisionName(set.metadata?.name ?? '', template, collisionCount).name);
      if (isControlledBy(existing, set) && canonicalJson(revisionTemplate(existing)) === canonicalJson(template)) {
        return { revision: existing, collisionCount };
      }
      collisionCount++;
    }
  }
}
