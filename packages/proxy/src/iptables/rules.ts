/**
 * The rule generator of the iptables proxier: Services and their endpoints in, the complete set of
 * kube-proxy chains of the filter and nat tables out, in upstream's shapes (KUBE-SERVICES ->
 * KUBE-SVC/KUBE-SVL -> KUBE-SEP, KUBE-NODEPORTS and KUBE-EXT for external traffic, KUBE-FW for
 * loadBalancerSourceRanges, REJECT/DROP in the filter table when there is nothing to reach).
 * Pure: no I/O, deterministic order, so the proxier can diff it chain by chain.
 */
import { categorizeEndpoints, endpointString, type Endpoint } from '../endpoints.js';
import { isExternallyAccessible, usesClusterEndpoints, usesLocalEndpoints, type ServicePort } from '../service-port.js';
import {
  endpointChainName,
  kubeExternalServicesChain,
  kubeForwardChain,
  kubeMarkMasqChain,
  kubeNodePortsChain,
  kubePostroutingChain,
  kubeProxyFirewallChain,
  kubeServicesChain,
  masqueradeMark,
  serviceChainNames,
} from './chain-names.js';
import { cidrContains } from './cidr.js';

/** Rules of one table: chain name -> its rules, each a full `-A CHAIN ...` line, in order. */
export type ChainRules = Map<string, string[]>;

/** The desired content of every chain the proxier owns. */
export interface RuleSet {
  filter: ChainRules;
  nat: ChainRules;
}

/** A service port with the endpoints the proxier knows for it. */
export interface ServiceEndpoints {
  port: ServicePort;
  endpoints: Endpoint[];
}

/** Options of {@link generateRules}. */
export interface RuleOptions {
  /** Addresses NodePorts answer on (default: the node IP); undefined means every local address. */
  nodePortAddresses?: string[];
  /** The node's own IP, used for loadBalancerSourceRanges that include the node. */
  nodeIP?: string;
  /** The pod network; traffic to a ClusterIP from outside it is masqueraded. */
  clusterCIDR?: string;
  /** Masquerade all traffic to ClusterIPs. */
  masqueradeAll?: boolean;
}

/** Above this many endpoint chains, per-endpoint comments are dropped to keep the restore small (upstream's threshold). */
export const endpointChainsCommentThreshold = 1000;

const nodePortsComment = '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"';

/** comment quotes a comment for iptables-restore when it contains a space, as upstream writes it. */
function comment(text: string): string {
  return `-m comment --comment ${text.includes(' ') ? `"${text}"` : text}`;
}

class Tables {
  readonly filter: ChainRules = new Map();
  readonly nat: ChainRules = new Map();

  declare(table: ChainRules, chain: string): void {
    if (!table.has(chain)) table.set(chain, []);
  }

  add(table: ChainRules, chain: string, ...parts: string[]): void {
    let rules = table.get(chain);
    if (!rules) table.set(chain, (rules = []));
    rules.push(`-A ${chain} ${parts.filter((p) => p !== '').join(' ')}`);
  }
}

/** generateRules computes every chain of the filter and nat tables for the given services. */
export function generateRules(services: readonly ServiceEndpoints[], opts: RuleOptions = {}): RuleSet {
  const t = new Tables();
  for (const chain of [kubeNodePortsChain, kubeServicesChain, kubeExternalServicesChain, kubeForwardChain, kubeProxyFirewallChain]) {
    t.declare(t.filter, chain);
  }
  for (const chain of [kubeNodePortsChain, kubeServicesChain, kubeMarkMasqChain, kubePostroutingChain]) t.declare(t.nat, chain);
  writeStaticRules(t);
  const sorted = [...services].sort((a, b) => (a.port.name + a.port.protocol < b.port.name + b.port.protocol ? -1 : 1));
  const endpointChains = sorted.reduce((n, s) => n + s.endpoints.length, 0);
  const withComments = endpointChains <= endpointChainsCommentThreshold;
  for (const s of sorted) writeServicePort(t, s, opts, withComments);
  writeNodePortsJump(t, opts);
  return { filter: t.filter, nat: t.nat };
}

function writeStaticRules(t: Tables): void {
  const mark = `${masqueradeMark}/${masqueradeMark}`;
  t.add(t.nat, kubePostroutingChain, '-m mark !', `--mark ${mark}`, '-j RETURN');
  // Clear the mark so a packet that re-traverses the stack is not masqueraded twice.
  t.add(t.nat, kubePostroutingChain, `-j MARK --xor-mark ${masqueradeMark}`);
  t.add(t.nat, kubePostroutingChain, comment('kubernetes service traffic requiring SNAT'), '-j MASQUERADE --random-fully');
  t.add(t.nat, kubeMarkMasqChain, `-j MARK --or-mark ${masqueradeMark}`);
  t.add(t.filter, kubeForwardChain, '-m conntrack --ctstate INVALID -j DROP');
  t.add(t.filter, kubeForwardChain, comment('kubernetes forwarding rules'), `-m mark --mark ${mark}`, '-j ACCEPT');
  t.add(t.filter, kubeForwardChain, comment('kubernetes forwarding conntrack rule'), '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
}

function writeNodePortsJump(t: Tables, opts: RuleOptions): void {
  if (opts.nodePortAddresses === undefined) {
    // Every local address but loopback: localhost NodePorts would need route_localnet, which we do not set.
    t.add(t.nat, kubeServicesChain, `-m comment --comment ${nodePortsComment}`, '-m addrtype --dst-type LOCAL ! -d 127.0.0.0/8', `-j ${kubeNodePortsChain}`);
    return;
  }
  for (const ip of opts.nodePortAddresses) {
    if (ip.startsWith('127.')) continue;
    t.add(t.nat, kubeServicesChain, `-m comment --comment ${nodePortsComment}`, `-d ${ip}`, `-j ${kubeNodePortsChain}`);
  }
}

/** writeServicePort writes every rule of one service port; the steps follow upstream's syncProxyRules. */
function writeServicePort(t: Tables, s: ServiceEndpoints, opts: RuleOptions, withComments: boolean): void {
  const sp = s.port;
  const name = sp.name;
  const proto = `-m ${sp.protocol} -p ${sp.protocol}`;
  const chains = serviceChainNames(name, sp.protocol);
  const eps = categorizeEndpoints(sp, s.endpoints);
  const usesClusterPolicy = eps.cluster.length > 0 && usesClusterEndpoints(sp);
  const usesLocalPolicy = eps.local.length > 0 && usesLocalEndpoints(sp);
  const internalPolicyChain = sp.internalPolicyLocal ? chains.svl : chains.svc;
  const hasInternal = eps.hasAny && (!sp.internalPolicyLocal || eps.local.length > 0);
  const externalPolicyChain = sp.externalPolicyLocal ? chains.svl : chains.svc;
  const hasExternal = eps.hasAny && (!sp.externalPolicyLocal || eps.local.length > 0);
  // The EXT chain exists even without external endpoints, for the local short-circuit rules.
  const usesExt = eps.hasAny && isExternallyAccessible(sp);
  const usesFw = eps.hasAny && sp.loadBalancerIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
  const lbChain = usesFw ? chains.fw : chains.ext;

  const noEndpoints = comment(`${name} has no endpoints`);
  const noLocal = comment(`${name} has no local endpoints`);
  const internalFilter = !eps.hasAny ? `${noEndpoints} ${proto}` : `${noLocal} ${proto}`;
  const internalTarget = eps.hasAny ? 'DROP' : 'REJECT';
  const externalFilter = internalFilter;
  const externalTarget = internalTarget;

  if (usesExt) t.declare(t.nat, chains.ext);
  if (usesFw) t.declare(t.nat, chains.fw);
  if (usesClusterPolicy) t.declare(t.nat, chains.svc);
  if (usesLocalPolicy) t.declare(t.nat, chains.svl);
  for (const ep of eps.allReachable) t.declare(t.nat, endpointChainName(name, sp.protocol, endpointString(ep)));

  // Capture the ClusterIP.
  const clusterIPMatch = `${comment(`${name} cluster IP`)} ${proto} -d ${sp.clusterIP} --dport ${sp.port}`;
  if (hasInternal) t.add(t.nat, kubeServicesChain, clusterIPMatch, `-j ${internalPolicyChain}`);
  else t.add(t.filter, kubeServicesChain, internalFilter, `-d ${sp.clusterIP} --dport ${sp.port}`, `-j ${internalTarget}`);

  // Capture external IPs.
  for (const ip of sp.externalIPs) {
    if (eps.hasAny) t.add(t.nat, kubeServicesChain, comment(`${name} external IP`), proto, `-d ${ip} --dport ${sp.port}`, `-j ${chains.ext}`);
    if (!hasExternal) t.add(t.filter, kubeExternalServicesChain, externalFilter, `-d ${ip} --dport ${sp.port}`, `-j ${externalTarget}`);
  }

  // Capture load-balancer ingress IPs.
  for (const ip of sp.loadBalancerIPs) {
    if (eps.hasAny) t.add(t.nat, kubeServicesChain, comment(`${name} loadbalancer IP`), proto, `-d ${ip} --dport ${sp.port}`, `-j ${lbChain}`);
    if (usesFw) {
      t.add(t.filter, kubeProxyFirewallChain, comment(`${name} traffic not accepted by ${chains.fw}`), proto, `-d ${ip} --dport ${sp.port}`, '-j DROP');
    }
  }
  if (!hasExternal) {
    for (const ip of sp.loadBalancerIPs) {
      t.add(t.filter, kubeExternalServicesChain, externalFilter, `-d ${ip} --dport ${sp.port}`, `-j ${externalTarget}`);
    }
  }

  // Capture the NodePort.
  if (sp.nodePort !== 0) {
    if (eps.hasAny) t.add(t.nat, kubeNodePortsChain, comment(name), proto, `--dport ${sp.nodePort}`, `-j ${chains.ext}`);
    if (!hasExternal) {
      t.add(t.filter, kubeExternalServicesChain, comment(`${name} has ${eps.hasAny ? 'no local endpoints' : 'no endpoints'}`), '-m addrtype --dst-type LOCAL', proto, `--dport ${sp.nodePort}`, `-j ${externalTarget}`);
    }
  }

  // Masquerade ClusterIP traffic that does not come from a pod (it may leave the node).
  if (hasInternal) {
    if (opts.masqueradeAll) t.add(t.nat, internalPolicyChain, clusterIPMatch, `-j ${kubeMarkMasqChain}`);
    else if (opts.clusterCIDR) t.add(t.nat, internalPolicyChain, clusterIPMatch, `! -s ${opts.clusterCIDR}`, `-j ${kubeMarkMasqChain}`);
  }

  if (usesExt) writeExternalChain(t, sp, chains, { hasExternal, externalPolicyChain, clusterCIDR: opts.clusterCIDR });
  if (usesFw) writeFirewallChain(t, sp, chains, opts.nodeIP);
  if (usesClusterPolicy) writeServiceToEndpointRules(t, sp, chains.svc, eps.cluster, withComments);
  if (usesLocalPolicy) writeServiceToEndpointRules(t, sp, chains.svl, eps.local, withComments);
  for (const ep of eps.allReachable) writeEndpointChain(t, sp, ep, proto, withComments);
}

function writeExternalChain(
  t: Tables,
  sp: ServicePort,
  chains: ReturnType<typeof serviceChainNames>,
  o: { hasExternal: boolean; externalPolicyChain: string; clusterCIDR: string | undefined },
): void {
  const name = sp.name;
  if (!sp.externalPolicyLocal) {
    // Remote endpoints may be chosen: masquerade so replies come back through this node.
    t.add(t.nat, chains.ext, comment(`masquerade traffic for ${name} external destinations`), `-j ${kubeMarkMasqChain}`);
  } else {
    // Pods reaching an external address of the service are not subject to the Local policy.
    if (o.clusterCIDR) t.add(t.nat, chains.ext, comment(`pod traffic for ${name} external destinations`), `-s ${o.clusterCIDR}`, `-j ${chains.svc}`);
    t.add(t.nat, chains.ext, comment(`masquerade LOCAL traffic for ${name} external destinations`), '-m addrtype --src-type LOCAL', `-j ${kubeMarkMasqChain}`);
    t.add(t.nat, chains.ext, comment(`route LOCAL traffic for ${name} external destinations`), '-m addrtype --src-type LOCAL', `-j ${chains.svc}`);
  }
  if (o.hasExternal) t.add(t.nat, chains.ext, `-j ${o.externalPolicyChain}`);
}

function writeFirewallChain(t: Tables, sp: ServicePort, chains: ReturnType<typeof serviceChainNames>, nodeIP: string | undefined): void {
  const c = comment(`${sp.name} loadbalancer IP`);
  let allowFromNode = false;
  for (const src of sp.loadBalancerSourceRanges) {
    t.add(t.nat, chains.fw, c, `-s ${src}`, `-j ${chains.ext}`);
    if (nodeIP && cidrContains(src, nodeIP)) allowFromNode = true;
  }
  // A request from this node to a local LB VIP loops back with the VIP as source.
  if (allowFromNode) for (const ip of sp.loadBalancerIPs) t.add(t.nat, chains.fw, c, `-s ${ip}`, `-j ${chains.ext}`);
  // Whatever falls through is not DNATed and is dropped by the filter table's KUBE-PROXY-FIREWALL.
  t.add(t.nat, chains.fw, comment(`other traffic to ${sp.name} will be dropped by ${kubeProxyFirewallChain}`));
}

function writeServiceToEndpointRules(t: Tables, sp: ServicePort, chain: string, endpoints: readonly Endpoint[], withComments: boolean): void {
  const epComment = (ep: Endpoint): string => (withComments ? comment(`${sp.name} -> ${endpointString(ep)}`) : '');
  if (sp.affinityTimeoutSeconds !== undefined) {
    for (const ep of endpoints) {
      const sep = endpointChainName(sp.name, sp.protocol, endpointString(ep));
      t.add(t.nat, chain, epComment(ep), `-m recent --name ${sep} --rcheck --seconds ${sp.affinityTimeoutSeconds} --reap`, `-j ${sep}`);
    }
  }
  endpoints.forEach((ep, i) => {
    const sep = endpointChainName(sp.name, sp.protocol, endpointString(ep));
    const remaining = endpoints.length - i;
    // 1/n, 1/(n-1), ..., and the last rule always matches: a uniform choice overall.
    const statistic = remaining > 1 ? `-m statistic --mode random --probability ${(1 / remaining).toFixed(10)}` : '';
    t.add(t.nat, chain, epComment(ep), statistic, `-j ${sep}`);
  });
}

function writeEndpointChain(t: Tables, sp: ServicePort, ep: Endpoint, proto: string, withComments: boolean): void {
  const sep = endpointChainName(sp.name, sp.protocol, endpointString(ep));
  const c = withComments ? comment(sp.name) : '';
  // Hairpin: a pod reaching itself through the service must see the node as the source.
  t.add(t.nat, sep, c, `-s ${ep.ip}`, `-j ${kubeMarkMasqChain}`);
  const affinity = sp.affinityTimeoutSeconds !== undefined ? `-m recent --name ${sep} --set` : '';
  t.add(t.nat, sep, c, affinity, proto, `-j DNAT --to-destination ${endpointString(ep)}`);
}
