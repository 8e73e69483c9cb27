/**
 * `$(VAR)` expansion of env values, command and args, with upstream's rules
 * (third_party/forked/golang/expansion): `$(NAME)` becomes the value of NAME when defined and stays as
 * written otherwise; `$$` is an escaped `$`, so `$$(NAME)` yields the literal `$(NAME)`; a `$` followed by
 * anything else, and an unterminated `$(`, stay as written.
 */

/** A lookup of variable values; the first map that has the name wins. */
export type VarLookup = (name: string) => string | undefined;

/** lookupIn builds a {@link VarLookup} over maps, first one first. */
export function lookupIn(...maps: ReadonlyMap<string, string>[]): VarLookup {
  return (name) => {
    for (const m of maps) {
      const v = m.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

/** expand replaces `$(NAME)` references in s. */
export function expand(s: string, lookup: VarLookup): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (ch !== '$' || i + 1 >= s.length) {
      out += ch;
      i++;
      continue;
    }
    const next = s[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const end = s.indexOf(')', i + 2);
      if (end < 0) {
        // Unterminated reference: upstream keeps `$(` and the rest as written.
        out += s.slice(i);
        break;
      }
      const name = s.slice(i + 2, end);
      const value = name === '' ? undefined : lookup(name);
      out += value ?? `$(${name})`;
      i = end + 1;
    } else {
      out += `$${next}`;
      i += 2;
    }
  }
  return out;
}
