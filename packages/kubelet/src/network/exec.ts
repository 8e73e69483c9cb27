/**
 * Running the network's commands (`ip`, `iptables`, `sysctl`). Plans are plain data ({@link Command}
 * lists) so tests can assert them; a {@link CommandRunner} executes them, for real or in a fake.
 */
import { execFile } from 'node:child_process';
import { NetworkError } from './errors.js';

/** One command of a plan. */
export interface Command {
  argv: string[];
  /** Skip the command when this one succeeds (an `iptables -C` check before `-A`). */
  unless?: string[];
  /** A failure whose stderr matches is success (`File exists` for an `ip link add` that already ran). */
  okIfFails?: RegExp;
}

/** What a command printed. */
export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/**
 * CommandRunner runs one argv and resolves with its output, or rejects with a {@link NetworkError}
 * (`MK_ERR_NET_COMMAND_FAILED`, `stderr` in the message) when it exits non-zero.
 */
export interface CommandRunner {
  run(argv: string[]): Promise<CommandOutput>;
}

/** execRunner runs commands as child processes of this one, in its network namespace. */
export function execRunner(opts: { timeoutMs?: number } = {}): CommandRunner {
  return {
    run(argv) {
      const [file, ...args] = argv;
      if (file === undefined) return Promise.reject(new Error('empty command'));
      return new Promise((resolve, reject) => {
        execFile(file, args, { timeout: opts.timeoutMs ?? 10_000, encoding: 'utf8' }, (err, stdout, stderr) => {
          if (err) {
            const detail = stderr.trim() || err.message;
            reject(new NetworkError('MK_ERR_NET_COMMAND_FAILED', `${argv.join(' ')}: ${detail}`, { cause: err }));
            return;
          }
          resolve({ stdout, stderr });
        });
      });
    },
  };
}

/**
 * netnsRunner runs every command inside a named (or `/path/to`) network namespace with
 * `nsenter --net`. Unlike `ip netns exec` it keeps this process's mount namespace, so namespaces a
 * command creates (`ip netns add`) stay visible to every later command and to the host. The kubelet
 * itself runs inside its node and needs none; tests and `nanokube lab` drive nodes from outside.
 */
export function netnsRunner(inner: CommandRunner, netns: string): CommandRunner {
  const path = netns.includes('/') ? netns : `/run/netns/${netns}`;
  return { run: (argv) => inner.run(['nsenter', `--net=${path}`, ...argv]) };
}

/** runPlan runs the commands in order, honouring `unless` and `okIfFails`; the first failure stops it. */
export async function runPlan(runner: CommandRunner, plan: readonly Command[]): Promise<void> {
  for (const cmd of plan) {
    if (cmd.unless && (await succeeds(runner, cmd.unless))) continue;
    try {
      await runner.run(cmd.argv);
    } catch (err) {
      if (cmd.okIfFails && err instanceof Error && cmd.okIfFails.test(err.message)) continue;
      throw err;
    }
  }
}

async function succeeds(runner: CommandRunner, argv: string[]): Promise<boolean> {
  try {
    await runner.run(argv);
    return true;
  } catch {
    return false;
  }
}
