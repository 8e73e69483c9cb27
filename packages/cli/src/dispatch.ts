import { formatHelp, parseFlags, UsageError, type Verb } from '@nanokube/component-base';

/**
 * runVerb parses argv for one verb and runs it. `--help` prints the verb's usage; a bad command line
 * prints the problem and the usage and returns 2, as Unix tools do.
 */
export async function runVerb(verb: Verb, argv: string[]): Promise<number> {
  const help = formatHelp(verb.usage, verb.summary, verb.flags);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(help);
    return 0;
  }
  try {
    parseFlags(argv, verb.flags, verb.positionals ?? false);
    return await verb.run(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message}\n\n${help}`);
      return 2;
    }
    throw err;
  }
}

/** formatVerbList renders the top-level `nanokube --help`. */
export function formatVerbList(verbs: Verb[]): string {
  const width = Math.max(...verbs.map((v) => v.name.length)) + 4;
  const rows = verbs.map((v) => `  ${v.name.padEnd(width)}${v.summary}`);
  return [
    'nanokube: a small, real Kubernetes. Every component is a verb and runs as its own process.',
    '',
    'Usage: nanokube <verb> [flags]',
    '',
    'Verbs:',
    ...rows,
    '',
    'Run `nanokube <verb> --help` for the flags of a verb.',
    '',
  ].join('\n');
}
