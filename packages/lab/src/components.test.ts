import { describe, expect, it } from 'vitest';
import type { InitResult } from '@nanokube/pki';
import { planComponents, type VerbFlags } from './components.js';
import { labTopology } from './topology.js';

const init = {
  dir: '/lab/master/kubernetes',
  pkiDir: '/lab/master/kubernetes/pki',
  controllerManagerConf: '/lab/master/kubernetes/controller-manager.conf',
  schedulerConf: '/lab/master/kubernetes/scheduler.conf',
  kubeletConf: '/lab/master/kubernetes/kubelet.conf',
  proxyConf: '/lab/master/kubernetes/proxy.conf',
} as InitResult;

function plan(verbs: VerbFlags, extra: { dnsConf?: string; nodeMonitorGracePeriod?: string } = {}) {
  const t = labTopology({ workers: 1 });
  return planComponents({
    nodes: t.nodes,
    nodeDir: (n) => `/lab/${n}`,
    init,
    kubeletConf: new Map([['master', init.kubeletConf], ['worker01', '/lab/worker01/kubelet.conf']]),
    verbs,
    runtime: 'simulated',
    cgroupParent: (n) => `nanokube-lab-${n}`,
    ...extra,
  });
}

describe('planComponents', () => {
  it('runs the control plane on the master, then a kubelet per node; the master is tainted', () => {
    const plans = plan(new Map([['controller-manager', new Set()], ['scheduler', new Set()], ['kubelet', new Set()]]));
    expect(plans.map((p) => `${p.node}/${p.name}`)).toEqual([
      'master/store', 'master/apiserver', 'master/controller-manager', 'master/scheduler', 'master/kubelet', 'worker01/kubelet',
    ]);
    expect(plans[0]?.args).toEqual(['store', '--data-dir', '/lab/master/store', '--listen-client-urls', 'http://127.0.0.1:2379']);
    expect(plans[1]?.args).toContain('192.168.56.10');
    expect(plans[4]?.args).toEqual([
      'kubelet', '--runtime=simulated', '--node-name', 'master', '--node-ip', '192.168.56.10', '--kubeconfig', init.kubeletConf,
      '--register-with-taints', 'node-role.kubernetes.io/control-plane=:NoSchedule', '--node-labels', 'node-role.kubernetes.io/control-plane=,node.kubernetes.io/exclude-from-external-load-balancers=',
    ]);
    expect(plans[5]?.args).toEqual(['kubelet', '--runtime=simulated', '--node-name', 'worker01', '--node-ip', '192.168.56.101', '--kubeconfig', '/lab/worker01/kubelet.conf']);
  });

  it('passes optional flags only to verbs that list them, and skips verbs this build lacks', () => {
    const plans = plan(new Map([
      ['kubelet', new Set(['root-dir', 'pod-logs-dir'])],
      ['controller-manager', new Set(['cluster-signing-cert-file'])],
      ['proxy', new Set(['hostname-override'])],
    ]));
    expect(plans.some((p) => p.name === 'scheduler')).toBe(false);
    expect(plans.find((p) => p.name === 'controller-manager')?.args).toEqual([
      'controller-manager', '--kubeconfig', init.controllerManagerConf, '--cluster-signing-cert-file', '/lab/master/kubernetes/pki/ca.crt',
    ]);
    expect(plans.find((p) => p.node === 'worker01' && p.name === 'kubelet')?.args.slice(-4)).toEqual([
      '--root-dir', '/lab/worker01/kubelet', '--pod-logs-dir', '/lab/worker01/pod-logs',
    ]);
    expect(plans.find((p) => p.node === 'worker01' && p.name === 'proxy')?.args).toEqual([
      'proxy', '--kubeconfig', init.proxyConf, '--hostname-override', 'worker01',
    ]);
  });

  it('runs the cluster DNS on the master on its lab address, without upstreams, when the build has the verb', () => {
    const withDns = plan(new Map([['kubelet', new Set()], ['dns', new Set()]]), { dnsConf: '/lab/master/kubernetes/dns.conf' });
    expect(withDns.filter((p) => p.name === 'dns')).toEqual([{
      node: 'master',
      name: 'dns',
      args: ['dns', '--kubeconfig', '/lab/master/kubernetes/dns.conf', '--listen', '192.168.56.10:53', '--resolv-conf', '/dev/null'],
    }]);
    expect(plan(new Map([['kubelet', new Set()]]), { dnsConf: '/x' }).some((p) => p.name === 'dns')).toBe(false);
  });

  it('passes a node monitor grace period to the controller-manager that takes one', () => {
    const plans = plan(new Map([['controller-manager', new Set(['node-monitor-grace-period'])], ['kubelet', new Set()]]), { nodeMonitorGracePeriod: '20s' });
    expect(plans.find((p) => p.name === 'controller-manager')?.args.slice(-2)).toEqual(['--node-monitor-grace-period', '20s']);
  });
});
