/**
 * buildContainerConfig turns a container of the pod spec into the CRI container config: the final argv
 * (the spec's command/args over the image's entrypoint/cmd, as upstream's kubecontainer.ExpandContainerCommandAndArgs
 * does), the environment (literal values and downward-API fieldRefs; `$(VAR)` references expanded), and
 * the log path `<pod log dir>/<container>/<attempt>.log`.
 */
import type { Container, EnvVar, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerConfig, ImageInfo, PodSandboxStatus } from '../runtime/types.js';

/** expandVars replaces `$(NAME)` with env values; `$$(NAME)` escapes to a literal `$(NAME)`. */
export function expandVars(s: string, env: ReadonlyMap<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && env.has(name) ? (env.get(name) as string) : m;
  });
}

function fieldRefValue(pod: Pod, path: string, sandbox: PodSandboxStatus): string {
  const m = pod.metadata ?? {};
  switch (path) {
    case 'metadata.name': return m.name ?? '';
    case 'metadata.namespace': return m.namespace ?? '';
    case 'metadata.uid': return m.uid ?? '';
    case 'spec.nodeName': return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP': return sandbox.ip ?? pod.status?.podIP ?? '';
    case 'status.hostIP': return pod.status?.hostIP ?? '';
  }
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (label) return (label[1] === 'labels' ? m.labels : m.annotations)?.[label[2] as string] ?? '';
  return '';
}

/** resolveEnv computes the environment of a container from literal values and fieldRefs, in order. */
export function resolveEnv(pod: Pod, vars: EnvVar[], sandbox: PodSandboxStatus): { name: string; value: string }[] {
  const env = new Map<string, string>();
  for (const v of vars) {
    // TODO(#6): configMapKeyRef, secretKeyRef, resourceFieldRef and envFrom need the API reads of the runc runtime.
    const value = v.valueFrom?.fieldRef ? fieldRefValue(pod, v.valueFrom.fieldRef.fieldPath, sandbox) : expandVars(v.value ?? '', env);
    env.set(v.name, value);
  }
  return [...env].map(([name, value]) => ({ name, value }));
}

/** buildContainerConfig builds the runtime's container config of one container. */
export function buildContainerConfig(opts: {
  pod: Pod;
  spec: Container;
  image: ImageInfo;
  attempt: number;
  sandbox: PodSandboxStatus;
  logDirectory: string;
}): ContainerConfig {
  const { pod, spec, image } = opts;
  const env = resolveEnv(pod, spec.env ?? [], opts.sandbox);
  const envMap = new Map(env.map((e) => [e.name, e.value]));
  const entrypoint = spec.command ?? image.config.entrypoint ?? [];
  const args = spec.args ?? (spec.command ? [] : (image.config.cmd ?? []));
  return {
    name: spec.name,
    attempt: opts.attempt,
    image,
    imageRef: spec.image ?? '',
    argv: [...entrypoint, ...args].map((a) => expandVars(a, envMap)),
    ...(spec.workingDir ?? image.config.workingDir ? { workingDir: spec.workingDir ?? image.config.workingDir } : {}),
    env,
    mounts: [],
    logPath: `${opts.logDirectory}/${spec.name}/${opts.attempt}.log`,
    stdin: spec.stdin === true,
    stdinOnce: spec.stdinOnce === true,
    tty: spec.tty === true,
    labels: {
      'io.kubernetes.container.name': spec.name,
      'io.kubernetes.pod.name': pod.metadata?.name ?? '',
      'io.kubernetes.pod.namespace': pod.metadata?.namespace ?? '',
      'io.kubernetes.pod.uid': pod.metadata?.uid ?? '',
    },
    annotations: {},
    spec,
  };
}
