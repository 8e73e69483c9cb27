/**
 * The files a pod's containers share, written once per sandbox into the pod folder and bind-mounted into
 * every container, with upstream's contents: the kubelet-managed `/etc/hosts`, `/etc/resolv.conf` by the
 * pod's dnsPolicy and dnsConfig, and `/etc/hostname`. Pure functions: callers write the text.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

/** The cluster DNS settings of the node (`--cluster-dns`, `--cluster-domain`). */
export interface ClusterDns {
  servers: string[];
  domain: string;
}

/** hostsFile is the kubelet-managed /etc/hosts of a pod with IP `ip` (`ensureHostsFile`). */
export function hostsFile(pod: Pod, ip: string | undefined, hostname: string, clusterDomain: string): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  if (ip) {
    const sub = pod.spec?.subdomain;
    const ns = pod.metadata?.namespace ?? 'default';
    lines.push(sub ? `${ip}\t${hostname}.${sub}.${ns}.svc.${clusterDomain}\t${hostname}` : `${ip}\t${hostname}`);
  }
  const aliases = pod.spec?.hostAliases ?? [];
  if (aliases.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) lines.push(`${a.ip ?? ''}\t${(a.hostnames ?? []).join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Parsed resolv.conf settings. */
export interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: string[];
}

/** parseResolvConf reads nameserver, search/domain and options lines. */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const f = raw.replace(/[#;].*$/, '').trim().split(/\s+/);
    if (f[0] === 'nameserver' && f[1]) out.nameservers.push(f[1]);
    else if (f[0] === 'search' || f[0] === 'domain') out.searches = f.slice(1);
    else if (f[0] === 'options') out.options.push(...f.slice(1));
  }
  return out;
}

/**
 * podDns applies the pod's dnsPolicy as upstream's DNS configurer does: ClusterFirst (not host network) and
 * ClusterFirstWithHostNet use the cluster DNS with `<ns>.svc.<domain> svc.<domain> <domain>` and ndots:5;
 * Default (and ClusterFirst on the host network) the node's resolv.conf; None only dnsConfig. dnsConfig's
 * nameservers, searches and options are merged over the result (options by name).
 */
export function podDns(pod: Pod, cluster: ClusterDns, hostResolv: ResolvConf): ResolvConf {
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  const hostNet = pod.spec?.hostNetwork === true;
  const ns = pod.metadata?.namespace ?? 'default';
  let base: ResolvConf;
  if (policy === 'None') base = { nameservers: [], searches: [], options: [] };
  else if (policy === 'Default' || (policy === 'ClusterFirst' && hostNet) || cluster.servers.length === 0) {
    base = { nameservers: [...hostResolv.nameservers], searches: [...hostResolv.searches], options: [...hostResolv.options] };
  } else {
    const d = cluster.domain;
    base = { nameservers: [...cluster.servers], searches: [`${ns}.svc.${d}`, `svc.${d}`, d, ...hostResolv.searches], options: ['ndots:5'] };
  }
  const cfg = pod.spec?.dnsConfig;
  if (cfg) {
    for (const s of cfg.nameservers ?? []) if (!base.nameservers.includes(s)) base.nameservers.push(s);
    for (const s of cfg.searches ?? []) if (!base.searches.includes(s)) base.searches.push(s);
    for (const o of cfg.options ?? []) {
      const name = o.name ?? '';
      base.options = base.options.filter((x) => x.split(':')[0] !== name);
      base.options.push(o.value !== undefined ? `${name}:${o.value}` : name);
    }
  }
  base.searches = [...new Set(base.searches)].slice(0, 32);
  base.nameservers = base.nameservers.slice(0, 3);
  return base;
}

/** formatResolvConf writes resolv.conf text. */
export function formatResolvConf(c: ResolvConf): string {
  const lines = c.nameservers.map((s) => `nameserver ${s}`);
  if (c.searches.length) lines.push(`search ${c.searches.join(' ')}`);
  if (c.options.length) lines.push(`options ${c.options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}
