/**
 * Terminal sizes of TTY sessions. runc in the foreground needs a terminal of its own to give a container
 * one; `script` provides it (a pty whose master `script` copies to our pipes). Resizing that pty (`stty`
 * on its slave side, i.e. TIOCSWINSZ) makes the kernel send SIGWINCH to runc, which sets the same size on
 * the container's console: the process inside sees the new rows and columns (`stty size`).
 *
 * The pty is found from a process id: the first process at most three levels below `rootPid` (the shim
 * or the `script` of an exec) whose stdin is a `/dev/pts/N`. No native code: `stty` is coreutils.
 */
import { readdir, readFile, readlink } from 'node:fs/promises';
import { runCommand } from './exec-util.js';

/** A terminal size as the resize channel carries it. */
export interface TerminalSize {
  width: number;
  height: number;
}

/** childPids lists the children of pid (every thread's), from /proc. */
export async function childPids(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const out: number[] = [];
  for (const t of tasks) {
    const text = await readFile(`/proc/${pid}/task/${t}/children`, 'utf8').catch(() => '');
    for (const c of text.split(/\s+/)) if (c) out.push(Number(c));
  }
  return out;
}

/** findPty returns the `/dev/pts/N` that is stdin of rootPid or of a descendant (three levels at most). */
export async function findPty(rootPid: number, depth = 3): Promise<string | undefined> {
  let level = [rootPid];
  for (let d = 0; d <= depth && level.length > 0; d++) {
    for (const pid of level) {
      const target = await readlink(`/proc/${pid}/fd/0`).catch(() => '');
      if (/^\/dev\/pts\/\d+$/.test(target)) return target;
    }
    const next: number[] = [];
    for (const pid of level) next.push(...(await childPids(pid)));
    level = next;
  }
  return undefined;
}

/** setPtySize sets rows and columns of a pty (stty on its slave side; the kernel signals SIGWINCH). */
export async function setPtySize(pts: string, size: TerminalSize): Promise<void> {
  if (!(size.width > 0 && size.height > 0)) return;
  await runCommand('stty', ['-F', pts, 'rows', String(Math.floor(size.height)), 'cols', String(Math.floor(size.width))], 5_000);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * followResizes applies each size of `sizes` to the pty below `rootPid()` until the iterable ends.
 * The pty may not exist yet when the first size arrives (kubectl sends it at once): it is looked for
 * for up to `waitMs`; sizes are applied in order.
 */
export async function followResizes(sizes: AsyncIterable<TerminalSize>, rootPid: () => number | undefined, waitMs = 5_000): Promise<void> {
  let pts: string | undefined;
  for await (const size of sizes) {
    if (!pts) {
      const deadline = Date.now() + waitMs;
      for (let delay = 10; !pts && Date.now() < deadline; delay = Math.min(delay * 2, 200)) {
        const pid = rootPid();
        if (pid) pts = await findPty(pid);
        if (!pts) await sleep(delay);
      }
      if (!pts) continue;
    }
    await setPtySize(pts, size).catch(() => {
      // The session ended meanwhile: its pty is gone.
      pts = undefined;
    });
  }
}

/**
 * firstSize waits up to `ms` for the first size of `sizes` (kubectl sends the terminal's size as soon as
 * the session is up) and returns it with the sizes that follow, so a TTY exec can start at the right size
 * instead of racing its first resize.
 */
export async function firstSize(sizes: AsyncIterable<TerminalSize>, ms: number): Promise<{ size?: TerminalSize; rest: AsyncIterable<TerminalSize> }> {
  const it = sizes[Symbol.asyncIterator]();
  const pending = it.next();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  const got = await Promise.race([pending, timeout]);
  clearTimeout(timer);
  const rest: AsyncIterable<TerminalSize> = {
    async *[Symbol.asyncIterator]() {
      if (got === 'timeout') {
        const r = await pending;
        if (r.done) return;
        yield r.value;
      }
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    },
  };
  if (got === 'timeout' || got.done) return { rest };
  return { size: got.value, rest };
}
