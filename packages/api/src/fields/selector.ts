/**
 * Field selectors as apimachinery's `fields` package: comma-joined `a=b`, `a==b`, `a!=b` terms;
 * values may escape `\`, `,` and `=` with a backslash. Terms are sorted as upstream sorts them.
 */
import { newBadRequest } from '../errors/status.js';

/** One field requirement; `==` is normalised to `=`. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: '=' | '!=';
  readonly value: string;
}

/** Reads the string value of a field label from an object; undefined when absent. */
export type FieldGetter = (field: string) => string | undefined;

/** A parsed field selector: all requirements must hold. */
export class FieldSelector {
  constructor(readonly requirements: readonly FieldRequirement[]) {}

  /** matches evaluates the selector; an absent field reads as `''` as in upstream field sets. */
  matches(get: FieldGetter): boolean {
    return this.requirements.every((r) => ((get(r.field) ?? '') === r.value) === (r.operator === '='));
  }

  /** isEverything is true when there are no requirements. */
  isEverything(): boolean {
    return this.requirements.length === 0;
  }

  /** requiresExactMatch returns the value `field` must equal, if an `=` term names it. */
  requiresExactMatch(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.operator === '=')?.value;
  }

  /** toString renders `a=b,c!=d` with values escaped. */
  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
  }
}

/** escapeFieldValue escapes `\`, `,` and `=` (upstream `EscapeValue`). */
export function escapeFieldValue(v: string): string {
  return v.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** unescapeFieldValue reverses escapeFieldValue; throws Error with upstream's message on bad input. */
export function unescapeFieldValue(v: string): string {
  let out = '';
  let inSlash = false;
  for (const c of v) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new Error(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Go prints the rune with %v, i.e. as its code point number.
      throw new Error(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw new Error('invalid field selector: invalid escape sequence: \\');
  return out;
}

function splitTerms(s: string): string[] {
  if (s === '') return [];
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

function splitTerm(term: string): [string, '=' | '!=' | '==', string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** parseFieldSelectorOrError parses a selector; throws Error with upstream's message. */
export function parseFieldSelectorOrError(selector: string): FieldSelector {
  const parts = splitTerms(selector).sort();
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw new Error(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [field, op, raw] = t;
    reqs.push({ field, operator: op === '!=' ? '!=' : '=', value: unescapeFieldValue(raw) });
  }
  return new FieldSelector(reqs);
}

/** parseFieldSelector parses `?fieldSelector=`; throws a BadRequest StatusError on bad syntax. */
export function parseFieldSelector(selector: string): FieldSelector {
  try {
    return parseFieldSelectorOrError(selector);
  } catch (e) {
    throw newBadRequest((e as Error).message);
  }
}

/** fieldLabelNotSupportedMessage is upstream's text for a field the resource cannot select on. */
export function fieldLabelNotSupportedMessage(field: string): string {
  return `field label not supported: ${field}`;
}

/**
 * checkSupportedFields throws a BadRequest `field label not supported: <f>` for the first field not
 * in `supported`. `metadata.name` and `metadata.namespace` are always supported, as upstream.
 */
export function checkSupportedFields(sel: FieldSelector, supported: Iterable<string>): void {
  const ok = new Set(['metadata.name', 'metadata.namespace', ...supported]);
  for (const r of sel.requirements) {
    if (!ok.has(r.field)) throw newBadRequest(fieldLabelNotSupportedMessage(r.field));
  }
}
