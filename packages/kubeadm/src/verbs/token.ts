/**
 * `nanokube token create|list|delete|generate`, as `kubeadm token`: bootstrap tokens for joining
 * nodes, stored as kube-system Secrets; `create` also (re)publishes and signs cluster-info.
 */
import { stringFlag, UsageError, parseFlags, type Verb } from '@nanokube/component-base';
import { ensureClusterInfo, createTokenSecret, deleteTokenSecret, joinCommand, listTokenSecrets } from '../discovery/upload.js';
import { formatTable, generateToken, isTokenId, parseToken, tokenListHeader, tokenListRow } from '../token/bootstrap-token.js';
import { parseGoDuration } from '../token/duration.js';
import { adminClient, adminFlags } from './client.js';

const flags = {
  ...adminFlags,
  ttl: { type: 'string' as const, description: "The duration before the token is automatically deleted (e.g. 1s, 2m, 3h). '0' means never expires", default: '24h0m0s' },
  'print-join-command': { type: 'boolean' as const, description: 'Print the full `nanokube join` line instead of only the token' },
  description: { type: 'string' as const, description: 'A human friendly description of how this token is used' },
  usages: { type: 'string' as const, description: 'Ways this token can be used (signing,authentication)', default: 'signing,authentication' },
  groups: { type: 'string' as const, description: 'Extra groups this token authenticates as, when used for authentication', default: 'system:bootstrappers:kubeadm:default-node-token' },
};

async function create(args: string[], f: ReturnType<typeof parseFlags>, out: (s: string) => void): Promise<number> {
  if (args.length > 1) throw new UsageError('token create takes at most one argument, the token');
  const token = args[0] ?? generateToken();
  const parsed = parseToken(token);
  let ttlMs: number;
  try {
    ttlMs = parseGoDuration(stringFlag(f, 'ttl') ?? '24h');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const groups = (stringFlag(f, 'groups') ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  for (const g of groups) if (!g.startsWith('system:bootstrappers:')) throw new UsageError(`--groups: "${g}" must start with "system:bootstrappers:"`);
  const usages = (stringFlag(f, 'usages') ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  const description = stringFlag(f, 'description');
  const { rest, server, caPem } = await adminClient(f);
  try {
    await createTokenSecret(rest, { token: parsed, ttlMs, usages, groups, ...(description ? { description } : {}) });
    await ensureClusterInfo(rest, caPem, server);
  } finally {
    await rest.close();
  }
  out(f.values['print-join-command'] ? joinCommand(server, token, caPem) : token);
  return 0;
}

async function list(f: ReturnType<typeof parseFlags>, out: (s: string) => void): Promise<number> {
  const { rest } = await adminClient(f);
  try {
    const now = new Date();
    const rows = (await listTokenSecrets(rest)).map((s) => tokenListRow(s, now)).filter((r): r is string[] => r !== undefined);
    if (rows.length) process.stdout.write(formatTable(tokenListHeader, rows));
    else out('');
  } finally {
    await rest.close();
  }
  return 0;
}

async function remove(args: string[], f: ReturnType<typeof parseFlags>, out: (s: string) => void): Promise<number> {
  if (args.length === 0) throw new UsageError('missing subcommand; "token delete" is missing token of form "[a-z0-9]{6}" or "[a-z0-9]{6}\\.[a-z0-9]{16}"');
  for (const a of args) if (!isTokenId(a)) parseToken(a);
  const { rest } = await adminClient(f);
  try {
    for (const a of args) {
      const id = a.includes('.') ? parseToken(a).id : a;
      if (!(await deleteTokenSecret(rest, a))) throw new Error(`bootstrap token "${id}" not found`);
      out(`bootstrap token "${id}" deleted`);
    }
  } finally {
    await rest.close();
  }
  return 0;
}

/** tokenVerb is `nanokube token`. */
export const tokenVerb: Verb = {
  name: 'token',
  summary: 'Manage bootstrap tokens for joining nodes (kubeadm token)',
  usage: 'nanokube token create [TOKEN] [--ttl 24h] [--print-join-command] | list | delete TOKEN_ID... | generate',
  flags,
  positionals: true,
  async run(argv) {
    const f = parseFlags(argv, flags, true);
    const [sub, ...args] = f.positionals;
    const out = (s: string): void => void process.stdout.write(s + '\n');
    switch (sub) {
      case 'create':
        return create(args, f, out);
      case 'list':
        return list(f, out);
      case 'delete':
        return remove(args, f, out);
      case 'generate':
        out(generateToken());
        return 0;
      default:
        throw new UsageError(`unknown subcommand "${sub ?? ''}" (expected create, list, delete or generate)`);
    }
  },
};

