/**
 * A host-local, file-backed IP allocator, modelled on the CNI `host-local` IPAM plugin: one folder per
 * pod CIDR, one file per allocated address (named by the address, holding the owner's id), and a
 * `last_reserved_ip` file so addresses are handed out round-robin rather than reused at once.
 *
 * Guarantees:
 * - An address is never given to two owners: files are created with O_EXCL, which is atomic even
 *   between processes (a kubelet restarted while another instance still runs).
 * - Allocation is idempotent per owner: asking again returns the owner's existing address.
 * - Nothing leaks across restarts: allocations live on disk, and {@link HostLocalIpam.releaseExcept}
 *   frees every address whose owner is gone (the kubelet calls it with the pods it still runs).
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cidrContains, cidrSize, formatCidr, formatIPv4, gatewayOf, parseCidr, parseIPv4, type Cidr } from './cidr.js';
import { NetworkError } from './errors.js';

/** Options of {@link HostLocalIpam}. */
export interface HostLocalIpamOptions {
  /** Folder holding the allocator state; one sub-folder per subnet is created inside it. */
  dir: string;
  /** The node's pod CIDR, e.g. `10.244.1.0/24`. */
  subnet: string;
}

/** One allocated address and who holds it. */
export interface Allocation {
  ip: string;
  owner: string;
}

const lastReservedFile = 'last_reserved_ip';

/**
 * HostLocalIpam hands out addresses of one pod CIDR. The network and broadcast addresses and the
 * gateway (the first address, held by the node bridge) are never handed out.
 */
export class HostLocalIpam {
  readonly subnet: Cidr;
  private readonly dir: string;
  // Calls are serialised so that one owner asking twice at once still gets one address.
  private tail: Promise<unknown> = Promise.resolve();

  constructor(opts: HostLocalIpamOptions) {
    this.subnet = parseCidr(opts.subnet);
    this.dir = join(opts.dir, formatCidr(this.subnet).replace('/', '_'));
  }

  /** allocate returns the owner's address, reserving the next free one when it has none. */
  allocate(owner: string): Promise<string> {
    return this.serialise(() => this.allocateNow(owner));
  }

  /** release frees every address the owner holds and returns them (empty when it held none). */
  release(owner: string): Promise<string[]> {
    return this.serialise(async () => {
      const mine = (await this.list()).filter((a) => a.owner === owner);
      await Promise.all(mine.map((a) => rm(join(this.dir, a.ip), { force: true })));
      return mine.map((a) => a.ip);
    });
  }

  /** releaseExcept frees every address whose owner is not in `live` and returns what it freed. */
  releaseExcept(live: ReadonlySet<string>): Promise<Allocation[]> {
    return this.serialise(async () => {
      const stale = (await this.list()).filter((a) => !live.has(a.owner));
      await Promise.all(stale.map((a) => rm(join(this.dir, a.ip), { force: true })));
      return stale;
    });
  }

  private async allocateNow(owner: string): Promise<string> {
    const existing = (await this.list()).find((a) => a.owner === owner);
    if (existing) return existing.ip;
    await mkdir(this.dir, { recursive: true });
    const [first, last] = this.range();
    const count = last - first + 1;
    const previous = await this.lastReserved();
    const start = previous !== undefined && previous >= first && previous < last ? previous + 1 : first;
    for (let i = 0; i < count; i++) {
      const ip = formatIPv4(first + ((start - first + i) % count));
      try {
        await writeFile(join(this.dir, ip), owner, { flag: 'wx', mode: 0o644 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw err;
      }
      await writeFile(join(this.dir, lastReservedFile), ip);
      return ip;
    }
    throw new NetworkError('MK_ERR_NET_RANGE_EXHAUSTED', `no free address left in pod CIDR ${formatCidr(this.subnet)}`);
  }

  /** list returns every allocation, in address order. */
  async list(): Promise<Allocation[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const ips = names.filter((n) => isAddressIn(this.subnet, n)).sort((a, b) => parseIPv4(a) - parseIPv4(b));
    const owners = await Promise.all(ips.map((ip) => readFile(join(this.dir, ip), 'utf8').catch(() => undefined)));
    const out: Allocation[] = [];
    ips.forEach((ip, i) => {
      const owner = owners[i];
      if (owner !== undefined) out.push({ ip, owner: owner.trim() });
    });
    return out;
  }

  private serialise<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** range is the first and last assignable address: after the gateway, before the broadcast address. */
  private range(): [number, number] {
    const first = gatewayOf(this.subnet) + 1;
    const last = this.subnet.network + cidrSize(this.subnet) - 2;
    if (last < first) {
      throw new NetworkError('MK_ERR_NET_RANGE_EXHAUSTED', `pod CIDR ${formatCidr(this.subnet)} is too small for pods`);
    }
    return [first, last];
  }

  private async lastReserved(): Promise<number | undefined> {
    try {
      const text = (await readFile(join(this.dir, lastReservedFile), 'utf8')).trim();
      return isAddressIn(this.subnet, text) ? parseIPv4(text) : undefined;
    } catch {
      return undefined;
    }
  }
}

function isAddressIn(subnet: Cidr, text: string): boolean {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(text)) return false;
  try {
    return cidrContains(subnet, parseIPv4(text));
  } catch {
    return false;
  }
}
