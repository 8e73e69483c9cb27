/**
 * The seams between the runtime-independent kubelet (pod workers, status manager, probes, the 10250
 * server) and what actually runs pods. They follow the CRI's split so upstream's documentation applies:
 *
 * - {@link RuntimeService}: pod sandboxes and containers (CRI RuntimeService). Implemented by the
 *   `simulated` runtime (`runtime/simulated/`) and the runc runtime.
 * - {@link ImageService}: pulling, importing and listing OCI images (CRI ImageService). Implemented in
 *   `src/images/`.
 * - {@link PodNetwork}: a pod's network namespace wiring and IP (a CNI plugin). Implemented in
 *   `src/network/`; the simulated runtime has an in-memory allocator.
 *
 * The kubelet core never touches namespaces, cgroups or files of containers: it computes what should run
 * (`pod-workers/`), asks the runtime to converge, and reads back {@link PodRuntimeStatus}.
 */
import type { Duplex, Readable, Writable } from 'node:stream';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';

// ---------------------------------------------------------------------------------------------------
// Images

/** A pull policy as in `spec.containers[].imagePullPolicy`. */
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** Registry credentials from the pod's imagePullSecrets (already resolved from Secrets). */
export interface RegistryAuth {
  /** Registry host as it appears in `.dockerconfigjson` (`docker.io`, `registry.example:5000`). */
  server: string;
  username?: string;
  password?: string;
  /** base64(`user:password`) as in `.dockerconfigjson`'s `auth`. */
  auth?: string;
  identityToken?: string;
}

/** The parts of an OCI image config a runtime needs to start a container. */
export interface OciImageConfig {
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  user?: string;
  exposedPorts?: Record<string, unknown>;
  stopSignal?: string;
  labels?: Record<string, string>;
}

/** An image present on the node. */
export interface ImageInfo {
  /** `sha256:<config digest>`: what containerd calls the image id. */
  id: string;
  /** Normalised references that name this image (`docker.io/library/nginx:1.14`). */
  repoTags: string[];
  /** `docker.io/library/nginx@sha256:<manifest digest>`: becomes `containerStatuses[].imageID`. */
  repoDigests: string[];
  /** Uncompressed layer digests (or store paths) in order, lowest first: the rootfs recipe. */
  rootfsLayers: string[];
  config: OciImageConfig;
  sizeBytes: number;
}

/**
 * ImagePullError is what {@link ImageService.ensureImage} throws when an image cannot be made present.
 * `reason` becomes the container's waiting reason; `message` its waiting message, in upstream's words
 * (`Failed to pull image "nginx:1.17.23": ...`, `Container image "x" is not present with pull policy of Never`).
 */
export class ImagePullError extends Error {
  override readonly name = 'ImagePullError';
  constructor(
    readonly reason: 'ErrImagePull' | 'ErrImageNeverPull' | 'InvalidImageName',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** ImageService makes images present on the node (CRI ImageService). */
export interface ImageService {
  /**
   * ensureImage resolves `ref` to a local image, pulling it when the pull policy says so. Concurrent calls
   * for one ref share one pull. Throws {@link ImagePullError} for pull failures the user must see.
   */
  ensureImage(
    ref: string,
    opts: { pullPolicy: PullPolicy; auth?: RegistryAuth[]; signal?: AbortSignal },
  ): Promise<ImageInfo>;
  /** status returns the local image `ref` names, or undefined. */
  status(ref: string): Promise<ImageInfo | undefined>;
  /** list returns every local image (reported in `node.status.images`). */
  list(): Promise<ImageInfo[]>;
  /** remove deletes a local image by id or reference (image garbage collection). */
  remove(ref: string): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Pod network

/** What a network plugin needs to wire one pod. */
export interface PodNetworkRequest {
  namespace: string;
  name: string;
  uid: string;
  /** `/var/run/netns/<id>` style path of the sandbox's network namespace (empty for simulated pods). */
  netnsPath: string;
}

/** PodNetwork wires pod network namespaces to the node network and hands out pod IPs (a CNI plugin). */
export interface PodNetwork {
  /** configure is called whenever the node's `spec.podCIDR` becomes known or changes. */
  configure(opts: { podCIDR: string }): Promise<void>;
  /** ready says whether pods can be networked (false until a podCIDR is configured). */
  status(): { ready: boolean; message?: string };
  /** setUp wires the pod and returns its IP. Idempotent: a second call for the same uid returns the same IP. */
  setUp(req: PodNetworkRequest): Promise<{ ip: string }>;
  /** tearDown removes the pod's wiring and frees its IP. Idempotent. */
  tearDown(req: PodNetworkRequest): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// Runtime service

/** Identifies a pod sandbox, as CRI's PodSandboxMetadata. */
export interface PodSandboxMetadata {
  name: string;
  namespace: string;
  uid: string;
  /** How many sandboxes this pod had before (0 for the first). */
  attempt: number;
}

/** Everything a runtime needs to create a pod sandbox (the pause container + network namespace). */
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname: string;
  /** Folder where the runtime writes container logs (`/var/log/pods/<ns>_<name>_<uid>`). */
  logDirectory: string;
  hostNetwork: boolean;
  dns?: { servers: string[]; searches: string[]; options: string[] };
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The pod as the kubelet saw it (read-only), for what the CRI fields above do not carry. */
  pod: Pod;
}

/** A bind mount into a container (volumes, the service-account token, /etc/hosts). */
export interface Mount {
  containerPath: string;
  hostPath: string;
  readOnly: boolean;
}

/** Everything a runtime needs to create one container of a sandbox. */
export interface ContainerConfig {
  name: string;
  /** Restart count of this container: 0 for the first start. */
  attempt: number;
  image: ImageInfo;
  /** The image reference as written in the pod spec. */
  imageRef: string;
  /** Final argv after merging the spec's command/args with the image's entrypoint/cmd. */
  argv: string[];
  workingDir?: string;
  env: { name: string; value: string }[];
  mounts: Mount[];
  /** File the runtime appends the container's CRI-format log to. */
  logPath: string;
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** The container as in the pod spec (read-only): resources, securityContext, ports. */
  spec: Container;
}

/** State of a sandbox, as CRI's PodSandboxState. */
export type SandboxState = 'ready' | 'notready';

/** A pod sandbox as the runtime reports it. */
export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: SandboxState;
  /** Epoch milliseconds. */
  createdAt: number;
  /** The pod IP (absent for host-network sandboxes; the kubelet then uses the node IP). */
  ip?: string;
  netnsPath?: string;
}

/** State of a container, as CRI's ContainerState. */
export type ContainerRuntimeState = 'created' | 'running' | 'exited' | 'unknown';

/** One container as the runtime reports it (CRI ContainerStatus). Times are epoch milliseconds, 0 = unset. */
export interface ContainerRuntimeStatus {
  /** Runtime id without scheme; the kubelet reports `<runtimeName>://<id>`. */
  id: string;
  podSandboxId: string;
  name: string;
  attempt: number;
  state: ContainerRuntimeState;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  /** `Completed`, `Error`, `OOMKilled`, ... for exited containers. */
  reason?: string;
  message?: string;
  /** Normalised image reference (`docker.io/library/nginx:1.14`). */
  image: string;
  /** `docker.io/library/nginx@sha256:...`. */
  imageId: string;
}

/** Options of {@link RuntimeService.logs}, the container-relevant parts of `PodLogOptions`. */
export interface LogOptions {
  follow: boolean;
  previous?: boolean;
  timestamps: boolean;
  tailLines?: number;
  limitBytes?: number;
  /** Epoch milliseconds; lines before it are skipped. */
  sinceTime?: number;
  signal?: AbortSignal;
}

/** The streams of an exec or attach session; absent streams were not requested by the client. */
export interface StreamSession {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  tty: boolean;
  /** Terminal size changes (TTY sessions only). */
  resize?: AsyncIterable<{ width: number; height: number }>;
  signal?: AbortSignal;
}

/** Per-container usage for `/stats/summary` (and so `kubectl top`). */
export interface ContainerStats {
  containerId: string;
  /** Epoch milliseconds of the sample. */
  timestamp: number;
  cpuUsageCoreNanoSeconds: number;
  /** CPU rate over a recent interval, when the runtime knows it (Summary API `usageNanoCores`). */
  usageNanoCores?: number;
  memoryWorkingSetBytes: number;
}

/** A change the runtime noticed on its own (a container exited): the kubelet re-syncs that pod. */
export interface RuntimeEvent {
  podUid: string;
  containerId?: string;
  type: 'ContainerStarted' | 'ContainerDied' | 'ContainerRemoved' | 'SandboxChanged';
}

/**
 * RuntimeService runs pod sandboxes and containers (CRI RuntimeService). Calls for one pod are serialised
 * by the kubelet's pod worker; calls for different pods may run concurrently. Every method is idempotent
 * where CRI's is: stopping a stopped container or removing a missing one succeeds.
 */
export interface RuntimeService {
  /** Runtime name and version: the node reports `containerRuntimeVersion` as `<name>://<version>`. */
  version(): { runtimeName: string; runtimeVersion: string };
  /** Whether the runtime (and its pod network) can run pods; the node's Ready condition follows it. */
  status(): { runtimeReady: boolean; networkReady: boolean; message?: string };
  /** updateRuntimeConfig passes the node's podCIDR once it is known (CRI UpdateRuntimeConfig). */
  updateRuntimeConfig(opts: { podCIDR: string }): Promise<void>;

  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  /** stopPodSandbox kills every container of the sandbox and tears its network down. */
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  listPodSandboxes(filter?: { podUid?: string }): Promise<PodSandboxStatus[]>;

  createContainer(sandboxId: string, config: ContainerConfig, sandbox: PodSandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** stopContainer sends the stop signal, then SIGKILL after `timeoutSeconds`. */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  listContainers(filter?: { podSandboxId?: string; podUid?: string }): Promise<ContainerRuntimeStatus[]>;

  /** logs writes the container's log to `out` (following while `follow` and the container runs). */
  logs(containerId: string, opts: LogOptions, out: Writable): Promise<void>;
  /** exec runs `cmd` in the container and resolves to its exit code. */
  exec(containerId: string, cmd: string[], session: StreamSession): Promise<number>;
  attach(containerId: string, session: StreamSession): Promise<void>;
  /** portForward pipes `stream` to `port` inside the sandbox's network namespace until either side ends. */
  portForward(sandboxId: string, port: number, stream: Duplex): Promise<void>;
  stats(): Promise<ContainerStats[]>;
  /** systemUsage is what the node uses besides containers (daemons, kernel), added to the node's stats. */
  systemUsage?(): Omit<ContainerStats, 'containerId'>;
  /** observePods hands the runtime the latest pod objects before stats() (the simulated runtime reads annotations). */
  observePods?(pods: readonly Pod[]): void;

  /** subscribe registers a listener for runtime events (event-driven PLEG); returns the unsubscribe function. */
  subscribe(listener: (ev: RuntimeEvent) => void): () => void;

  /**
   * adoptPod is called once per pod the kubelet finds bound to its node at start, before the first sync.
   * Runtimes whose containers outlive the kubelet (runc) find them on their own and need not implement it;
   * the simulated runtime, whose state lives only in memory, rebuilds it from the pod's reported status.
   */
  adoptPod?(pod: Pod): Promise<void>;
}

/** RuntimeError is a runtime failure with a stable code (logged, and shown in events where upstream does). */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';
  constructor(
    readonly code: 'MK_ERR_RUNTIME_NOT_FOUND' | 'MK_ERR_RUNTIME_UNSUPPORTED' | 'MK_ERR_RUNTIME_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The runtime's view of one pod: its sandboxes (newest first) and every container they hold. */
export interface PodRuntimeStatus {
  uid: string;
  sandboxes: PodSandboxStatus[];
  containers: ContainerRuntimeStatus[];
}

/** The three seams a kubelet runs on; `createKubelet` takes one of these per runtime. */
export interface RuntimeBundle {
  runtime: RuntimeService;
  images: ImageService;
}
