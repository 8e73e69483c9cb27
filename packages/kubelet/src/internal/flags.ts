/** Parsers for the kubelet's list-valued flags, with upstream's syntax. */
import type { Taint } from 'kubernetes-types/core/v1.js';
import { UsageError } from '@nanokube/component-base';

/** parseLabels reads `k=v,k2=v2` (a value may be empty: `node-role.kubernetes.io/control-plane=`). */
export function parseLabels(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (s ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid label "${part}": expected key=value`);
    out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

const effects = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

/** parseTaints reads `key=value:Effect,key:Effect`. */
export function parseTaints(s: string | undefined): Taint[] {
  const out: Taint[] = [];
  for (const part of (s ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const colon = part.lastIndexOf(':');
    const effect = colon > 0 ? part.slice(colon + 1) : '';
    if (!effects.has(effect)) throw new UsageError(`invalid taint spec "${part}": expected key[=value]:NoSchedule|PreferNoSchedule|NoExecute`);
    const kv = part.slice(0, colon);
    const eq = kv.indexOf('=');
    const key = eq < 0 ? kv : kv.slice(0, eq);
    const value = eq < 0 ? undefined : kv.slice(eq + 1);
    out.push({ key, ...(value ? { value } : {}), effect });
  }
  return out;
}
