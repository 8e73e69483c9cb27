/**
 * Tokenizer of label selector strings, as apimachinery's labels.Lexer: identifiers are runs of
 * anything but whitespace and `=!(),<>`; operators are matched longest first.
 */

/** Token kinds of the selector grammar. */
export type TokenKind =
  | 'error'
  | 'eos'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

/** One scanned token with its literal text. */
export interface Token {
  kind: TokenKind;
  literal: string;
}

const string2token: Record<string, TokenKind> = {
  ')': 'closedPar',
  ',': 'comma',
  '!': 'doesNotExist',
  '==': 'doubleEquals',
  '=': 'equals',
  '>': 'greaterThan',
  in: 'in',
  '<': 'lessThan',
  '!=': 'notEquals',
  notin: 'notIn',
  '(': 'openPar',
};

const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string): boolean => '=!(),><'.includes(c);

/** lexSelector scans the whole selector into tokens, ending with an `eos` (or `error`) token. */
export function lexSelector(input: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  for (;;) {
    while (pos < input.length && isWhitespace(input[pos] ?? '')) pos++;
    if (pos >= input.length) {
      out.push({ kind: 'eos', literal: '' });
      return out;
    }
    const start = pos;
    if (isSpecial(input[pos] ?? '')) {
      let last: Token | undefined;
      let buf = '';
      while (pos < input.length && isSpecial(input[pos] ?? '')) {
        buf += input[pos];
        const kind = string2token[buf];
        if (kind) last = { kind, literal: buf };
        else if (last) break;
        pos++;
      }
      if (!last) {
        out.push({ kind: 'error', literal: `error expected: keyword found '${buf}'` });
        return out;
      }
      pos = start + last.literal.length;
      out.push(last);
      continue;
    }
    while (pos < input.length && !isWhitespace(input[pos] ?? '') && !isSpecial(input[pos] ?? '')) pos++;
    const word = input.slice(start, pos);
    const kw = string2token[word];
    out.push({ kind: kw ?? 'identifier', literal: word });
  }
}
