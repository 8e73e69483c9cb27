/** Reading the node's resolvers for forwarding, as CoreDNS's `forward . /etc/resolv.conf` does. */
import { existsSync, readFileSync } from 'node:fs';

/** An upstream DNS server. */
export interface Upstream {
  host: string;
  port: number;
}

/** parseUpstream parses `IP`, `IP:PORT` or `[IPv6]:PORT`; the port defaults to 53. */
export function parseUpstream(text: string): Upstream {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) return { host: bracket[1] as string, port: bracket[2] ? Number(bracket[2]) : 53 };
  const parts = text.split(':');
  if (parts.length === 2) return { host: parts[0] as string, port: Number(parts[1]) };
  return { host: text, port: 53 };
}

/** parseResolvConf returns the nameservers of a resolv.conf text. */
export function parseResolvConf(text: string): Upstream[] {
  const out: Upstream[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m) out.push({ host: m[1] as string, port: 53 });
  }
  return out;
}

/**
 * nodeUpstreams reads the node's resolvers from path. When it names only systemd-resolved's stub
 * (127.0.0.53), the real servers behind it are read instead, as kubelet's --resolv-conf advice goes.
 */
export function nodeUpstreams(path = '/etc/resolv.conf'): Upstream[] {
  if (!existsSync(path)) return [];
  const servers = parseResolvConf(readFileSync(path, 'utf8'));
  const resolved = '/run/systemd/resolve/resolv.conf';
  if (servers.length > 0 && servers.every((s) => s.host === '127.0.0.53') && existsSync(resolved)) {
    return parseResolvConf(readFileSync(resolved, 'utf8'));
  }
  return servers;
}
