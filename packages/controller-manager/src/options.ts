import { intFlag, parseFlags, stringFlag, UsageError, type FlagSpecs, type ParsedFlags } from '@nanokube/component-base';
import type { ConcurrentSyncs, ControllerManagerOptions } from './shared/index.js';

/** Leader-election timing (`--leader-elect-*`), in ms; client-go's defaults. */
export interface LeaderElectionTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

const concurrencyFlags: Record<string, { key: keyof ConcurrentSyncs; def: number; what: string }> = {
  'concurrent-deployment-syncs': { key: 'deployment', def: 5, what: 'deployments' },
  'concurrent-replicaset-syncs': { key: 'replicaset', def: 5, what: 'replica sets' },
  'concurrent-endpoint-syncs': { key: 'endpoint', def: 5, what: 'endpoints' },
  'concurrent-service-endpoint-syncs': { key: 'endpointslice', def: 5, what: 'endpoint slices' },
  'concurrent-gc-syncs': { key: 'gc', def: 20, what: 'garbage collector workers' },
  'concurrent-namespace-syncs': { key: 'namespace', def: 10, what: 'namespaces' },
  'concurrent-serviceaccount-token-syncs': { key: 'serviceaccount', def: 5, what: 'service accounts' },
  'concurrent-job-syncs': { key: 'job', def: 5, what: 'jobs' },
  'concurrent-cron-job-syncs': { key: 'cronjob', def: 5, what: 'cron jobs' },
  'concurrent-daemonset-syncs': { key: 'daemonset', def: 2, what: 'daemon sets' },
  'concurrent-statefulset-syncs': { key: 'statefulset', def: 5, what: 'stateful sets' },
  'concurrent-csr-syncs': { key: 'csr', def: 5, what: 'certificate signing requests' },
  'concurrent-service-lb-syncs': { key: 'serviceLb', def: 1, what: 'LoadBalancer services' },
};

/** The flags of `nanokube controller-manager`, named as kube-controller-manager's. */
export const controllerManagerFlags: FlagSpecs = {
  kubeconfig: { type: 'string', description: 'Path to a kubeconfig file with the controller-manager credentials' },
  'leader-elect': { type: 'string', description: 'Elect a leader through the kube-system/kube-controller-manager Lease', default: 'true' },
  'leader-elect-lease-duration': { type: 'string', description: 'Lease duration', default: '15s' },
  'leader-elect-renew-deadline': { type: 'string', description: 'Renew deadline', default: '10s' },
  'leader-elect-retry-period': { type: 'string', description: 'Retry period', default: '2s' },
  controllers: { type: 'string', description: "Controllers to enable: '*' for the defaults, 'foo' to enable, '-foo' to disable", default: '*' },
  'cluster-cidr': { type: 'string', description: 'CIDR range for pods', default: '10.244.0.0/16' },
  'node-cidr-mask-size': { type: 'string', description: 'Mask size of each node pod CIDR', default: '24' },
  'allocate-node-cidrs': { type: 'string', description: 'Allocate a pod CIDR to every node', default: 'true' },
  'node-monitor-grace-period': { type: 'string', description: 'Time a node may stop heartbeating before it is marked unhealthy', default: '40s' },
  'node-monitor-period': { type: 'string', description: 'How often node health is checked', default: '5s' },
  'pod-eviction-timeout': { type: 'string', description: 'Deprecated; eviction follows tolerationSeconds', default: '5m0s' },
  'terminated-pod-gc-threshold': { type: 'string', description: 'Terminated pods kept before the oldest are deleted', default: '12500' },
  'cluster-signing-cert-file': { type: 'string', description: 'PEM CA certificate used to sign cluster certificates' },
  'cluster-signing-key-file': { type: 'string', description: 'PEM CA private key used to sign cluster certificates' },
  'cluster-signing-duration': { type: 'string', description: 'Lifetime of signed certificates', default: '8760h0m0s' },
  'service-account-private-key-file': { type: 'string', description: 'PEM private key used to sign service account tokens' },
  'root-ca-file': { type: 'string', description: 'Root CA put into service account token secrets and kube-root-ca.crt' },
  'lb-address-pools': { type: 'string', description: 'Comma-separated LoadBalancer address ranges (a-b or CIDR)', default: '192.168.56.200-192.168.56.250' },
  'lb-config-file': { type: 'string', description: 'MetalLB IPAddressPool YAML (or legacy ConfigMap config) with LoadBalancer pools' },
  'horizontal-pod-autoscaler-sync-period': { type: 'string', description: 'How often the horizontal pod autoscaler syncs each HPA', default: '15s' },
  'horizontal-pod-autoscaler-downscale-stabilization': { type: 'string', description: 'How far back the autoscaler looks for a higher recommendation before it scales down', default: '5m0s' },
  'horizontal-pod-autoscaler-tolerance': { type: 'string', description: 'Minimum change (from 1.0) in the desired-to-actual metric ratio before the autoscaler acts', default: '0.1' },
  'horizontal-pod-autoscaler-cpu-initialization-period': { type: 'string', description: 'Period after pod start when CPU samples may be skipped', default: '5m0s' },
  'horizontal-pod-autoscaler-initial-readiness-delay': { type: 'string', description: 'Period after pod start during which readiness changes count as initial readiness', default: '30s' },
  'bind-address': { type: 'string', description: 'Address /healthz listens on', default: '127.0.0.1' },
  'secure-port': { type: 'string', description: 'HTTPS port of /healthz (0 disables it)', default: '10257' },
  ...Object.fromEntries(
    Object.entries(concurrencyFlags).map(([name, c]) => [
      name,
      { type: 'string', description: `Number of ${c.what} synced concurrently`, default: String(c.def) },
    ]),
  ),
};

/** defaultOptions returns the options a bare command line gives (tests start from these). */
export function defaultOptions(): ControllerManagerOptions {
  return optionsFromFlags(parseFlags([], controllerManagerFlags));
}

/** parseControllerManagerArgs parses argv into options and leader-election timing. */
export function parseControllerManagerArgs(argv: string[]): { options: ControllerManagerOptions; leaderElection: LeaderElectionTiming } {
  const flags = parseFlags(normaliseBoolFlags(argv), controllerManagerFlags);
  return {
    options: optionsFromFlags(flags),
    leaderElection: {
      leaseDurationMs: durationFlag(flags, 'leader-elect-lease-duration'),
      renewDeadlineMs: durationFlag(flags, 'leader-elect-renew-deadline'),
      retryPeriodMs: durationFlag(flags, 'leader-elect-retry-period'),
    },
  };
}

function optionsFromFlags(f: ParsedFlags): ControllerManagerOptions {
  const concurrentSyncs = {} as ConcurrentSyncs;
  for (const [name, c] of Object.entries(concurrencyFlags)) concurrentSyncs[c.key] = Math.max(1, intFlag(f, name) ?? c.def);
  const opt = (name: string): string | undefined => stringFlag(f, name);
  return {
    kubeconfig: opt('kubeconfig') ?? '',
    leaderElect: boolFlag(f, 'leader-elect'),
    controllers: (opt('controllers') ?? '*').split(',').map((s) => s.trim()).filter(Boolean),
    clusterCidr: opt('cluster-cidr') ?? '10.244.0.0/16',
    nodeCidrMaskSize: intFlag(f, 'node-cidr-mask-size') ?? 24,
    allocateNodeCidrs: boolFlag(f, 'allocate-node-cidrs'),
    nodeMonitorGracePeriodMs: durationFlag(f, 'node-monitor-grace-period'),
    nodeMonitorPeriodMs: durationFlag(f, 'node-monitor-period'),
    podEvictionTimeoutMs: durationFlag(f, 'pod-eviction-timeout'),
    terminatedPodGcThreshold: intFlag(f, 'terminated-pod-gc-threshold') ?? 12500,
    ...(opt('cluster-signing-cert-file') ? { clusterSigningCertFile: opt('cluster-signing-cert-file') as string } : {}),
    ...(opt('cluster-signing-key-file') ? { clusterSigningKeyFile: opt('cluster-signing-key-file') as string } : {}),
    clusterSigningDurationMs: durationFlag(f, 'cluster-signing-duration'),
    ...(opt('service-account-private-key-file') ? { serviceAccountPrivateKeyFile: opt('service-account-private-key-file') as string } : {}),
    ...(opt('root-ca-file') ? { rootCaFile: opt('root-ca-file') as string } : {}),
    lbAddressPools: (opt('lb-address-pools') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    ...(opt('lb-config-file') ? { lbConfigFile: opt('lb-config-file') as string } : {}),
    concurrentSyncs,
    horizontalPodAutoscaler: {
      syncPeriodMs: positiveDurationFlag(f, 'horizontal-pod-autoscaler-sync-period'),
      downscaleStabilizationMs: durationFlag(f, 'horizontal-pod-autoscaler-downscale-stabilization'),
      tolerance: toleranceFlag(f, 'horizontal-pod-autoscaler-tolerance'),
      cpuInitializationPeriodMs: durationFlag(f, 'horizontal-pod-autoscaler-cpu-initialization-period'),
      initialReadinessDelayMs: durationFlag(f, 'horizontal-pod-autoscaler-initial-readiness-delay'),
    },
    bindAddress: opt('bind-address') ?? '127.0.0.1',
    securePort: intFlag(f, 'secure-port') ?? 10257,
  };
}

/**
 * normaliseBoolFlags lets the string-typed boolean flags be written as upstream allows: `--leader-elect`,
 * `--leader-elect=true` and `--leader-elect=false`.
 */
function normaliseBoolFlags(argv: string[]): string[] {
  const bools = new Set(['--leader-elect', '--allocate-node-cidrs']);
  return argv.map((a, i) => {
    const next = argv[i + 1];
    return bools.has(a) && (next === undefined || next.startsWith('-') || !/^(true|false)$/.test(next)) ? `${a}=true` : a;
  });
}

function boolFlag(f: ParsedFlags, name: string): boolean {
  const v = stringFlag(f, name) ?? 'false';
  if (v !== 'true' && v !== 'false') throw new UsageError(`flag --${name} must be true or false, got "${v}"`);
  return v === 'true';
}

function durationFlag(f: ParsedFlags, name: string): number {
  const v = stringFlag(f, name) ?? '0s';
  const ms = parseDuration(v);
  if (ms === undefined) throw new UsageError(`flag --${name} must be a duration such as 40s or 5m0s, got "${v}"`);
  return ms;
}

function positiveDurationFlag(f: ParsedFlags, name: string): number {
  const ms = durationFlag(f, name);
  if (ms <= 0) throw new UsageError(`flag --${name} must be a positive duration, got "${stringFlag(f, name) ?? ''}"`);
  return ms;
}

function toleranceFlag(f: ParsedFlags, name: string): number {
  const v = stringFlag(f, name) ?? '0.1';
  const n = /^\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new UsageError(`flag --${name} must be a non-negative number such as 0.1, got "${v}"`);
  return n;
}

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** parseDuration reads a Go duration (`1h2m3.5s`, `300ms`, `0`) into milliseconds. */
export function parseDuration(s: string): number | undefined {
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (unitMs[m[2] as string] as number);
    matched = re.lastIndex;
  }
  return matched === s.length && matched > 0 ? total : undefined;
}
