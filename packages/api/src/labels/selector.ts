/**
 * Label selectors as apimachinery's `labels` package: requirements, matching, and the canonical
 * string form (`a=b,c in (x,y),!d`), requirements sorted by key.
 */
import type { FieldError } from '../errors/status.js';
import { invalid, notSupported, renderValue } from '../validation/field-errors.js';
import { isQualifiedName, isValidLabelValue } from '../validation/names.js';

/** Selector operators (`selection.Operator` values). */
export type Operator = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

const validOperators: Operator[] = ['=', '==', '!=', 'in', 'notin', 'exists', '!', 'gt', 'lt'];

/** One requirement: `key op values`. Values are sorted and unique. */
export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

/** A set of labels, e.g. `metadata.labels`. */
export type Labels = Readonly<Record<string, string>> | undefined | null;

/** RequirementError carries upstream's rendered message for an invalid requirement. */
export class RequirementError extends Error {
  override readonly name = 'RequirementError';
}

function invalidValues(path: string, values: readonly string[], msg: string): FieldError {
  return { ...invalid(path, null, msg), detail: `Invalid value: ${renderValue(values)}: ${msg}` };
}

/**
 * newRequirement validates and builds a requirement (upstream `NewRequirement`); throws a
 * RequirementError whose message is the aggregated field errors.
 */
export function newRequirement(key: string, operator: Operator, values: readonly string[], path = ''): Requirement {
  const p = (child: string): string => (path ? `${path}.${child}` : child);
  const errs: FieldError[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) errs.push(invalid(p('key'), key, keyErrs.join('; ')));
  const vp = p('values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalidValues(vp, values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalidValues(vp, values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalidValues(vp, values, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalidValues(vp, values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!/^[-+]?\d+$/.test(v)) errs.push(invalid(`${vp}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(notSupported(p('operator'), operator, validOperators));
  }
  values.forEach((v, i) => {
    const msgs = isValidLabelValue(v);
    if (msgs.length) errs.push(invalid(`${vp}[${i}][${key}]`, v, msgs.join('; ')));
  });
  if (errs.length) {
    const rendered = errs.map((e) => `${e.field}: ${e.detail}`);
    throw new RequirementError(rendered.length === 1 ? (rendered[0] ?? '') : `[${rendered.join(', ')}]`);
  }
  return { key, operator, values: [...new Set(values)].sort() };
}

/** requirementMatches evaluates one requirement against a label set. */
export function requirementMatches(r: Requirement, labels: Labels): boolean {
  const has = labels != null && Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case '=':
    case '==':
    case 'in':
      return has && r.values.includes(value ?? '');
    case '!=':
    case 'notin':
      return !has || !r.values.includes(value ?? '');
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^[-+]?\d+$/.test(value ?? '')) return false;
      const lv = BigInt(value ?? '0');
      const rv = BigInt(r.values[0] ?? '0');
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
  }
}

/** requirementString renders one requirement as upstream's `Requirement.String()`. */
export function requirementString(r: Requirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
      return `${r.key} in (${r.values.join(',')})`;
    case 'notin':
      return `${r.key} notin (${r.values.join(',')})`;
    case 'gt':
      return `${r.key}>${r.values[0] ?? ''}`;
    case 'lt':
      return `${r.key}<${r.values[0] ?? ''}`;
    default:
      return `${r.key}${r.operator}${r.values[0] ?? ''}`;
  }
}

/** A label selector: all requirements must match. Immutable. */
export class Selector {
  /** Requirements sorted by key. */
  readonly requirements: readonly Requirement[];

  /** `nothing` selectors (from a nil LabelSelector) match no object at all. */
  constructor(
    requirements: readonly Requirement[],
    readonly nothing = false,
  ) {
    this.requirements = [...requirements].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** matches reports whether every requirement holds for `labels`. */
  matches(labels: Labels): boolean {
    if (this.nothing) return false;
    return this.requirements.every((r) => requirementMatches(r, labels));
  }

  /** isEverything is true for the empty selector, which matches every object. */
  isEverything(): boolean {
    return !this.nothing && this.requirements.length === 0;
  }

  /** add returns a new selector with extra requirements. */
  add(...rs: Requirement[]): Selector {
    return new Selector([...this.requirements, ...rs], this.nothing);
  }

  /** requiresExactMatch returns the value `key` must equal (`=`, `==`, or a one-value `in`), if any. */
  requiresExactMatch(key: string): string | undefined {
    for (const r of this.requirements) {
      if (r.key !== key) continue;
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
    }
    return undefined;
  }

  /** toString renders the canonical selector string (`''` for everything). */
  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }
}

/** everything returns the selector that matches all objects. */
export function everything(): Selector {
  return new Selector([]);
}

/** nothing returns the selector that matches no object (a nil LabelSelector). */
export function nothing(): Selector {
  return new Selector([], true);
}

/** isEverything reports whether a selector is empty (or a selector string is blank). */
export function isEverything(s: Selector | string | undefined | null): boolean {
  if (s == null) return true;
  if (typeof s === 'string') return s.trim() === '';
  return s.isEverything();
}

/** selectorFromSet builds `k=v` requirements for every entry (upstream `SelectorFromSet`). */
export function selectorFromSet(set: Labels): Selector {
  return new Selector(Object.entries(set ?? {}).map(([k, v]) => newRequirement(k, '=', [v])));
}
