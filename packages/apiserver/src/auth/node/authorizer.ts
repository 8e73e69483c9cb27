/**
 * The Node authorizer (plugin/pkg/auth/authorizer/node): a kubelet, `system:node:<name>` in group
 * `system:nodes`, may read only the Secrets, ConfigMaps, PVCs and PVs that pods bound to its node
 * reference, request tokens only for service accounts those pods run as, touch only its own Lease,
 * and otherwise do what ClusterRole system:node allows (NodeRestriction narrows writes further).
 * Other users get no opinion.
 */
import type { Pod, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import type { Attributes, Authorizer, Decision, UserInfo } from '../../server/auth.js';
import { rulesAllow } from '../rbac/rules.js';
import { podReferences } from './references.js';

/** The group every kubelet credential carries. */
export const nodesGroup = 'system:nodes';
const nodeUserPrefix = 'system:node:';

/** nodeNameOf returns the node a user is, or undefined for users that are not nodes. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.groups.includes(nodesGroup) || !user.name.startsWith(nodeUserPrefix)) return undefined;
  return user.name.slice(nodeUserPrefix.length);
}

/** What the node authorizer reads. */
export interface NodeGraphSource {
  /** The pods bound to a node (spec.nodeName), in every namespace. */
  podsOnNode(node: string): Promise<Pod[]>;
  getPersistentVolumeClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
}

const graphReads = new Set(['secrets', 'configmaps', 'persistentvolumeclaims', 'persistentvolumes']);

function deny(reason: string): Decision {
  return { allowed: false, reason };
}

/** nodeAuthorizer builds the Node authorizer over a graph source and the system:node rules. */
export function nodeAuthorizer(graph: NodeGraphSource, nodeRules: readonly PolicyRule[]): Authorizer {
  return async (attrs: Attributes) => {
    const node = nodeNameOf(attrs.user);
    if (node === undefined) return { allowed: false };
    if (node === '') return deny('unknown node for user');
    if (!attrs.isResourceRequest) return rulesAllow(attrs, nodeRules) ? { allowed: true } : { allowed: false };
    const g = attrs.apiGroup;
    if (g === '' && graphReads.has(attrs.resource) && attrs.subresource === '') return authorizeRead(graph, node, attrs);
    if (g === '' && attrs.resource === 'serviceaccounts' && attrs.subresource === 'token') return authorizeToken(graph, node, attrs);
    if (g === 'coordination.k8s.io' && attrs.resource === 'leases') return authorizeLease(node, attrs);
    return rulesAllow(attrs, nodeRules) ? { allowed: true } : { allowed: false };
  };
}

async function authorizeRead(graph: NodeGraphSource, node: string, attrs: Attributes): Promise<Decision> {
  if (attrs.verb !== 'get' && attrs.verb !== 'list' && attrs.verb !== 'watch') return deny(`can only read resources of this type`);
  if (!attrs.name) return deny('can only get individual resources of this type');
  const pods = await graph.podsOnNode(node);
  const ns = attrs.namespace;
  for (const pod of pods) {
    if (attrs.resource !== 'persistentvolumes' && pod.metadata?.namespace !== ns) continue;
    const refs = podReferences(pod);
    if (attrs.resource === 'secrets' && refs.secrets.has(attrs.name)) return { allowed: true };
    if (attrs.resource === 'configmaps' && refs.configMaps.has(attrs.name)) return { allowed: true };
    if (attrs.resource === 'persistentvolumeclaims' && refs.persistentVolumeClaims.has(attrs.name)) return { allowed: true };
    if (attrs.resource === 'persistentvolumes') {
      for (const claim of refs.persistentVolumeClaims) {
        const pvc = await graph.getPersistentVolumeClaim(pod.metadata?.namespace ?? '', claim);
        if (pvc?.spec?.volumeName === attrs.name) return { allowed: true };
      }
    }
  }
  return deny(noRelationship(node));
}

async function authorizeToken(graph: NodeGraphSource, node: string, attrs: Attributes): Promise<Decision> {
  if (attrs.verb !== 'create' || !attrs.name) return deny('can only create tokens for individual service accounts');
  const pods = await graph.podsOnNode(node);
  const used = pods.some((p) => p.metadata?.namespace === attrs.namespace && (p.spec?.serviceAccountName ?? 'default') === attrs.name);
  return used ? { allowed: true } : deny(noRelationship(node));
}

function authorizeLease(node: string, attrs: Attributes): Decision {
  if (attrs.namespace !== 'kube-node-lease') return deny(`can only access leases in the kube-node-lease namespace`);
  if (!['get', 'create', 'update', 'patch', 'delete'].includes(attrs.verb)) return deny(`can only get, create, update, patch, or delete a node lease`);
  if (attrs.verb !== 'create' && attrs.name !== node) return deny(`can only access node lease with the same name as the requesting node`);
  return { allowed: true };
}

function noRelationship(node: string): string {
  return `no relationship found between node '${node}' and this object`;
}
