/**
 * buildContainerConfig turns a container of the pod spec into the CRI container config: the final argv
 * (the spec's command/args over the image's entrypoint/cmd with `$(VAR)` expanded, as upstream's
 * kubecontainer.ExpandContainerCommandAndArgs does), the environment and mounts the caller resolved
 * (`envvars/`, `volumes/`), and the log path `<pod log dir>/<container>/<attempt>.log`.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { expandCommand, type EnvVarValue } from '../envvars/index.js';
import type { ContainerConfig, ImageInfo, Mount } from '../runtime/types.js';

/** buildContainerConfig builds the runtime's container config of one container. */
export function buildContainerConfig(opts: {
  pod: Pod;
  spec: Container;
  image: ImageInfo;
  attempt: number;
  logDirectory: string;
  env: EnvVarValue[];
  mounts: Mount[];
}): ContainerConfig {
  const { pod, spec, image } = opts;
  const workingDir = spec.workingDir ?? image.config.workingDir;
  return {
    name: spec.name,
    attempt: opts.attempt,
    image,
    imageRef: spec.image ?? '',
    argv: expandCommand(spec, image.config, opts.env),
    ...(workingDir ? { workingDir } : {}),
    env: opts.env,
    mounts: opts.mounts,
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
