/**
 * The label selector parser (apimachinery labels.Parser): `a=b,c!=d,e in (x,y),f notin (z),g,!h`,
 * `a==b`, `a>1`, `a<1`. Errors reproduce upstream's text and surface as BadRequest StatusErrors.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { newBadRequest } from '../errors/status.js';
import { invalid } from '../validation/field-errors.js';
import { isQualifiedName } from '../validation/names.js';
import { lexSelector, type Token } from './lexer.js';
import { RequirementError, Selector, newRequirement, nothing, type Operator, type Requirement } from './selector.js';

type Context = 'keyAndOperator' | 'values';

const binaryOperators = 'in, notin, =, ==, !=, gt, lt';

class ParseError extends Error {}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private at(ctx: Context, advance: boolean): Token {
    const t = this.tokens[this.pos] ?? { kind: 'eos', literal: '' };
    if (advance && this.pos < this.tokens.length - 1) this.pos++;
    if (ctx === 'values' && (t.kind === 'in' || t.kind === 'notIn')) return { kind: 'identifier', literal: t.literal };
    return t;
  }
  lookahead(ctx: Context): Token {
    return this.at(ctx, false);
  }
  consume(ctx: Context): Token {
    return this.at(ctx, true);
  }

  parse(): Requirement[] {
    const out: Requirement[] = [];
    for (;;) {
      const t = this.lookahead('values');
      if (t.kind === 'eos') return out;
      if (t.kind !== 'identifier' && t.kind !== 'doesNotExist') {
        throw new ParseError(`found '${t.literal}', expected: !, identifier, or 'end of string'`);
      }
      out.push(this.requirementOrWrap());
      const next = this.consume('values');
      if (next.kind === 'eos') return out;
      if (next.kind !== 'comma') throw new ParseError(`found '${next.literal}', expected: ',' or 'end of string'`);
      const after = this.lookahead('values');
      if (after.kind !== 'identifier' && after.kind !== 'doesNotExist') {
        throw new ParseError(`found '${after.literal}', expected: identifier after ','`);
      }
    }
  }

  private requirementOrWrap(): Requirement {
    try {
      return this.requirement();
    } catch (e) {
      if (e instanceof ParseError || e instanceof RequirementError) {
        throw new ParseError(`unable to parse requirement: ${e.message}`);
      }
      throw e;
    }
  }

  private requirement(): Requirement {
    let t = this.consume('values');
    let unary: Operator | undefined;
    if (t.kind === 'doesNotExist') {
      unary = '!';
      t = this.consume('values');
    }
    if (t.kind !== 'identifier') throw new ParseError(`found '${t.literal}', expected: identifier`);
    const key = t.literal;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length) throw new ParseError(`<nil>: ${invalid('', key, keyErrs.join('; ')).detail}`);
    const la = this.lookahead('values').kind;
    if (unary || la === 'eos' || la === 'comma') return newRequirement(key, unary ?? 'exists', []);
    const op = this.operator();
    const values = op === 'in' || op === 'notin' ? this.setValues() : this.exactValue();
    return newRequirement(key, op, values);
  }

  private operator(): Operator {
    const t = this.consume('keyAndOperator');
    const ops: Partial<Record<Token['kind'], Operator>> = {
      in: 'in',
      equals: '=',
      doubleEquals: '==',
      greaterThan: 'gt',
      lessThan: 'lt',
      notIn: 'notin',
      notEquals: '!=',
    };
    const op = ops[t.kind];
    if (!op) throw new ParseError(`found '${t.literal}', expected: ${binaryOperators}`);
    return op;
  }

  private setValues(): string[] {
    const open = this.consume('values');
    if (open.kind !== 'openPar') throw new ParseError(`found '${open.literal}' expected: '('`);
    const t = this.lookahead('values');
    if (t.kind === 'closedPar') {
      this.consume('values');
      return [''];
    }
    if (t.kind !== 'identifier' && t.kind !== 'comma') {
      throw new ParseError(`found '${t.literal}', expected: ',', ')' or identifier`);
    }
    const values = this.identifiersList();
    if (this.consume('values').kind !== 'closedPar') throw new ParseError(`found '${t.literal}', expected: ')'`);
    return values;
  }

  private identifiersList(): string[] {
    const s = new Set<string>();
    for (;;) {
      const t = this.consume('values');
      if (t.kind === 'identifier') {
        s.add(t.literal);
        const n = this.lookahead('values');
        if (n.kind === 'comma') continue;
        if (n.kind === 'closedPar') return [...s];
        throw new ParseError(`found '${n.literal}', expected: ',' or ')'`);
      } else if (t.kind === 'comma') {
        if (s.size === 0) s.add('');
        const n = this.lookahead('values');
        if (n.kind === 'closedPar') {
          s.add('');
          return [...s];
        }
        if (n.kind === 'comma') {
          this.consume('values');
          s.add('');
        }
      } else {
        throw new ParseError(`found '${t.literal}', expected: ',', or identifier`);
      }
    }
  }

  private exactValue(): string[] {
    const la = this.lookahead('values');
    if (la.kind === 'eos' || la.kind === 'comma') return [''];
    const t = this.consume('values');
    if (t.kind === 'identifier') return [t.literal];
    throw new ParseError(`found '${t.literal}', expected: identifier`);
  }
}

/** parseSelectorRequirements parses a selector string; throws Error with upstream's message. */
export function parseSelectorRequirements(selector: string): Requirement[] {
  const tokens = lexSelector(selector);
  const bad = tokens.find((t) => t.kind === 'error');
  if (bad) {
    // Upstream hands the error token to the parser, which reports it where it stands.
    const idx = tokens.indexOf(bad);
    tokens.length = idx + 1;
  }
  try {
    return new Parser(tokens).parse();
  } catch (e) {
    if (e instanceof ParseError) throw new Error(e.message);
    throw e;
  }
}

/**
 * parseSelector parses a label selector as kubectl sends it in `?labelSelector=`. Throws a
 * BadRequest StatusError with upstream's parser message on bad syntax.
 */
export function parseSelector(selector: string): Selector {
  try {
    return new Selector(parseSelectorRequirements(selector));
  } catch (e) {
    throw newBadRequest((e as Error).message);
  }
}

const operatorOfExpression: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * selectorFromLabelSelector converts a metav1.LabelSelector (upstream `LabelSelectorAsSelector`):
 * undefined/null matches nothing, `{}` matches everything. Throws Error on an invalid selector.
 */
export function selectorFromLabelSelector(ls: LabelSelector | undefined | null): Selector {
  if (ls == null) return nothing();
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(ls.matchLabels ?? {})) reqs.push(newRequirement(k, '=', [v]));
  for (const expr of ls.matchExpressions ?? []) {
    const op = operatorOfExpression[expr.operator];
    if (!op) throw new Error(`"${expr.operator}" is not a valid label selector operator`);
    reqs.push(newRequirement(expr.key, op, expr.values ?? []));
  }
  return new Selector(reqs);
}

/** labelSelectorAsString renders a metav1.LabelSelector as `status.selector` and describe show it. */
export function labelSelectorAsString(ls: LabelSelector | undefined | null): string {
  if (ls == null) return '';
  return selectorFromLabelSelector(ls).toString();
}
