/**
 * kubeconfig files (clientcmd's `Config` v1): building them for a cluster, user and context, reading the
 * current context back with credentials resolved, and merging entries into an existing file.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import yaml from 'js-yaml';
import { PkiError } from './errors.js';
import { writeFileAtomic } from './files.js';

/** `clusters[].cluster` of a kubeconfig. */
export interface KubeconfigCluster {
  server: string;
  'certificate-authority-data'?: string;
  'certificate-authority'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

/** `users[].user` of a kubeconfig (the credential kinds nanokube understands). */
export interface KubeconfigUser {
  'client-certificate-data'?: string;
  'client-key-data'?: string;
  'client-certificate'?: string;
  'client-key'?: string;
  token?: string;
  tokenFile?: string;
}

/** `contexts[].context` of a kubeconfig. */
export interface KubeconfigContext {
  cluster: string;
  user: string;
  namespace?: string;
}

/** A kubeconfig document. Unknown top-level fields are kept through {@link mergeKubeconfig}. */
export interface Kubeconfig {
  apiVersion: 'v1';
  kind: 'Config';
  clusters: { name: string; cluster: KubeconfigCluster }[];
  users: { name: string; user: KubeconfigUser }[];
  contexts: { name: string; context: KubeconfigContext }[];
  'current-context': string;
  preferences: Record<string, unknown>;
  [extra: string]: unknown;
}

/** Options of {@link buildKubeconfig}: a client certificate and key, or a bearer token. */
export interface BuildKubeconfigOptions {
  clusterName: string;
  server: string;
  caPem: string;
  userName: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
  /** Default `<userName>@<clusterName>`, as kubeadm names contexts. */
  contextName?: string;
  namespace?: string;
}

/** The current (or a chosen) context of a kubeconfig with every credential read into memory. */
export interface ResolvedKubeconfig {
  contextName: string;
  clusterName: string;
  userName: string;
  server: string;
  /** Absent when the kubeconfig names no CA (system roots) or skips verification. */
  caPem?: string;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  token?: string;
  /** The context's namespace, `default` when unset. */
  namespace: string;
}

/** buildKubeconfig makes a one-cluster, one-user kubeconfig with embedded (`*-data`) credentials. */
export function buildKubeconfig(opts: BuildKubeconfigOptions): Kubeconfig {
  const contextName = opts.contextName ?? `${opts.userName}@${opts.clusterName}`;
  const user: KubeconfigUser = {};
  if (opts.clientCertPem !== undefined) user['client-certificate-data'] = base64(opts.clientCertPem);
  if (opts.clientKeyPem !== undefined) user['client-key-data'] = base64(opts.clientKeyPem);
  if (opts.token !== undefined) user.token = opts.token;
  const context: KubeconfigContext = { cluster: opts.clusterName, user: opts.userName };
  if (opts.namespace !== undefined) context.namespace = opts.namespace;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: opts.clusterName, cluster: { 'certificate-authority-data': base64(opts.caPem), server: opts.server } }],
    contexts: [{ name: contextName, context }],
    'current-context': contextName,
    preferences: {},
    users: [{ name: opts.userName, user }],
  };
}

/** serializeKubeconfig renders a kubeconfig as YAML (base64 blobs are never folded). */
export function serializeKubeconfig(kc: Kubeconfig): string {
  return yaml.dump(kc, { lineWidth: -1, noRefs: true });
}

/** writeKubeconfig writes a kubeconfig atomically with mode 0600: it holds credentials. */
export async function writeKubeconfig(path: string, kc: Kubeconfig): Promise<void> {
  await writeFileAtomic(path, serializeKubeconfig(kc), 0o600);
}

/** readKubeconfig parses a kubeconfig file; missing lists read as empty. */
export async function readKubeconfig(path: string): Promise<Kubeconfig> {
  return parseKubeconfig(await readFile(path, 'utf8'), path);
}

/** parseKubeconfig parses kubeconfig YAML; `source` names it in errors. */
export function parseKubeconfig(text: string, source = 'kubeconfig'): Kubeconfig {
  const doc = yaml.load(text) ?? {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PkiError('MK_ERR_PKI_INVALID_KUBECONFIG', `${source}: not a kubeconfig mapping`);
  }
  const raw = doc as Partial<Kubeconfig>;
  return {
    ...raw,
    apiVersion: 'v1',
    kind: 'Config',
    clusters: raw.clusters ?? [],
    users: raw.users ?? [],
    contexts: raw.contexts ?? [],
    'current-context': raw['current-context'] ?? '',
    preferences: raw.preferences ?? {},
  };
}

/**
 * loadKubeconfig reads a kubeconfig and resolves its current context (or `opts.context`): the
 * cluster's server and CA, the user's certificate, key and token. `*-data` fields are decoded; file
 * fields are read, relative to the kubeconfig's folder as clientcmd does.
 */
export async function loadKubeconfig(path: string, opts: { context?: string } = {}): Promise<ResolvedKubeconfig> {
  return resolveKubeconfig(await readKubeconfig(path), dirname(resolve(path)), opts);
}

/** resolveKubeconfig is {@link loadKubeconfig} for a parsed kubeconfig whose relative paths start at baseDir. */
export async function resolveKubeconfig(kc: Kubeconfig, baseDir: string, opts: { context?: string } = {}): Promise<ResolvedKubeconfig> {
  const contextName = opts.context ?? kc['current-context'];
  const fail = (why: string): never => {
    throw new PkiError('MK_ERR_PKI_INVALID_KUBECONFIG', why);
  };
  if (!contextName) fail('kubeconfig has no current context');
  const context = kc.contexts.find((c) => c.name === contextName)?.context ?? fail(`context "${contextName}" not found`);
  const cluster = kc.clusters.find((c) => c.name === context.cluster)?.cluster ?? fail(`cluster "${context.cluster}" not found`);
  const user = kc.users.find((u) => u.name === context.user)?.user ?? fail(`user "${context.user}" not found`);
  const read = (data: string | undefined, file: string | undefined): Promise<string | undefined> =>
    readDataOrFile(data, file, baseDir);
  const [caPem, clientCertPem, clientKeyPem, tokenFromFile] = await Promise.all([
    read(cluster['certificate-authority-data'], cluster['certificate-authority']),
    read(user['client-certificate-data'], user['client-certificate']),
    read(user['client-key-data'], user['client-key']),
    user.tokenFile ? readFile(resolvePath(user.tokenFile, baseDir), 'utf8') : Promise.resolve(undefined),
  ]);
  const token = user.token ?? tokenFromFile?.trim();
  return {
    contextName,
    clusterName: context.cluster,
    userName: context.user,
    server: cluster.server,
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    namespace: context.namespace || 'default',
    ...(caPem !== undefined ? { caPem } : {}),
    ...(cluster['tls-server-name'] ? { tlsServerName: cluster['tls-server-name'] } : {}),
    ...(clientCertPem !== undefined ? { clientCertPem } : {}),
    ...(clientKeyPem !== undefined ? { clientKeyPem } : {}),
    ...(token ? { token } : {}),
  };
}

/**
 * mergeKubeconfig adds the clusters, users and contexts of `kc` to the kubeconfig at targetPath,
 * replacing entries of the same name and keeping all others; the file is created if missing. With
 * `setCurrent` (or when the target has no current context) the target's current context becomes
 * kc's. Written atomically, mode 0600.
 */
export async function mergeKubeconfig(targetPath: string, kc: Kubeconfig, opts: { setCurrent: boolean }): Promise<void> {
  let target: Kubeconfig;
  try {
    target = await readKubeconfig(targetPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    target = parseKubeconfig('{}');
  }
  target.clusters = upsertByName(target.clusters, kc.clusters);
  target.users = upsertByName(target.users, kc.users);
  target.contexts = upsertByName(target.contexts, kc.contexts);
  if (opts.setCurrent || !target['current-context']) target['current-context'] = kc['current-context'];
  await writeKubeconfig(targetPath, target);
}

function upsertByName<T extends { name: string }>(existing: T[], incoming: T[]): T[] {
  const out = [...existing];
  for (const entry of incoming) {
    const i = out.findIndex((e) => e.name === entry.name);
    if (i >= 0) out[i] = entry;
    else out.push(entry);
  }
  return out;
}

async function readDataOrFile(data: string | undefined, file: string | undefined, baseDir: string): Promise<string | undefined> {
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  if (file) return readFile(resolvePath(file, baseDir), 'utf8');
  return undefined;
}

function resolvePath(file: string, baseDir: string): string {
  return isAbsolute(file) ? file : resolve(baseDir, file);
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
