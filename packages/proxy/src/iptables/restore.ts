/**
 * Rendering of iptables-restore input. The proxier restores with `--noflush`: only the chains named in
 * the input are flushed and rewritten, atomically, so rules of other programs stay untouched. A chain
 * whose rules did not change since the last successful restore is left out (a partial sync); stale
 * per-service chains are declared (which flushes them) and deleted with `-X`.
 */
import { isServiceChain } from './chain-names.js';
import type { ChainRules, RuleSet } from './rules.js';

/** Chains present in the kernel, by table, as read with iptables-save. */
export interface ExistingChains {
  filter: Set<string>;
  nat: Set<string>;
}

/** Options of {@link buildRestore}. */
export interface RestoreOptions {
  /** The rule set of the last successful restore; chains it has unchanged are skipped. Absent: write every chain. */
  previous?: RuleSet;
  /** Chains found in the kernel; stale service chains among them are deleted. */
  existing?: ExistingChains;
}

/** What {@link buildRestore} produced. */
export interface RestoreInput {
  /** iptables-restore input; empty when nothing needs to change. */
  text: string;
  /** Number of chains written (flushed and refilled). */
  written: number;
  /** Number of chains deleted. */
  deleted: number;
}

function sameRules(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return !!a && a.length === b.length && a.every((line, i) => line === b[i]);
}

function renderTable(table: string, desired: ChainRules, previous: ChainRules | undefined, existing: Set<string> | undefined): RestoreInput {
  const write = [...desired.keys()].filter((chain) => !previous || !sameRules(previous.get(chain), desired.get(chain) ?? []));
  const stale = new Set<string>();
  for (const chain of previous?.keys() ?? []) if (!desired.has(chain) && isServiceChain(chain)) stale.add(chain);
  for (const chain of existing ?? []) if (!desired.has(chain) && isServiceChain(chain)) stale.add(chain);
  if (write.length === 0 && stale.size === 0) return { text: '', written: 0, deleted: 0 };
  const lines = [`*${table}`];
  for (const chain of [...write, ...stale]) lines.push(`:${chain} - [0:0]`);
  for (const chain of write) lines.push(...(desired.get(chain) ?? []));
  for (const chain of stale) lines.push(`-X ${chain}`);
  lines.push('COMMIT');
  return { text: lines.join('\n') + '\n', written: write.length, deleted: stale.size };
}

/** buildRestore renders the iptables-restore input that turns the kernel's chains into desired. */
export function buildRestore(desired: RuleSet, opts: RestoreOptions = {}): RestoreInput {
  const filter = renderTable('filter', desired.filter, opts.previous?.filter, opts.existing?.filter);
  const nat = renderTable('nat', desired.nat, opts.previous?.nat, opts.existing?.nat);
  return { text: filter.text + nat.text, written: filter.written + nat.written, deleted: filter.deleted + nat.deleted };
}

/** parseSavedChains lists the chains of each table in iptables-save output. */
export function parseSavedChains(save: string): Map<string, Set<string>> {
  const tables = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  for (const line of save.split('\n')) {
    if (line.startsWith('*')) {
      current = new Set();
      tables.set(line.slice(1).trim(), current);
    } else if (line.startsWith(':') && current) {
      const name = line.slice(1).split(' ')[0];
      if (name) current.add(name);
    }
  }
  return tables;
}
