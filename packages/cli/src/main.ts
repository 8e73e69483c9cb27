import { formatVerbList, runVerb } from './dispatch.js';
import { verbLoaders } from './verbs.js';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const verbs = await Promise.all(Object.values(verbLoaders).map((load) => load()));
    process.stdout.write(formatVerbList(verbs));
    return name === undefined ? 2 : 0;
  }
  const load = verbLoaders[name];
  if (!load) {
    process.stderr.write(`error: unknown verb "${name}"; run \`nanokube --help\` for the list\n`);
    return 2;
  }
  return runVerb(await load(), rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
