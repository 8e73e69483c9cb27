import type {
  Clock,
  EventRecorder,
  GroupVersionResource,
  KubeObject,
  ResourceClient,
  RestClient,
  SharedInformerFactory,
} from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';

/** Worker counts per controller, as upstream's `--concurrent-*-syncs` flags. */
export interface ConcurrentSyncs {
  deployment: number;
  replicaset: number;
  endpoint: number;
  endpointslice: number;
  gc: number;
  namespace: number;
  serviceaccount: number;
  job: number;
  cronjob: number;
  daemonset: number;
  statefulset: number;
  csr: number;
  serviceLb: number;
}

/** The HPA controller's `--horizontal-pod-autoscaler-*` flags, durations in ms. */
export interface HorizontalPodAutoscalerOptions {
  /** `--horizontal-pod-autoscaler-sync-period` (15 s): how often each HPA is reconciled. */
  syncPeriodMs: number;
  /** `--horizontal-pod-autoscaler-downscale-stabilization` (5 min), when spec.behavior does not say. */
  downscaleStabilizationMs: number;
  /** `--horizontal-pod-autoscaler-tolerance` (0.1): usage ratios within 1 ± tolerance change nothing. */
  tolerance: number;
  /** `--horizontal-pod-autoscaler-cpu-initialization-period` (5 min) after pod start. */
  cpuInitializationPeriodMs: number;
  /** `--horizontal-pod-autoscaler-initial-readiness-delay` (30 s) after pod start. */
  initialReadinessDelayMs: number;
}

/** ControllerManagerOptions are the manager's flags after parsing and defaulting. Durations are in ms. */
export interface ControllerManagerOptions {
  kubeconfig: string;
  leaderElect: boolean;
  /** `--controllers`: `*` enables the defaults, `name` enables one, `-name` disables one. */
  controllers: string[];
  clusterCidr: string;
  nodeCidrMaskSize: number;
  allocateNodeCidrs: boolean;
  nodeMonitorGracePeriodMs: number;
  nodeMonitorPeriodMs: number;
  /** Upstream's deprecated `--pod-eviction-timeout`; eviction follows tolerationSeconds (300 s default). */
  podEvictionTimeoutMs: number;
  /** Terminated pods kept before the pod GC deletes the oldest (`--terminated-pod-gc-threshold`). */
  terminatedPodGcThreshold: number;
  clusterSigningCertFile?: string;
  clusterSigningKeyFile?: string;
  /** Lifetime of certificates the CSR signer issues (`--cluster-signing-duration`, 1 year). */
  clusterSigningDurationMs: number;
  serviceAccountPrivateKeyFile?: string;
  rootCaFile?: string;
  /** LoadBalancer address pools, `a.b.c.d-a.b.c.e` or CIDRs. */
  lbAddressPools: string[];
  /** A MetalLB-style IPAddressPool YAML or the old MetalLB ConfigMap `config` file. */
  lbConfigFile?: string;
  concurrentSyncs: ConcurrentSyncs;
  horizontalPodAutoscaler: HorizontalPodAutoscalerOptions;
  bindAddress: string;
  /** Port of /healthz; 0 disables the health server. */
  securePort: number;
}

/** ControllerContext is what every controller is built from; the manager creates one per controller. */
export interface ControllerContext {
  /** The controller-manager's client. */
  rest: RestClient;
  /** Shared informers; the manager calls start() after every controller has been created. */
  informers: SharedInformerFactory;
  /** client returns a typed client for a resource (all namespaces; use inNamespace to bind one). */
  client<T extends KubeObject>(gvr: GroupVersionResource): ResourceClient<T>;
  /** Event recorder with component `controller-manager`... or the controller's own name. */
  recorder: EventRecorder;
  /** Child logger carrying `{ controller: '<name>' }`. */
  log: Logger;
  options: ControllerManagerOptions;
  clock: Clock;
}

/** A running controller. run() resolves once signal aborts and its workers stopped. */
export interface Controller {
  run(signal: AbortSignal): Promise<void>;
}

/** ControllerDescriptor registers one controller with the manager (upstream's controller descriptor). */
export interface ControllerDescriptor {
  /** Upstream name, e.g. `replicaset-controller`. */
  name: string;
  /** Aliases accepted by `--controllers` (upstream's short names, e.g. `replicaset`). */
  aliases?: string[];
  /** Disabled unless named explicitly in `--controllers` (upstream's "disabled by default"). */
  disabledByDefault?: boolean;
  /** Builds the controller (registers informer handlers); run() starts its workers. */
  create(ctx: ControllerContext): Controller;
}
