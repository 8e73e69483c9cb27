/** The `nodes` resource (core/v1, cluster-scoped): status subresource, proxy, upstream's printer. */
import type { Node } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { clone, rec } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { forbidden, invalid, isQualifiedName, isValidLabelValue, notSupported, required } from '../../shared/validation.js';

const n = (o: KubeObject): Node => o as unknown as Node;

function defaultNode(node: Node): void {
  const status = node.status;
  if (status?.capacity && !status.allocatable) rec(status)['allocatable'] = clone(status.capacity);
}

const cidrRe = /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/;
const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function validateNode(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  for (const [i, cidr] of (node.spec?.podCIDRs ?? []).entries()) {
    if (!cidrRe.test(cidr)) errs.push(invalid(`spec.podCIDRs[${i}]`, cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  }
  for (const [i, t] of (node.spec?.taints ?? []).entries()) {
    const p = `spec.taints[${i}]`;
    if (!t.key) errs.push(required(`${p}.key`));
    else for (const m of isQualifiedName(t.key)) errs.push(invalid(`${p}.key`, t.key, m));
    for (const m of isValidLabelValue(t.value ?? '')) errs.push(invalid(`${p}.value`, t.value ?? '', m));
    if (!t.effect) errs.push(required(`${p}.effect`));
    else if (!effects.includes(t.effect)) errs.push(notSupported(`${p}.effect`, t.effect, effects));
  }
  return errs;
}

function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const oldCIDRs = old.spec?.podCIDRs ?? [];
  const newCIDRs = node.spec?.podCIDRs ?? [];
  if (oldCIDRs.length > 0 && JSON.stringify(oldCIDRs) !== JSON.stringify(newCIDRs)) {
    return [forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid')];
  }
  if (old.spec?.providerID && node.spec?.providerID !== old.spec.providerID) {
    return [forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid')];
  }
  return [];
}

export const nodeStrategy = defineStrategy<Node>({
  // Nodes may carry status on create (the kubelet registers with it), so hasStatus stays off for create.
  defaults: defaultNode,
  validate: validateNode,
  prepareForUpdate(node, old) {
    if (old.status === undefined) delete rec(node)['status'];
    else rec(node)['status'] = clone(old.status);
  },
  validateUpdate: validateNodeUpdate,
});

function nodeStatusText(node: Node): string {
  const status: string[] = [];
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  if (status.length === 0) status.push('Unknown');
  if (node.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

/** nodeRoles lists roles from `node-role.kubernetes.io/<role>` and `kubernetes.io/role` labels, sorted. */
export function nodeRoles(labels: Record<string, string> | undefined): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort();
}

function address(node: Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

export const nodeTable = table(
  [
    nameColumn,
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    ageColumn,
    col('Version', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'List of addresses reachable to the node.', { wide: true }),
    col('External-IP', 'List of addresses reachable to the node.', { wide: true }),
    col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { wide: true }),
    col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { wide: true }),
    col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', { wide: true }),
  ],
  (o, now) => {
    const node = n(o);
    const info = node.status?.nodeInfo;
    return [
      o.metadata.name ?? '',
      nodeStatusText(node),
      nodeRoles(o.metadata.labels).join(',') || '<none>',
      ageOf(o, now),
      info?.kubeletVersion ?? '',
      address(node, 'InternalIP'),
      address(node, 'ExternalIP'),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
    ];
  },
);

export const nodes: NanoResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'nodes',
  singular: 'node',
  kind: 'Node',
  namespaced: false,
  shortNames: ['no'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: nodeStrategy,
  statusStrategy: defineStatusStrategy<Node>({ metadata: 'allow' }),
  table: nodeTable,
  fieldSelectors: { 'spec.unschedulable': (o) => String(n(o).spec?.unschedulable === true) },
  extraSubresources: [{ name: 'proxy', kind: { group: '', version: 'v1', kind: 'NodeProxyOptions' }, verbs: ['create', 'delete', 'get', 'patch', 'update'] }],
};
