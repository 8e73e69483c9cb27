/**
 * The node side of layer2 announcements: `/32` addresses on the announce interface (iproute2) and
 * gratuitous ARP (iputils `arping`). Every address the proxy adds carries the label `IFACE:nklb`, so a
 * restarted proxy or `--cleanup` finds them again without any state file.
 */
import { execFile } from 'node:child_process';

/** The label suffix of the addresses the proxy adds. */
export const addressLabelSuffix = ':nklb';

/** addressLabel returns `IFACE:nklb`, or undefined when it would not fit the kernel's 15 characters. */
export function addressLabel(iface: string): string | undefined {
  const label = `${iface}${addressLabelSuffix}`;
  return label.length <= 15 ? label : undefined;
}

/** One IPv4 address of an interface, as `ip -j addr` reports it. */
export interface InterfaceAddress {
  iface: string;
  ip: string;
  prefixLength: number;
  label: string;
}

/** Addresses manages the announce addresses of one node; ExecAddresses is the real one, tests use fakes. */
export interface Addresses {
  /** list returns the IPv4 addresses of every interface. */
  list(): Promise<InterfaceAddress[]>;
  /** add adds ip/32 to iface (with our label when it fits); an address already present is not an error. */
  add(iface: string, ip: string): Promise<void>;
  /** remove deletes ip/32 from iface; an address already gone is not an error. */
  remove(iface: string, ip: string): Promise<void>;
  /** announce sends gratuitous ARP for ip out of iface, so neighbours update their caches. */
  announce(iface: string, ip: string): Promise<void>;
}

interface IpJsonLink {
  ifname?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number; label?: string }[];
}

/** parseAddrJson turns `ip -j -4 addr show` output into addresses. */
export function parseAddrJson(text: string): InterfaceAddress[] {
  const links = JSON.parse(text || '[]') as IpJsonLink[];
  const out: InterfaceAddress[] = [];
  for (const link of links) {
    for (const a of link.addr_info ?? []) {
      if (a.family !== 'inet' || !a.local || !link.ifname) continue;
      out.push({ iface: link.ifname, ip: a.local, prefixLength: a.prefixlen ?? 32, label: a.label ?? link.ifname });
    }
  }
  return out;
}

/** ExecAddresses runs iproute2 and arping, optionally behind a prefix such as `ip netns exec NS` (tests). */
export class ExecAddresses implements Addresses {
  constructor(
    private readonly prefix: string[] = [],
    private readonly timeoutMs = 10_000,
  ) {}

  async list(): Promise<InterfaceAddress[]> {
    return parseAddrJson(await this.exec(['ip', '-j', '-4', 'addr', 'show']));
  }

  async add(iface: string, ip: string): Promise<void> {
    const label = addressLabel(iface);
    try {
      await this.exec(['ip', 'addr', 'add', `${ip}/32`, 'dev', iface, ...(label ? ['label', label] : [])]);
    } catch (err) {
      if (!/File exists/i.test(String((err as Error).message))) throw err;
    }
  }

  async remove(iface: string, ip: string): Promise<void> {
    try {
      await this.exec(['ip', 'addr', 'del', `${ip}/32`, 'dev', iface]);
    } catch (err) {
      if (!/Cannot assign requested address|Cannot find device/i.test(String((err as Error).message))) throw err;
    }
  }

  async announce(iface: string, ip: string): Promise<void> {
    // -U: unsolicited ARP (a request with sender = target = ip); -c 2 with the default 1 s interval.
    await this.exec(['arping', '-U', '-c', '2', '-w', '3', '-I', iface, ip]);
  }

  private exec(args: string[]): Promise<string> {
    const full = [...this.prefix, ...args];
    return new Promise((resolve, reject) => {
      execFile(full[0] as string, full.slice(1), { timeout: this.timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${args.join(' ')}: ${(stderr || err.message).trim()}`));
        else resolve(stdout);
      });
    });
  }
}

/** interfaceOf returns the interface holding ip (e.g. the node IP), or undefined. */
export async function interfaceOf(addresses: Addresses, ip: string): Promise<string | undefined> {
  return (await addresses.list()).find((a) => a.ip === ip)?.iface;
}
