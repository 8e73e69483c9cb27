/**
 * `nanokube dns`: the cluster DNS (CoreDNS's kubernetes + forward plugins), exposed as the
 * `kube-system/kube-dns` Service at 10.96.0.10, with CoreDNS's Prometheus metrics on
 * --metrics-address:--metrics-port (0.0.0.0:9153).
 */
import { configFromKubeconfig, RestClient } from '@nanokube/client';
import { createLogger, createMetricsRegistry, formatHelp, intFlag, parseFlags, shutdownSignal, stringFlag, UsageError, type FlagSpecs, type Verb } from '@nanokube/component-base';
import { createClusterDns } from './dns.js';
import { DnsMetrics, startMetricsServer } from './metrics.js';
import { nodeUpstreams, parseUpstream } from './resolv-conf.js';
import type { ListenAddress } from './server.js';

const flags: FlagSpecs = {
  kubeconfig: { type: 'string', description: 'Path to the kubeconfig to watch Services and EndpointSlices with (required)' },
  listen: { type: 'string', multiple: true, description: 'ADDR:PORT to serve DNS on over UDP and TCP, repeatable (default 0.0.0.0:53)' },
  upstream: { type: 'string', multiple: true, description: 'Resolver for names outside the cluster, repeatable (default: the nameservers of --resolv-conf)' },
  'resolv-conf': { type: 'string', description: 'Resolver configuration to read upstreams from', default: '/etc/resolv.conf' },
  domain: { type: 'string', description: 'The cluster domain', default: 'cluster.local' },
  ttl: { type: 'string', description: 'TTL of cluster records in seconds', default: '30' },
  'metrics-address': { type: 'string', description: 'Address /metrics listens on', default: '0.0.0.0' },
  'metrics-port': { type: 'string', description: 'Port of /metrics, as CoreDNS\'s prometheus plugin (0 disables)', default: '9153' },
};

const usage = 'nanokube dns --kubeconfig FILE [--listen 0.0.0.0:53]... [--upstream IP[:PORT]]... [--domain cluster.local]';
const summary = 'Run the cluster DNS: Service, endpoint and pod names under the cluster domain.';

function parseListen(text: string): ListenAddress {
  const i = text.lastIndexOf(':');
  const port = Number(text.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`flag --listen must be ADDR:PORT, got "${text}"`);
  return { host: text.slice(0, i).replace(/^\[|\]$/g, ''), port };
}

async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, flags);
  if (f.values['help']) {
    process.stdout.write(formatHelp(usage, summary, flags));
    return 0;
  }
  const kubeconfig = stringFlag(f, 'kubeconfig', true) as string;
  const listen = ((f.values['listen'] as string[] | undefined) ?? ['0.0.0.0:53']).map(parseListen);
  const explicit = (f.values['upstream'] as string[] | undefined) ?? [];
  const upstreams = explicit.length > 0 ? explicit.map(parseUpstream) : nodeUpstreams(stringFlag(f, 'resolv-conf') ?? '/etc/resolv.conf');
  const ttl = intFlag(f, 'ttl') ?? 30;
  if (ttl < 0 || ttl > 3600) throw new UsageError('flag --ttl must be between 0 and 3600');
  const metricsPort = intFlag(f, 'metrics-port') ?? 9153;
  if (metricsPort < 0 || metricsPort > 65535) throw new UsageError('flag --metrics-port must be between 0 and 65535');
  const log = createLogger({ component: 'dns' });
  const signal = shutdownSignal();
  const rest = new RestClient(await configFromKubeconfig(kubeconfig, { userAgent: 'coredns/1.11.1 (linux/amd64) nanokube' }));
  const registry = metricsPort > 0 ? createMetricsRegistry() : undefined;
  const metrics = registry ? new DnsMetrics(registry) : undefined;
  const dns = await createClusterDns({ rest, log, listen, upstreams, domain: stringFlag(f, 'domain') ?? 'cluster.local', ttl, ...(metrics ? { metrics } : {}) }, signal);
  const metricsServer = registry ? await startMetricsServer({ registry, host: stringFlag(f, 'metrics-address') ?? '0.0.0.0', port: metricsPort, log }) : undefined;
  log.info({ listen: dns.server.addresses(), upstreams, metricsPort }, 'Serving cluster DNS');
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  metricsServer?.close();
  await dns.close();
  await rest.close();
  return 0;
}

/** dnsVerb is `nanokube dns`. */
export const dnsVerb: Verb = { name: 'dns', summary, usage, flags, run };
