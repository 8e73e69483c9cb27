import type { FlagSpecs } from './flags.js';

/**
 * Verb is one `nanokube <verb>`: its flags (used for both parsing and --help) and what it runs.
 * Components export their verb; the CLI only dispatches.
 */
export interface Verb {
  name: string;
  summary: string;
  usage: string;
  flags: FlagSpecs;
  /** Whether positional arguments are accepted (e.g. `snapshot save FILE`). */
  positionals?: boolean;
  /** Runs the verb; resolves to the process exit code. */
  run(argv: string[]): Promise<number>;
}
