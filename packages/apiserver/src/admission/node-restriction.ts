/**
 * The NodeRestriction admission plugin: a kubelet (`system:node:<name>`) may create only mirror pods
 * bound to itself, change or delete only pods bound to itself, modify only its own Node object and
 * Lease, and request service account tokens only bound to pods on its node.
 */
import { newForbidden } from '@nanokube/api';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { nodeNameOf } from '../auth/node/authorizer.js';
import type { KubeObject } from '../registry/types.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

const mirrorAnnotation = 'kubernetes.io/config.mirror';

function podNode(obj: KubeObject | undefined): string {
  return (obj as unknown as Pod | undefined)?.spec?.nodeName ?? '';
}

function forbid(req: AdmissionRequest, why: string): Error {
  const resource = req.subresource ? `${req.def.resource}/${req.subresource}` : req.def.resource;
  return newForbidden({ group: req.def.group, resource }, req.name || (req.object?.metadata.name ?? ''), why);
}

/** nodeRestrictionAdmission builds the plugin; `getPod` reads a pod for token binding checks. */
export function nodeRestrictionAdmission(deps: { getPod(namespace: string, name: string): Promise<KubeObject | undefined> }): AdmissionPlugin {
  return {
    name: 'NodeRestriction',
    handles: (req) => nodeNameOf(req.ctx.user) !== undefined,
    async validate(req) {
      const node = nodeNameOf(req.ctx.user) ?? '';
      const { group, resource } = req.def;
      if (group === '' && resource === 'pods') return admitPod(req, node);
      if (group === '' && resource === 'nodes') {
        const name = req.name || (req.object?.metadata.name ?? '');
        if (name !== node) throw forbid(req, `node "${node}" is not allowed to modify node "${name}"`);
        return;
      }
      if (group === 'coordination.k8s.io' && resource === 'leases') {
        const name = req.name || (req.object?.metadata.name ?? '');
        if (name !== node) throw forbid(req, `can only access node lease with the same name as the requesting node`);
        return;
      }
      if (group === '' && resource === 'serviceaccounts' && req.subresource === 'token') return admitToken(req, node, deps);
    },
  };
}

async function admitPod(req: AdmissionRequest, node: string): Promise<void> {
  if (req.operation === 'CREATE' && req.subresource === '') {
    const pod = req.object;
    if (pod?.metadata.annotations?.[mirrorAnnotation] === undefined) {
      throw forbid(req, `pod does not have "${mirrorAnnotation}" annotation, node "${node}" can only create mirror pods`);
    }
    if (podNode(pod) !== node) throw forbid(req, `node "${node}" can only create pods with spec.nodeName set to itself`);
    return;
  }
  if (req.operation === 'CREATE' && req.subresource === 'eviction') {
    const old = await req.oldObject();
    if (old && podNode(old) !== node) throw forbid(req, `node "${node}" can only evict pods with spec.nodeName set to itself`);
    return;
  }
  if (req.operation === 'CREATE') throw forbid(req, `unexpected operation CREATE, subresource ${req.subresource}`);
  const old = await req.oldObject();
  if (!old) return;
  if (podNode(old) === node) return;
  if (req.operation === 'DELETE') throw forbid(req, `node "${node}" can only delete pods with spec.nodeName set to itself`);
  throw forbid(req, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`);
}

async function admitToken(req: AdmissionRequest, node: string, deps: { getPod(namespace: string, name: string): Promise<KubeObject | undefined> }): Promise<void> {
  const ref = (req.object?.['spec'] as { boundObjectRef?: { kind?: string; name?: string; uid?: string } } | undefined)?.boundObjectRef;
  if (ref?.kind !== 'Pod' || !ref.name) throw forbid(req, 'node requested token not bound to a pod');
  const pod = await deps.getPod(req.namespace, ref.name);
  if (!pod) throw forbid(req, `node requested token bound to a pod that does not exist`);
  if (ref.uid && pod.metadata.uid !== ref.uid) throw forbid(req, 'the UID in the bound object reference does not match the pod');
  if (podNode(pod) !== node) throw forbid(req, 'node requested token bound to a pod scheduled on a different node');
}
