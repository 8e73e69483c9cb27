/**
 * Reading container logs in the CRI format (`<RFC3339Nano> <stdout|stderr> <F|P> <text>` per line, as the
 * shim writes them) for `kubectl logs`: tail, since, timestamps, limitBytes, and follow until the
 * container has ended and the file is drained.
 */
import { watch } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import type { LogOptions } from '../types.js';

/** One parsed CRI log line. */
export interface CriLogLine {
  /** The timestamp as written. */
  time: string;
  /** Epoch milliseconds of time. */
  ms: number;
  stream: 'stdout' | 'stderr';
  /** False for a piece of a longer line (tag P). */
  full: boolean;
  text: string;
}

/** parseCriLogLine parses one line (without its newline); undefined for garbage. */
export function parseCriLogLine(line: string): CriLogLine | undefined {
  const m = /^(\S+) (stdout|stderr) ([FP])(?: (.*))?$/s.exec(line);
  if (!m) return undefined;
  const ms = Date.parse(m[1] as string);
  if (Number.isNaN(ms)) return undefined;
  return { time: m[1] as string, ms, stream: m[2] as 'stdout' | 'stderr', full: m[3] === 'F', text: m[4] ?? '' };
}

/** rfc3339Nano formats a CRI timestamp as Go's time.RFC3339Nano does: trailing zeros of the fraction dropped. */
export function rfc3339Nano(time: string): string {
  return time.replace(/\.(\d*?)0+Z$/, (_m, d: string) => (d ? `.${d}Z` : 'Z'));
}

/** LogLines joins pieces (P) into whole lines as bytes arrive. */
class LogLines {
  private rest = '';
  private pending: CriLogLine | undefined;

  /** push takes more file text and returns the whole log lines it completes. */
  push(text: string): CriLogLine[] {
    this.rest += text;
    const out: CriLogLine[] = [];
    let i: number;
    while ((i = this.rest.indexOf('\n')) >= 0) {
      const parsed = parseCriLogLine(this.rest.slice(0, i));
      this.rest = this.rest.slice(i + 1);
      if (!parsed) continue;
      if (this.pending && this.pending.stream === parsed.stream) {
        this.pending = { ...this.pending, text: this.pending.text + parsed.text, full: parsed.full };
      } else {
        this.pending = parsed;
      }
      if (this.pending.full) {
        out.push(this.pending);
        this.pending = undefined;
      }
    }
    return out;
  }
}

/** LogWriter applies since, timestamps and limitBytes while writing lines to the client. */
class LogWriter {
  private written = 0;

  constructor(
    private readonly opts: LogOptions,
    private readonly out: Writable,
  ) {}

  /** write writes the lines; false once limitBytes is reached. */
  write(lines: CriLogLine[]): boolean {
    for (const l of lines) {
      if (this.opts.sinceTime !== undefined && l.ms < this.opts.sinceTime) continue;
      let s = `${this.opts.timestamps ? `${rfc3339Nano(l.time)} ` : ''}${l.text}\n`;
      if (this.opts.limitBytes !== undefined) {
        const left = this.opts.limitBytes - this.written;
        if (left <= 0) return false;
        const buf = Buffer.from(s);
        if (buf.length > left) s = buf.subarray(0, left).toString();
        this.written += Math.min(buf.length, left);
      }
      this.out.write(s);
      if (this.opts.limitBytes !== undefined && this.written >= this.opts.limitBytes) return false;
    }
    return true;
  }
}

const followPollMs = 200;

/**
 * writeCriLog writes the log at path to out. With follow it keeps reading appended lines until
 * `ended()` says the container is gone and no more bytes arrive, or opts.signal aborts.
 */
export async function writeCriLog(path: string, opts: LogOptions, out: Writable, ended: () => Promise<boolean>): Promise<void> {
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!fh) return;
  try {
    const lines = new LogLines();
    const writer = new LogWriter(opts, out);
    let pos = 0;
    const readMore = async (): Promise<string> => {
      const { size } = await fh.stat();
      if (size <= pos) return '';
      const buf = Buffer.alloc(size - pos);
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      pos += bytesRead;
      return buf.subarray(0, bytesRead).toString('utf8');
    };
    let first = lines.push(await readMore());
    if (opts.sinceTime !== undefined) first = first.filter((l) => l.ms >= (opts.sinceTime as number));
    if (opts.tailLines !== undefined && opts.tailLines >= 0) first = first.slice(Math.max(0, first.length - opts.tailLines));
    if (!writer.write(first) || !opts.follow) return;
    while (!opts.signal?.aborted) {
      const wasEnded = await ended();
      const more = await readMore();
      if (more && !writer.write(lines.push(more))) return;
      if (!more && wasEnded) return;
      if (!more) await sleep(followPollMs, opts.signal);
    }
  } finally {
    await fh.close();
  }
}

/**
 * followCriLogRaw streams what is appended to the log at path from byte offset `from` on, as the container
 * wrote it (attach): pieces (P) without a newline, whole lines (F) with one, each to `write` with its
 * stream. It ends once `ended()` says the container is gone and the file is drained, or signal aborts.
 * Appends are noticed by inotify (fs.watch) with a poll as fallback.
 */
export async function followCriLogRaw(
  path: string,
  from: number,
  write: (stream: 'stdout' | 'stderr', text: string) => void,
  ended: () => Promise<boolean>,
  signal?: AbortSignal,
): Promise<void> {
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!fh) return;
  let wake: (() => void) | undefined;
  let watcher: ReturnType<typeof watch> | undefined;
  try {
    watcher = watch(path, () => wake?.());
    watcher.on('error', () => undefined);
  } catch {
    // No inotify: the poll below still notices appends.
  }
  try {
    let pos = from;
    let rest = '';
    while (!signal?.aborted) {
      const wasEnded = await ended();
      const { size } = await fh.stat();
      if (size > pos) {
        const buf = Buffer.alloc(size - pos);
        const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
        pos += bytesRead;
        rest += buf.subarray(0, bytesRead).toString('utf8');
        let i: number;
        while ((i = rest.indexOf('\n')) >= 0) {
          const line = parseCriLogLine(rest.slice(0, i));
          rest = rest.slice(i + 1);
          if (line) write(line.stream, line.full ? `${line.text}\n` : line.text);
        }
        continue;
      }
      if (wasEnded) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          signal?.removeEventListener('abort', done);
          wake = undefined;
          resolve();
        };
        const t = setTimeout(done, followPollMs);
        wake = done;
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  } finally {
    watcher?.close();
    await fh.close();
  }
}

/** fileExists says whether path exists. */
export async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
