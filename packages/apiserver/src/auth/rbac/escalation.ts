/**
 * Privilege-escalation prevention, as upstream's registry/rbac/validation: a user may create or
 * change a Role/ClusterRole only with rules they already hold (unless they may `escalate`), and may
 * bind a role only when they hold its rules (unless they may `bind` it).
 */
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { all } from './rules.js';

/** breakdownRule splits a rule into atoms of one verb, group, resource and name (or URL). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of rule.verbs) {
    for (const group of rule.apiGroups ?? []) {
      for (const resource of rule.resources ?? []) {
        const names = rule.resourceNames ?? [];
        if (names.length === 0) out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
        for (const n of names) out.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [n] });
      }
    }
    for (const url of rule.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
  }
  return out;
}

function hasAll(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  const o = owner ?? [];
  if (o.includes(all)) return true;
  return (wanted ?? []).every((w) => o.includes(w));
}

function urlsCovered(owner: readonly string[], wanted: readonly string[]): boolean {
  return wanted.every((w) => owner.some((o) => o === all || o === w || (o.endsWith('*') && w.startsWith(o.slice(0, -1)))));
}

function resourcesCovered(owner: readonly string[], wanted: readonly string[]): boolean {
  if (owner.includes(all)) return true;
  return wanted.every((w) => {
    if (owner.includes(w)) return true;
    const slash = w.indexOf('/');
    if (slash < 0) return false;
    return owner.includes(`${w.slice(0, slash)}/*`) || owner.includes(`*/${w.slice(slash + 1)}`);
  });
}

/** ruleCovers reports whether owner grants everything the (atomic) rule asks for. */
export function ruleCovers(owner: PolicyRule, rule: PolicyRule): boolean {
  if (!hasAll(owner.verbs, rule.verbs)) return false;
  if ((rule.nonResourceURLs ?? []).length > 0 && !urlsCovered(owner.nonResourceURLs ?? [], rule.nonResourceURLs ?? [])) return false;
  if (!hasAll(owner.apiGroups, rule.apiGroups)) return false;
  if (!resourcesCovered(owner.resources ?? [], rule.resources ?? [])) return false;
  const ownerNames = owner.resourceNames ?? [];
  if (ownerNames.length === 0) return true;
  const names = rule.resourceNames ?? [];
  return names.length > 0 && names.every((n) => ownerNames.includes(n));
}

/** uncoveredRules returns the atoms of `requested` that no owner rule covers (empty: no escalation). */
export function uncoveredRules(owner: readonly PolicyRule[], requested: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of requested) {
    for (const atom of breakdownRule(rule)) {
      if (!owner.some((o) => ruleCovers(o, atom))) missing.push(atom);
    }
  }
  return missing;
}

/** formatRule renders a rule as upstream's escalation message does: `{APIGroups:["apps"], Resources:["pods"], Verbs:["get"]}`. */
export function formatRule(r: PolicyRule): string {
  const q = (xs: readonly string[]): string => `[${xs.map((x) => JSON.stringify(x)).join(' ')}]`;
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}
