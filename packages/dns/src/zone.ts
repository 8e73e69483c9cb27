/**
 * ClusterZone answers names of the cluster domain the way CoreDNS's kubernetes plugin does:
 * `<svc>.<ns>.svc.<zone>` (ClusterIP, or every ready endpoint of a headless Service, a CNAME for an
 * ExternalName one), `<endpoint>.<svc>.<ns>.svc.<zone>` (hostname or dashed IP),
 * `_<port>._<proto>.<svc>.<ns>.svc.<zone>` SRV, `a-b-c-d.<ns>.pod.<zone>` (pods insecure), PTR for
 * Service and endpoint IPs. A name with no records is NXDOMAIN, a name with records of other types is
 * NODATA; both carry the zone's SOA in the authority section.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { Answer, SrvAnswer } from 'dns-packet';
import type { ClusterRecords } from './records.js';

/** The outcome of a lookup in the zone. */
export interface ZoneAnswer {
  rcode: 'NOERROR' | 'NXDOMAIN';
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

/** Options of {@link ClusterZone}. */
export interface ZoneOptions {
  /** The cluster domain, default `cluster.local`. */
  domain?: string;
  /** TTL of every record, default 30 (kubeadm's Corefile sets `ttl 30`; the plugin's own default is 5). */
  ttl?: number;
}

/** One synthesized record before it is typed for the wire: name, type and data. */
interface Rec {
  name: string;
  type: 'A' | 'CNAME' | 'SRV' | 'PTR' | 'TXT' | 'NS' | 'SOA';
  data: unknown;
}

const dashedIPv4 = /^(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})$/;

function toDashed(ip: string): string {
  return ip.replaceAll('.', '-');
}

function fromDashed(label: string): string | undefined {
  const m = dashedIPv4.exec(label);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) return undefined;
  return m.slice(1).join('.');
}

/** ClusterZone answers queries inside the cluster domain and reverse zones; see the module comment. */
export class ClusterZone {
  readonly domain: string;
  readonly ttl: number;

  constructor(
    private readonly records: ClusterRecords,
    opts: ZoneOptions = {},
  ) {
    this.domain = (opts.domain ?? 'cluster.local').toLowerCase().replace(/\.$/, '');
    this.ttl = opts.ttl ?? 30;
  }

  /** inZone reports whether the zone is authoritative for a name (the cluster domain, not reverse zones). */
  inZone(name: string): boolean {
    const n = name.toLowerCase().replace(/\.$/, '');
    return n === this.domain || n.endsWith(`.${this.domain}`);
  }

  /**
   * lookup answers a question; undefined means "not ours" (the server forwards it). Reverse lookups of
   * addresses the cluster does not know are not ours either, as with CoreDNS's `fallthrough`.
   */
  lookup(qname: string, qtype: string): ZoneAnswer | undefined {
    const name = qname.toLowerCase().replace(/\.$/, '');
    if (name.endsWith('.in-addr.arpa')) return this.reverse(name, qtype);
    if (!this.inZone(name)) return undefined;
    const rel = name === this.domain ? [] : name.slice(0, -(this.domain.length + 1)).split('.');
    const recs = this.records_(rel, name);
    if (recs === undefined) return this.negative('NXDOMAIN');
    return this.answer(recs, qtype);
  }

  /** soa is the zone's SOA record, as CoreDNS builds it. */
  soa(): Answer {
    return {
      name: this.domain,
      type: 'SOA',
      ttl: this.ttl,
      class: 'IN',
      data: {
        mname: `ns.dns.${this.domain}`,
        rname: `hostmaster.${this.domain}`,
        serial: this.records.serial() >>> 0,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: this.ttl,
      },
    } as Answer;
  }

  /** records_ returns every record of a name (any type), or undefined when the name does not exist. */
  private records_(rel: string[], name: string): Rec[] | undefined {
    if (rel.length === 0) {
      return [
        { name, type: 'SOA', data: undefined },
        { name, type: 'NS', data: `ns.dns.${this.domain}` },
      ];
    }
    if (rel.length === 1 && rel[0] === 'dns-version') return [{ name, type: 'TXT', data: ['1.1.0'] }];
    if (rel.length === 2 && rel[0] === 'ns' && rel[1] === 'dns') {
      const ip = this.kubeDnsIP();
      return ip ? [{ name, type: 'A', data: ip }] : undefined;
    }
    const kind = rel[rel.length - 1];
    const labels = rel.slice(0, -1);
    if (kind === 'svc') return this.serviceRecords(labels, name);
    if (kind === 'pod') return this.podRecords(labels, name);
    return undefined;
  }

  private serviceRecords(labels: string[], name: string): Rec[] | undefined {
    if (labels.length === 0) return [];
    if (labels.length === 1) return this.records.namespaceExists(labels[0] as string) ? [] : undefined;
    const [ns, svcName] = [labels[labels.length - 1] as string, labels[labels.length - 2] as string];
    const svc = this.records.service(ns, svcName);
    if (!svc) return undefined;
    const base = `${svcName}.${ns}.svc.${this.domain}`;
    if (labels.length === 2) {
      // A headless Service without ready endpoints has no records at all: NXDOMAIN, as CoreDNS answers.
      const recs = this.serviceNameRecords(svc, base, name, undefined);
      return recs.length > 0 ? recs : undefined;
    }
    if (labels.length === 3) return this.endpointNameRecords(svc, labels[0] as string, name);
    if (labels.length === 4) {
      const [port, proto] = labels as [string, string];
      if (!port.startsWith('_') || !proto.startsWith('_')) return undefined;
      const recs = this.serviceNameRecords(svc, base, name, { port: port.slice(1), proto: proto.slice(1) }).filter((r) => r.type === 'SRV');
      return recs.length > 0 ? recs : undefined;
    }
    return undefined;
  }

  /** serviceNameRecords: A/CNAME for the Service name and SRV for its (matching) ports. */
  private serviceNameRecords(svc: Service, base: string, name: string, portFilter: { port: string; proto: string } | undefined): Rec[] {
    const spec = svc.spec ?? {};
    if (spec.type === 'ExternalName') return spec.externalName ? [{ name, type: 'CNAME', data: spec.externalName.replace(/\.$/, '') }] : [];
    const matches = (p: { name?: string; protocol?: string }): boolean =>
      !portFilter || ((p.name ?? '').toLowerCase() === portFilter.port && (p.protocol ?? 'TCP').toLowerCase() === portFilter.proto);
    if (spec.clusterIP && spec.clusterIP !== 'None') {
      const ports = (spec.ports ?? []).filter(matches);
      const recs: Rec[] = [{ name, type: 'A', data: spec.clusterIP }];
      for (const p of ports) recs.push({ name, type: 'SRV', data: { priority: 0, weight: 0, port: p.port, target: base, targetIP: spec.clusterIP } });
      return setWeights(recs);
    }
    const recs: Rec[] = [];
    const seenA = new Set<string>();
    for (const ep of this.readyEndpoints(svc)) {
      if (!seenA.has(ep.ip)) recs.push({ name, type: 'A', data: ep.ip });
      seenA.add(ep.ip);
      for (const p of ep.slice.ports ?? []) {
        if (!p.port || !matches(p)) continue;
        recs.push({ name, type: 'SRV', data: { priority: 0, weight: 0, port: p.port, target: `${ep.hostname ?? toDashed(ep.ip)}.${base}`, targetIP: ep.ip } });
      }
    }
    return setWeights(recs);
  }

  /** endpointNameRecords: A records of the endpoints whose hostname (or dashed IP) is label. */
  private endpointNameRecords(svc: Service, label: string, name: string): Rec[] | undefined {
    const recs = this.readyEndpoints(svc)
      .filter((ep) => ep.hostname === label || toDashed(ep.ip) === label)
      .map((ep): Rec => ({ name, type: 'A', data: ep.ip }));
    return recs.length > 0 ? dedupe(recs) : undefined;
  }

  private podRecords(labels: string[], name: string): Rec[] | undefined {
    if (labels.length === 1) return this.records.namespaceExists(labels[0] as string) ? [] : undefined;
    if (labels.length !== 2) return undefined;
    const ip = fromDashed(labels[0] as string);
    return ip ? [{ name, type: 'A', data: ip }] : undefined;
  }

  /** readyEndpoints lists the endpoint addresses DNS publishes: ready ones, or all with publishNotReadyAddresses. */
  private readyEndpoints(svc: Service): { ip: string; hostname?: string; slice: EndpointSlice }[] {
    const all = svc.spec?.publishNotReadyAddresses === true;
    const out: { ip: string; hostname?: string; slice: EndpointSlice }[] = [];
    for (const slice of this.records.endpointSlices(svc.metadata?.namespace ?? '', svc.metadata?.name ?? '')) {
      if (slice.addressType !== 'IPv4') continue;
      for (const e of slice.endpoints ?? []) {
        if (!all && e.conditions?.ready === false) continue;
        for (const ip of e.addresses) out.push({ ip, ...(e.hostname ? { hostname: e.hostname } : {}), slice });
      }
    }
    return out;
  }

  private kubeDnsIP(): string | undefined {
    const ip = this.records.service('kube-system', 'kube-dns')?.spec?.clusterIP;
    return ip && ip !== 'None' ? ip : undefined;
  }

  private reverse(name: string, qtype: string): ZoneAnswer | undefined {
    const octets = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (octets.length !== 4) return undefined;
    const ip = octets.reverse().join('.');
    const targets = new Set<string>();
    for (const svc of this.records.servicesByClusterIP(ip)) targets.add(`${svc.metadata?.name}.${svc.metadata?.namespace}.svc.${this.domain}`);
    for (const slice of this.records.allEndpointSlices()) {
      const svcName = slice.metadata?.labels?.['kubernetes.io/service-name'];
      if (!svcName) continue;
      for (const e of slice.endpoints ?? []) {
        if (e.addresses.includes(ip)) targets.add(`${e.hostname ?? toDashed(ip)}.${svcName}.${slice.metadata?.namespace}.svc.${this.domain}`);
      }
    }
    if (targets.size === 0) return undefined;
    return this.answer([...targets].map((t) => ({ name, type: 'PTR', data: t })), qtype);
  }

  private answer(recs: Rec[], qtype: string): ZoneAnswer {
    const cname = recs.find((r) => r.type === 'CNAME');
    const chosen = cname && qtype !== 'CNAME' ? [cname] : recs.filter((r) => r.type === qtype || (qtype === 'ANY' && r.type !== 'SOA'));
    if (chosen.length === 0) return this.negative('NOERROR');
    const answers: Answer[] = [];
    const additionals: Answer[] = [];
    for (const r of chosen) {
      if (r.type === 'SOA') {
        answers.push(this.soa());
        continue;
      }
      if (r.type === 'SRV') {
        const d = r.data as { priority: number; weight: number; port: number; target: string; targetIP: string };
        answers.push({ name: r.name, type: 'SRV', ttl: this.ttl, class: 'IN', data: { priority: d.priority, weight: d.weight, port: d.port, target: d.target } } as SrvAnswer);
        if (!additionals.some((a) => a.name === d.target)) additionals.push({ name: d.target, type: 'A', ttl: this.ttl, class: 'IN', data: d.targetIP } as Answer);
        continue;
      }
      answers.push({ name: r.name, type: r.type, ttl: this.ttl, class: 'IN', data: r.data } as Answer);
    }
    return { rcode: 'NOERROR', answers, authorities: [], additionals };
  }

  private negative(rcode: 'NOERROR' | 'NXDOMAIN'): ZoneAnswer {
    return { rcode, answers: [], authorities: [this.soa()], additionals: [] };
  }
}

/** setWeights gives SRV records CoreDNS's weights: 100 split evenly among records of equal priority. */
function setWeights(recs: Rec[]): Rec[] {
  const srv = recs.filter((r) => r.type === 'SRV');
  const weight = srv.length > 0 ? Math.floor(100 / srv.length) : 0;
  for (const r of srv) (r.data as { weight: number }).weight = weight;
  return recs;
}

function dedupe(recs: Rec[]): Rec[] {
  const seen = new Set<string>();
  return recs.filter((r) => {
    const key = `${r.type}/${String(r.data)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
