/**
 * RBAC rule matching, as upstream's plugin/pkg/auth/authorizer/rbac/rbac.go: a PolicyRule allows a
 * request when its verbs, API groups, resources (with `*` and `*\/subresource`) and resourceNames
 * match, or for non-resource requests when its verbs and nonResourceURLs (with a trailing `*`) match.
 */
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import type { Attributes } from '../../server/auth.js';

/** The wildcard of every RBAC list. */
export const all = '*';

/** verbMatches reports whether the rule names the verb (or `*`). */
export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.includes(all) || rule.verbs.includes(verb);
}

/** apiGroupMatches reports whether the rule names the API group (or `*`). */
export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  const groups = rule.apiGroups ?? [];
  return groups.includes(all) || groups.includes(group);
}

/**
 * resourceMatches reports whether the rule covers `resource` (`pods` or `pods/log`): `*` matches
 * everything, an exact entry matches, and `*\/log` matches the log subresource of any resource.
 */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === all || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

/** resourceNameMatches: an empty resourceNames list matches every name; otherwise the name must be listed. */
export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(name);
}

/** nonResourceURLMatches: `*`, an exact path, or a prefix ending in `*`. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === all || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** ruleAllows reports whether one rule allows the request described by attrs. */
export function ruleAllows(attrs: Attributes, rule: PolicyRule): boolean {
  if (!attrs.isResourceRequest) return verbMatches(rule, attrs.verb) && nonResourceURLMatches(rule, attrs.path);
  const combined = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
  return (
    verbMatches(rule, attrs.verb) &&
    apiGroupMatches(rule, attrs.apiGroup) &&
    resourceMatches(rule, combined, attrs.subresource) &&
    resourceNameMatches(rule, attrs.name)
  );
}

/** rulesAllow reports whether any of the rules allows the request. */
export function rulesAllow(attrs: Attributes, rules: readonly PolicyRule[]): boolean {
  return rules.some((r) => ruleAllows(attrs, r));
}
