/**
 * The jumps from the built-in chains into the proxier's chains (upstream's iptablesJumpChains), and
 * `--cleanup`, which removes them and every chain the proxier owns.
 */
import {
  isServiceChain,
  kubeExternalServicesChain,
  kubeForwardChain,
  kubeNodePortsChain,
  kubePostroutingChain,
  kubeProxyCanaryChain,
  kubeProxyFirewallChain,
  kubeServicesChain,
  ownedChains,
} from './chain-names.js';
import type { Iptables, Table } from './iptables.js';
import { parseSavedChains } from './restore.js';

/** One jump rule from a built-in chain. */
export interface JumpChain {
  table: Table;
  from: string;
  to: string;
  comment: string;
  extra: string[];
}

const newOnly = ['-m', 'conntrack', '--ctstate', 'NEW'];

/** The jump rules, in the order upstream ensures them (each is inserted at the top of its chain). */
export const jumpChains: readonly JumpChain[] = [
  { table: 'filter', from: 'INPUT', to: kubeExternalServicesChain, comment: 'kubernetes externally-visible service portals', extra: newOnly },
  { table: 'filter', from: 'FORWARD', to: kubeExternalServicesChain, comment: 'kubernetes externally-visible service portals', extra: newOnly },
  { table: 'filter', from: 'INPUT', to: kubeNodePortsChain, comment: 'kubernetes health check service ports', extra: [] },
  { table: 'filter', from: 'FORWARD', to: kubeServicesChain, comment: 'kubernetes service portals', extra: newOnly },
  { table: 'filter', from: 'OUTPUT', to: kubeServicesChain, comment: 'kubernetes service portals', extra: newOnly },
  { table: 'filter', from: 'FORWARD', to: kubeForwardChain, comment: 'kubernetes forwarding rules', extra: [] },
  { table: 'filter', from: 'INPUT', to: kubeProxyFirewallChain, comment: 'kubernetes load balancer firewall', extra: newOnly },
  { table: 'filter', from: 'OUTPUT', to: kubeProxyFirewallChain, comment: 'kubernetes load balancer firewall', extra: newOnly },
  { table: 'filter', from: 'FORWARD', to: kubeProxyFirewallChain, comment: 'kubernetes load balancer firewall', extra: newOnly },
  { table: 'nat', from: 'OUTPUT', to: kubeServicesChain, comment: 'kubernetes service portals', extra: [] },
  { table: 'nat', from: 'PREROUTING', to: kubeServicesChain, comment: 'kubernetes service portals', extra: [] },
  { table: 'nat', from: 'POSTROUTING', to: kubePostroutingChain, comment: 'kubernetes postrouting rules', extra: [] },
];

function jumpArgs(j: JumpChain): string[] {
  return [...j.extra, '-m', 'comment', '--comment', j.comment, '-j', j.to];
}

/** The tables holding the canary chain whose disappearance means someone flushed our rules. */
export const canaryTables: readonly Table[] = ['mangle', 'nat', 'filter'];

/** ensureJumps creates the top-level chains and the jumps into them, idempotently; also the canaries. */
export async function ensureJumps(ipt: Iptables): Promise<void> {
  for (const j of jumpChains) {
    await ipt.ensureChain(j.table, j.to);
    await ipt.ensureRule(j.table, j.from, jumpArgs(j));
  }
  for (const table of canaryTables) await ipt.ensureChain(table, kubeProxyCanaryChain);
}

/** canaryMissing reports whether any canary chain is gone (the tables were flushed behind our back). */
export async function canaryMissing(ipt: Iptables): Promise<boolean> {
  for (const table of canaryTables) if (!(await ipt.chainExists(table, kubeProxyCanaryChain))) return true;
  return false;
}

/**
 * cleanupRules removes every jump, rule and chain the proxier created (`nanokube proxy --cleanup`),
 * leaving other programs' rules alone. Returns the number of chains deleted.
 */
export async function cleanupRules(ipt: Iptables): Promise<number> {
  for (const j of jumpChains) await ipt.deleteRule(j.table, j.from, jumpArgs(j));
  let deleted = 0;
  for (const table of ['filter', 'nat', 'mangle'] as const) {
    const present = parseSavedChains(await ipt.save(table)).get(table) ?? new Set<string>();
    const owned = new Set<string>(ownedChains[table]);
    const ours = [...present].filter((c) => owned.has(c) || isServiceChain(c));
    if (ours.length === 0) continue;
    // Flush all first (declaring flushes), then delete: chains may reference each other.
    const lines = [`*${table}`, ...ours.map((c) => `:${c} - [0:0]`), ...ours.map((c) => `-X ${c}`), 'COMMIT', ''];
    await ipt.restore(lines.join('\n'));
    deleted += ours.length;
  }
  return deleted;
}
