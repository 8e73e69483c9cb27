/**
 * `nanokube apiserver`: the kube-apiserver process. Flags are spelled as kube-apiserver's; `--cert-dir`
 * pointing at a `nanokube init` directory fills the certificate flags from `DIR/pki/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, intFlag, parseFlags, shutdownSignal, stringFlag, UsageError, type FlagSpecs, type ParsedFlags, type Verb } from '@nanokube/component-base';
import { startApiServer } from './app.js';

const flags: FlagSpecs = {
  'etcd-servers': { type: 'string', description: 'Comma-separated store (etcd v3 JSON gateway) URLs', default: 'http://127.0.0.1:2379' },
  'secure-port': { type: 'string', description: 'Port to serve HTTPS on', default: '6443' },
  'bind-address': { type: 'string', description: 'Address to listen on', default: '0.0.0.0' },
  'advertise-address': { type: 'string', description: 'Address advertised to the cluster (kubernetes Service endpoints)' },
  'tls-cert-file': { type: 'string', description: 'Serving certificate (PEM)' },
  'tls-private-key-file': { type: 'string', description: 'Serving private key (PEM)' },
  'client-ca-file': { type: 'string', description: 'CA that signs client certificates (PEM)' },
  'service-account-key-file': { type: 'string', description: 'Public key that verifies service account tokens (PEM)' },
  'service-account-signing-key-file': { type: 'string', description: 'Private key that signs service account tokens (PEM)' },
  'service-cluster-ip-range': { type: 'string', description: 'CIDR of Service cluster IPs', default: '10.96.0.0/12' },
  'service-node-port-range': { type: 'string', description: 'Range of NodePorts', default: '30000-32767' },
  'kubelet-client-certificate': { type: 'string', description: 'Client certificate for connections to kubelets (PEM); enables metrics.k8s.io' },
  'kubelet-client-key': { type: 'string', description: 'Client key for connections to kubelets (PEM)' },
  'kubelet-certificate-authority': { type: 'string', description: "CA that verifies kubelets' serving certificates (PEM); unset = not verified" },
  'cert-dir': { type: 'string', description: 'Directory holding pki/ (as `nanokube init` writes it); fills unset certificate flags' },
};

/** The files the apiserver reads, after `--cert-dir` defaults are applied. */
export interface ApiServerFiles {
  tlsCert: string;
  tlsKey: string;
  clientCA: string;
  serviceAccountKey?: string;
  serviceAccountSigningKey?: string;
  kubeletClientCert?: string;
  kubeletClientKey?: string;
  kubeletCA?: string;
}

/** resolveFiles applies `--cert-dir` (DIR/pki/ when present, else DIR/) to unset file flags. */
export function resolveFiles(f: ParsedFlags): ApiServerFiles {
  const dir = stringFlag(f, 'cert-dir');
  const pki = dir ? (existsSync(join(dir, 'pki')) ? join(dir, 'pki') : dir) : undefined;
  const pick = (flag: string, file: string): string | undefined => stringFlag(f, flag) ?? (pki ? join(pki, file) : undefined);
  const need = (flag: string, file: string): string => {
    const p = pick(flag, file);
    if (!p) throw new UsageError(`flag --${flag} is required (or --cert-dir)`);
    if (!existsSync(p)) throw new UsageError(`--${flag}: ${p} does not exist`);
    return p;
  };
  const saKey = pick('service-account-key-file', 'sa.pub');
  const saSigning = pick('service-account-signing-key-file', 'sa.key');
  const kubeletCA = stringFlag(f, 'kubelet-certificate-authority');
  if (kubeletCA && !existsSync(kubeletCA)) throw new UsageError(`--kubelet-certificate-authority: ${kubeletCA} does not exist`);
  const kubeletCert = pick('kubelet-client-certificate', 'apiserver-kubelet-client.crt');
  const kubeletKey = pick('kubelet-client-key', 'apiserver-kubelet-client.key');
  const kubeletClient = kubeletCert && kubeletKey && existsSync(kubeletCert) && existsSync(kubeletKey);
  return {
    tlsCert: need('tls-cert-file', 'apiserver.crt'),
    tlsKey: need('tls-private-key-file', 'apiserver.key'),
    clientCA: need('client-ca-file', 'ca.crt'),
    ...(saKey && existsSync(saKey) ? { serviceAccountKey: saKey } : {}),
    ...(saSigning && existsSync(saSigning) ? { serviceAccountSigningKey: saSigning } : {}),
    ...(kubeletClient ? { kubeletClientCert: kubeletCert, kubeletClientKey: kubeletKey } : {}),
    ...(kubeletCA ? { kubeletCA } : {}),
  };
}

async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, flags);
  const files = resolveFiles(f);
  const port = intFlag(f, 'secure-port') ?? 6443;
  const host = stringFlag(f, 'bind-address') ?? '0.0.0.0';
  const advertiseAddress = stringFlag(f, 'advertise-address') ?? (host === '0.0.0.0' ? '127.0.0.1' : host);
  const etcdServers = (stringFlag(f, 'etcd-servers') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const logger = createLogger({ component: 'apiserver' });
  // Loaded here so that `--help` and importers of this package do not load storage and every resource.
  const { createRegistry } = await import('../registry/generic/index.js');
  const { allResources } = await import('../registry/resources/index.js');
  const registry = await createRegistry({
    etcdServers,
    resources: allResources,
    logger,
    serviceClusterIPRange: stringFlag(f, 'service-cluster-ip-range') ?? '10.96.0.0/12',
    serviceNodePortRange: stringFlag(f, 'service-node-port-range') ?? '30000-32767',
    advertiseAddress,
    securePort: port,
  });
  const { createSecurity } = await import('../auth/index.js');
  const security = createSecurity({
    registry,
    logger,
    ...(files.serviceAccountSigningKey ? { serviceAccountSigningKey: readFileSync(files.serviceAccountSigningKey, 'utf8') } : {}),
    ...(files.serviceAccountKey ? { serviceAccountPublicKeys: [readFileSync(files.serviceAccountKey, 'utf8')] } : {}),
  });
  const { createMetricsApi } = await import('../metrics-api/index.js');
  const metricsApi =
    files.kubeletClientCert && files.kubeletClientKey
      ? createMetricsApi({
          registry: security.registry,
          kubeletClient: {
            cert: readFileSync(files.kubeletClientCert),
            key: readFileSync(files.kubeletClientKey),
            ...(files.kubeletCA ? { ca: readFileSync(files.kubeletCA) } : {}),
          },
          logger: logger.child({ component: 'metrics-api' }),
        })
      : undefined;
  const { enableUpgrades, streamingHandlers } = await import('./streaming/index.js');
  const { proxyHandlers } = await import('./proxy/index.js');
  const kubeletClient = {
    ...(files.kubeletClientCert && files.kubeletClientKey ? { cert: readFileSync(files.kubeletClientCert), key: readFileSync(files.kubeletClientKey) } : {}),
    ...(files.kubeletCA ? { ca: readFileSync(files.kubeletCA) } : {}),
  };
  // /readyz stays false until the default RBAC policy is in place (upstream's
  // poststarthook/rbac/bootstrap-roles), so components started on "ready" are never refused.
  let policyReady = false;
  const served = new Proxy(security.registry, {
    get(target, prop) {
      if (prop === 'ready') return () => policyReady && (typeof target.ready === 'function' ? target.ready() : true);
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const server = await startApiServer({
    registry: served,
    tls: { cert: readFileSync(files.tlsCert), key: readFileSync(files.tlsKey), clientCA: readFileSync(files.clientCA) },
    logger,
    port,
    host,
    serverAddress: `${advertiseAddress}:${port}`,
    authenticators: security.authenticators,
    authorizer: security.authorizer,
    impersonate: security.impersonate,
    ...(metricsApi ? { metricsApi } : {}),
    subresourceHandlers: { ...streamingHandlers({ kubeletClient, logger }), ...proxyHandlers({ logger }) },
  });
  enableUpgrades(server.app);
  logger.info({ url: server.url, etcdServers }, 'Started apiserver');
  const signal = shutdownSignal();
  if (metricsApi) void registry.whenReady().then(() => metricsApi.run(signal)).catch((err: unknown) => logger.error({ err }, 'Metrics scraper stopped'));
  security
    .start(signal, { whenReady: () => registry.whenReady() })
    .then(() => (policyReady = true))
    .catch((err: unknown) => logger.error({ err }, 'Could not start the security layer'));
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  logger.info('Stopping apiserver');
  await server.close();
  await metricsApi?.close();
  await registry.close();
  return 0;
}

/** apiserverVerb is `nanokube apiserver`. */
export const apiserverVerb: Verb = {
  name: 'apiserver',
  summary: 'Run the Kubernetes API server (HTTPS) over the store',
  usage: 'nanokube apiserver [--etcd-servers URL] [--secure-port 6443] [--cert-dir DIR | --tls-cert-file F --tls-private-key-file F --client-ca-file F]',
  flags,
  run,
};
