/** The runc container runtime: real containers for real pods (see runtime.ts). */
export { RuncRuntime, runcVersion, cgroupUsage, cgroupOomKills, ensureMountSources, type RuncRuntimeOptions, type RootfsService } from './runtime.js';
export { childPids, findPty, followResizes, setPtySize, type TerminalSize } from './tty.js';
export { followCriLogRaw } from './cri-log.js';
export { buildOciSpec, resolveUser, resourcesOf, mergeEnv, capabilitiesOf, defaultCapabilities, UserLookupError, type OciSpec, type OciSpecInput, type ProcessUser, type CgroupResources } from './oci-spec.js';
export { hostsFile, podDns, parseResolvConf, formatResolvConf, type ClusterDns, type ResolvConf } from './pod-files.js';
export { parseCriLogLine, rfc3339Nano, writeCriLog, type CriLogLine } from './cri-log.js';
