/**
 * Generation of a container's OCI runtime spec (`config.json` of a runc bundle) from the CRI container
 * config, the image config and the pod's files, as containerd's CRI plugin does with Docker's defaults:
 * own pid/ipc/uts/mount namespaces, the pod's network namespace, Docker's default capability set,
 * the default mounts plus the pod's /etc/hosts, /etc/resolv.conf and /etc/hostname and the volume bind
 * mounts, and cgroup limits from the container's requests and limits. Pure: no file or process access.
 */
import type { Container } from 'kubernetes-types/core/v1.js';
import { parseQuantity, quantityToInt, quantityToMilli } from '@nanokube/api';
import type { Mount } from '../types.js';

/** The OCI runtime spec subset nanokube writes (opencontainers/runtime-spec config.md). */
export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: { bounding: string[]; effective: string[]; permitted: string[] };
    noNewPrivileges: boolean;
    oomScoreAdj?: number;
  };
  root: { path: string; readonly: boolean };
  hostname?: string;
  mounts: { destination: string; type: string; source: string; options?: string[] }[];
  annotations?: Record<string, string>;
  linux: {
    cgroupsPath: string;
    resources: {
      devices: { allow: boolean; access: string; type?: string; major?: number; minor?: number }[];
      memory?: { limit: number };
      cpu?: { shares?: number; quota?: number; period?: number };
    };
    namespaces: { type: string; path?: string }[];
    maskedPaths?: string[];
    readonlyPaths?: string[];
  };
}

/** Docker's (and containerd's) default capability set of an unprivileged container. */
export const defaultCapabilities: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability of Linux 5.x+, what a privileged container gets. */
const allCapabilities: readonly string[] = [
  ...defaultCapabilities,
  'CAP_DAC_READ_SEARCH', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER',
  'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_LEASE', 'CAP_AUDIT_CONTROL', 'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
];

/** The paths Docker and containerd mask and make read-only in unprivileged containers. */
const maskedPaths = [
  '/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware',
];
const readonlyPaths = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** capabilityName turns `NET_ADMIN` (as in securityContext) into `CAP_NET_ADMIN`. */
function capabilityName(c: string): string {
  const up = c.toUpperCase();
  return up.startsWith('CAP_') ? up : `CAP_${up}`;
}

/** capabilitiesOf applies securityContext.capabilities (drop ALL, add) to the default set. */
export function capabilitiesOf(spec: Container): string[] {
  const sc = spec.securityContext;
  if (sc?.privileged) return [...allCapabilities];
  const drop = (sc?.capabilities?.drop ?? []).map(capabilityName);
  let caps = drop.includes('CAP_ALL') ? [] : defaultCapabilities.filter((c) => !drop.includes(c));
  for (const add of (sc?.capabilities?.add ?? []).map(capabilityName)) {
    if (add === 'CAP_ALL') caps = [...allCapabilities];
    else if (!caps.includes(add)) caps.push(add);
  }
  return caps;
}

/** The user a container process runs as. */
export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids: number[];
}

/** One row of /etc/passwd or /etc/group: name, id and (passwd) primary group, or (group) members. */
interface DbEntry {
  name: string;
  id: number;
  gid?: number;
  members?: string[];
}

function parseDb(text: string, kind: 'passwd' | 'group'): DbEntry[] {
  const out: DbEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    const id = Number(f[2]);
    if (!f[0] || !Number.isInteger(id)) continue;
    if (kind === 'passwd') out.push({ name: f[0], id, gid: Number(f[3]) || 0 });
    else out.push({ name: f[0], id, members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

/** UserLookupError says the image's user (or group) does not exist in the container's /etc files. */
export class UserLookupError extends Error {
  override readonly name = 'UserLookupError';
}

/**
 * resolveUser works out the uid, gid and supplementary groups as runc's user package does for an image
 * `User` of `name`, `uid`, `name:group` or `uid:gid`; securityContext runAsUser/runAsGroup override the
 * image's. `passwd` and `group` are the contents of the rootfs's /etc/passwd and /etc/group ('' if absent).
 */
export function resolveUser(opts: {
  imageUser?: string;
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  passwd: string;
  group: string;
}): ProcessUser {
  const users = parseDb(opts.passwd, 'passwd');
  const groups = parseDb(opts.group, 'group');
  const [userPart = '', groupPart] = (opts.imageUser ?? '').split(':', 2);
  let uid = 0;
  let gid: number | undefined;
  let name: string | undefined;
  if (opts.runAsUser !== undefined) {
    uid = opts.runAsUser;
    const entry = users.find((u) => u.id === uid);
    name = entry?.name;
    gid = entry?.gid;
  } else if (userPart !== '') {
    const entry = /^\d+$/.test(userPart) ? users.find((u) => u.id === Number(userPart)) : users.find((u) => u.name === userPart);
    if (!entry && !/^\d+$/.test(userPart)) throw new UserLookupError(`unable to find user ${userPart}: no matching entries in passwd file`);
    uid = entry?.id ?? Number(userPart);
    name = entry?.name;
    gid = entry?.gid;
  } else {
    name = users.find((u) => u.id === 0)?.name ?? 'root';
  }
  if (opts.runAsGroup !== undefined) gid = opts.runAsGroup;
  else if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((x) => x.name === groupPart);
      if (!g) throw new UserLookupError(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = g.id;
    }
  }
  const primary = gid ?? 0;
  const extra = new Set<number>();
  if (name !== undefined) for (const g of groups) if (g.members?.includes(name) && g.id !== primary) extra.add(g.id);
  for (const g of opts.supplementalGroups ?? []) if (g !== primary) extra.add(g);
  return { uid, gid: primary, additionalGids: [...extra].sort((a, b) => a - b) };
}

/** Linux cgroup limits of one container, from its resources as the kubelet computes them. */
export interface CgroupResources {
  cpuShares: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  memoryLimit?: number;
}

const cpuPeriod = 100_000;

/**
 * resourcesOf maps requests and limits as upstream's kuberuntime does: cpu.shares = milliCPU request ×
 * 1024 / 1000 (at least 2; a container with only a limit uses the limit as request), CFS quota = milliCPU
 * limit × period / 1000 (at least 1 ms), memory limit in bytes.
 */
export function resourcesOf(spec: Container): CgroupResources {
  const req = spec.resources?.requests ?? {};
  const lim = spec.resources?.limits ?? {};
  const milli = (v: string | undefined): number | undefined => (v === undefined ? undefined : quantityToMilli(parseQuantity(v)));
  const cpuReq = milli(req['cpu']) ?? milli(lim['cpu']);
  const cpuLim = milli(lim['cpu']);
  const out: CgroupResources = { cpuShares: Math.max(2, Math.floor(((cpuReq ?? 0) * 1024) / 1000)) };
  if (cpuLim !== undefined && cpuLim > 0) {
    out.cpuQuota = Math.max(1000, Math.floor((cpuLim * cpuPeriod) / 1000));
    out.cpuPeriod = cpuPeriod;
  }
  const mem = lim['memory'];
  if (mem !== undefined) out.memoryLimit = quantityToInt(parseQuantity(mem));
  return out;
}

/** mergeEnv puts the container's variables over the image's (`NAME=value` lines), keeping first-seen order. */
export function mergeEnv(imageEnv: readonly string[], env: readonly { name: string; value: string }[]): string[] {
  const m = new Map<string, string>();
  for (const line of imageEnv) {
    const i = line.indexOf('=');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  for (const e of env) m.set(e.name, e.value);
  return [...m].map(([k, v]) => `${k}=${v}`);
}

/** What {@link buildOciSpec} needs. */
export interface OciSpecInput {
  argv: string[];
  env: string[];
  cwd: string;
  user: ProcessUser;
  spec: Container;
  /** The rootfs path, relative to the bundle or absolute. */
  rootfs: string;
  hostname: string;
  /** Path of the pod's network namespace; undefined for host-network pods (the kubelet's own is shared). */
  netnsPath?: string;
  /** The pod's files bind-mounted over the image's: etc-hosts, resolv.conf, hostname. */
  podFiles: { hosts: string; resolvConf: string; hostname?: string };
  /** Volume bind mounts (the kubelet materialises the volumes on the host). */
  mounts: readonly Mount[];
  cgroupsPath: string;
  resources: CgroupResources;
  annotations?: Record<string, string>;
  /** The container's process gets a terminal (`tty: true` in the pod spec). */
  terminal?: boolean;
}

/** buildOciSpec assembles the runtime spec of one container; see the module comment. */
export function buildOciSpec(i: OciSpecInput): OciSpec {
  const privileged = i.spec.securityContext?.privileged === true;
  const caps = capabilitiesOf(i.spec);
  const bind = (destination: string, source: string, readOnly: boolean) => ({
    destination,
    type: 'bind',
    source,
    options: ['rbind', 'rprivate', readOnly ? 'ro' : 'rw'],
  });
  const mounts: OciSpec['mounts'] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', privileged ? 'rw' : 'ro'] },
  ];
  const userPaths = new Set(i.mounts.map((m) => m.containerPath));
  if (!userPaths.has('/etc/hosts')) mounts.push(bind('/etc/hosts', i.podFiles.hosts, false));
  if (!userPaths.has('/etc/resolv.conf')) mounts.push(bind('/etc/resolv.conf', i.podFiles.resolvConf, false));
  if (i.podFiles.hostname && !userPaths.has('/etc/hostname')) mounts.push(bind('/etc/hostname', i.podFiles.hostname, false));
  for (const m of i.mounts) mounts.push(bind(m.containerPath, m.hostPath, m.readOnly));

  const namespaces: OciSpec['linux']['namespaces'] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'mount' }];
  if (i.netnsPath !== undefined) namespaces.push({ type: 'uts' }, { type: 'network', path: i.netnsPath });
  const resources: OciSpec['linux']['resources'] = {
    devices: privileged ? [{ allow: true, access: 'rwm' }] : [{ allow: false, access: 'rwm' }],
    cpu: {
      shares: i.resources.cpuShares,
      ...(i.resources.cpuQuota !== undefined ? { quota: i.resources.cpuQuota, period: i.resources.cpuPeriod ?? cpuPeriod } : {}),
    },
    ...(i.resources.memoryLimit !== undefined ? { memory: { limit: i.resources.memoryLimit } } : {}),
  };
  const sc = i.spec.securityContext;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: i.terminal === true,
      user: { uid: i.user.uid, gid: i.user.gid, ...(i.user.additionalGids.length ? { additionalGids: i.user.additionalGids } : {}) },
      args: i.argv,
      env: i.env,
      cwd: i.cwd || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: sc?.allowPrivilegeEscalation === false,
    },
    root: { path: i.rootfs, readonly: sc?.readOnlyRootFilesystem === true },
    ...(i.netnsPath !== undefined ? { hostname: i.hostname } : {}),
    mounts,
    ...(i.annotations ? { annotations: i.annotations } : {}),
    linux: {
      cgroupsPath: i.cgroupsPath,
      resources,
      namespaces,
      ...(privileged ? {} : { maskedPaths, readonlyPaths }),
    },
  };
}
