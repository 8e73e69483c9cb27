import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One command-line flag of a verb, described once for both parsing and `--help`. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  description: string;
  default?: string | boolean;
  multiple?: boolean;
  short?: string;
}

/** A verb's flags by long name (kebab-case, as upstream's components spell them). */
export type FlagSpecs = Record<string, FlagSpec>;

/** Thrown for bad command lines; the CLI prints the message and the verb's usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parsed flag values by long name, plus positional arguments. */
export interface ParsedFlags {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** parseFlags parses argv strictly against specs: unknown flags are a {@link UsageError}. */
export function parseFlags(argv: string[], specs: FlagSpecs, allowPositionals = false): ParsedFlags {
  const options: NonNullable<ParseArgsConfig['options']> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = {
      type: spec.type,
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.default !== undefined && !spec.multiple ? { default: spec.default } : {}),
    } as NonNullable<ParseArgsConfig['options']>[string];
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: values as ParsedFlags['values'], positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** formatHelp renders a verb's usage text from the same specs that parse it. */
export function formatHelp(usage: string, summary: string, specs: FlagSpecs): string {
  const lines = [summary, '', `Usage: ${usage}`, '', 'Flags:'];
  const rows = Object.entries(specs).map(([name, s]) => {
    const left = `  ${s.short ? `-${s.short}, ` : ''}--${name}${s.type === 'string' ? ' VALUE' : ''}`;
    const def = s.default !== undefined && s.default !== '' ? ` (default ${String(s.default)})` : '';
    return [left, `${s.description}${def}`] as const;
  });
  rows.push(['  -h, --help', 'Show this help']);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  for (const [l, r] of rows) lines.push(l.padEnd(width) + r);
  return lines.join('\n') + '\n';
}

/** stringFlag reads a string flag, throwing a UsageError when required and missing. */
export function stringFlag(flags: ParsedFlags, name: string, required = false): string | undefined {
  const v = flags.values[name];
  if (typeof v === 'string' && v !== '') return v;
  if (required) throw new UsageError(`flag --${name} is required`);
  return undefined;
}

/** intFlag reads an integer flag, rejecting anything that is not a whole number. */
export function intFlag(flags: ParsedFlags, name: string): number | undefined {
  const v = stringFlag(flags, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`flag --${name} must be a whole number, got "${v}"`);
  return Number(v);
}
