import { describe, expect, it } from 'vitest';
import { defaultOptions, parseControllerManagerArgs, parseDuration } from './options.js';

describe('parseDuration', () => {
  it.each([
    ['40s', 40_000],
    ['5m0s', 300_000],
    ['8760h0m0s', 8760 * 3_600_000],
    ['1.5s', 1500],
    ['300ms', 300],
    ['0', 0],
  ])('reads %s', (s, ms) => expect(parseDuration(s)).toBe(ms));

  it.each(['', '5', '5x', 's', '1h 2m'])('rejects %j', (s) => expect(parseDuration(s)).toBeUndefined());
});

describe('parseControllerManagerArgs', () => {
  it('has upstream defaults', () => {
    const o = defaultOptions();
    expect(o).toMatchObject({
      leaderElect: true,
      controllers: ['*'],
      clusterCidr: '10.244.0.0/16',
      nodeCidrMaskSize: 24,
      allocateNodeCidrs: true,
      nodeMonitorGracePeriodMs: 40_000,
      nodeMonitorPeriodMs: 5_000,
      lbAddressPools: ['192.168.56.200-192.168.56.250'],
      securePort: 10257,
    });
    expect(o.concurrentSyncs).toMatchObject({ deployment: 5, replicaset: 5, gc: 20, namespace: 10 });
  });

  it('reads flags the way kube-controller-manager spells them', () => {
    const { options, leaderElection } = parseControllerManagerArgs([
      '--kubeconfig', '/etc/kubernetes/controller-manager.conf',
      '--leader-elect=false',
      '--controllers=*,-node-ipam-controller',
      '--node-monitor-grace-period', '20s',
      '--concurrent-deployment-syncs', '2',
      '--lb-address-pools', '10.0.0.10-10.0.0.20,10.0.1.0/28',
      '--leader-elect-lease-duration', '30s',
      '--allocate-node-cidrs',
    ]);
    expect(options).toMatchObject({
      kubeconfig: '/etc/kubernetes/controller-manager.conf',
      leaderElect: false,
      controllers: ['*', '-node-ipam-controller'],
      nodeMonitorGracePeriodMs: 20_000,
      lbAddressPools: ['10.0.0.10-10.0.0.20', '10.0.1.0/28'],
      allocateNodeCidrs: true,
    });
    expect(options.concurrentSyncs.deployment).toBe(2);
    expect(leaderElection.leaseDurationMs).toBe(30_000);
  });

  it('reads the horizontal pod autoscaler flags, with upstream defaults', () => {
    expect(defaultOptions().horizontalPodAutoscaler).toEqual({
      syncPeriodMs: 15_000,
      downscaleStabilizationMs: 300_000,
      tolerance: 0.1,
      cpuInitializationPeriodMs: 300_000,
      initialReadinessDelayMs: 30_000,
    });
    const { options } = parseControllerManagerArgs([
      '--horizontal-pod-autoscaler-sync-period=2s',
      '--horizontal-pod-autoscaler-downscale-stabilization', '10s',
      '--horizontal-pod-autoscaler-tolerance=0.05',
      '--horizontal-pod-autoscaler-cpu-initialization-period', '0s',
      '--horizontal-pod-autoscaler-initial-readiness-delay', '1s',
    ]);
    expect(options.horizontalPodAutoscaler).toEqual({
      syncPeriodMs: 2_000,
      downscaleStabilizationMs: 10_000,
      tolerance: 0.05,
      cpuInitializationPeriodMs: 0,
      initialReadinessDelayMs: 1_000,
    });
  });

  it('rejects a zero HPA sync period and a malformed tolerance', () => {
    expect(() => parseControllerManagerArgs(['--horizontal-pod-autoscaler-sync-period', '0s'])).toThrow(/positive duration/);
    expect(() => parseControllerManagerArgs(['--horizontal-pod-autoscaler-tolerance', 'ten'])).toThrow(/non-negative number/);
  });

  it('rejects a malformed duration', () => {
    expect(() => parseControllerManagerArgs(['--node-monitor-period', 'soon'])).toThrow(/must be a duration/);
  });
});
