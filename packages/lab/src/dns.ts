/**
 * The lab's cluster DNS: `nanokube dns` runs on the master (a control-plane component, not a pod), so the
 * lab applies by hand what kubeadm's CoreDNS addon would: the `kube-system/coredns` ServiceAccount with
 * the `system:coredns` ClusterRole and binding, the `kube-dns` Service at 10.96.0.10, and — because no
 * pod matches that Service's selector — an EndpointSlice pointing at the master's DNS listener, which
 * the proxies DNAT 10.96.0.10:53 to.
 */
import { kubeDnsEndpointSlice, kubeDnsService } from '@nanokube/dns';
import type { ResolvedKubeconfig } from '@nanokube/pki';
import { createObject } from './api.js';
import { labDnsUser } from './kubeconfigs.js';

/** One object to create and the collection path it is POSTed to. */
export interface LabObject {
  path: string;
  body: object;
}

/** labDnsObjects lists the objects behind the lab's cluster DNS, in creation order. */
export function labDnsObjects(master: { name: string; ip: string }): LabObject[] {
  const { namespace, serviceAccount } = labDnsUser;
  const labels = { 'k8s-app': 'kube-dns' };
  const service = kubeDnsService();
  const slice = kubeDnsEndpointSlice([{ ip: master.ip, nodeName: master.name }]);
  return [
    {
      path: `/api/v1/namespaces/${namespace}/serviceaccounts`,
      body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace, labels } },
    },
    {
      path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'system:coredns', labels },
        rules: [
          { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
          { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
        ],
      },
    },
    {
      path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'system:coredns', labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
        subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
      },
    },
    { path: `/api/v1/namespaces/${namespace}/services`, body: service },
    { path: `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`, body: slice },
  ];
}

/**
 * applyLabDns creates the objects of {@link labDnsObjects}; ones that already exist are left as they are.
 * Each is retried (the apiserver may still be creating `kube-system` right after it turns ready) until
 * the deadline, and the last error is thrown then.
 */
export async function applyLabDns(kc: ResolvedKubeconfig, master: { name: string; ip: string }, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const obj of labDnsObjects(master)) {
    for (;;) {
      try {
        await createObject(kc, obj.path, obj.body);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}
