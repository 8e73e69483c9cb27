/**
 * What the simulated runtime runs for exec, attach and port-forward: a handful of built-in commands
 * (`echo`, `cat`, `hostname`, `true`, `false`, `sh -c 'exit N'`) and, on every port, a fixed HTTP answer.
 * Enough to drive kubectl exec/attach/port-forward end to end without a real container.
 */
import type { Duplex } from 'node:stream';
import type { StreamSession } from '../types.js';

function write(w: StreamSession['stdout'], text: string): void {
  w?.write(text);
}

/** copyStdin copies stdin to stdout until stdin ends (or the session is aborted); under a TTY `\r` echoes as `\r\n`. */
async function copyStdin(session: StreamSession): Promise<void> {
  const stdin = session.stdin;
  if (!stdin) return;
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    stdin.on('data', (chunk: Buffer) => write(session.stdout, session.tty ? chunk.toString().replace(/\r/g, '\r\n') : chunk.toString('latin1')));
    stdin.once('end', done);
    stdin.once('close', done);
    session.signal?.addEventListener('abort', done, { once: true });
  });
}

/** runSimulatedCommand runs one built-in command and resolves to its exit code. */
export async function runSimulatedCommand(cmd: string[], session: StreamSession, hostname: string): Promise<number> {
  const [name = '', ...args] = cmd;
  const base = name.split('/').pop() ?? name;
  switch (base) {
    case 'echo':
      write(session.stdout, `${args.join(' ')}\n`);
      return 0;
    case 'cat':
      await copyStdin(session);
      return 0;
    case 'hostname':
      write(session.stdout, `${hostname}\n`);
      return 0;
    case 'true':
      return 0;
    case 'false':
      return 1;
    case 'sh':
    case 'bash': {
      if (args[0] !== '-c' || args[1] === undefined) {
        await copyStdin(session);
        return 0;
      }
      const script = args[1].trim();
      const exit = /^exit(?:\s+(\d+))?$/.exec(script);
      if (exit) return Number(exit[1] ?? 0) & 0xff;
      return runSimulatedCommand(script.split(/\s+/), session, hostname);
    }
    default:
      write(session.stderr ?? session.stdout, `exec: "${name}": executable file not found in $PATH\n`);
      return 127;
  }
}

/** simulatedAttach echoes stdin like a `cat` container; without stdin it waits until the session ends. */
export async function simulatedAttach(session: StreamSession): Promise<void> {
  if (session.stdin) return copyStdin(session);
  await new Promise<void>((resolve) => {
    if (session.signal?.aborted) return resolve();
    session.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** simulatedPortForward answers one HTTP request on `stream` with a fixed 200 reply, then ends it. */
export async function simulatedPortForward(podName: string, port: number, stream: Duplex): Promise<void> {
  const body = `simulated pod ${podName} port ${port}\n`;
  const reply = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
  await new Promise<void>((resolve) => {
    let seen = '';
    let answered = false;
    const answer = (): void => {
      if (answered) return;
      answered = true;
      stream.end(reply, () => resolve());
    };
    stream.on('data', (chunk: Buffer) => {
      seen += chunk.toString('latin1');
      if (seen.includes('\r\n\r\n')) answer();
    });
    stream.once('end', answer);
    stream.once('close', () => resolve());
    stream.once('error', () => resolve());
  });
}
