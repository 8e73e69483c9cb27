import type { Readable } from 'node:stream';

/**
 * decodeJsonLines yields one parsed JSON value per newline-terminated line of a byte stream (the watch
 * framing). A line split across chunks is reassembled; a trailing partial line at end of stream is
 * dropped, since the server only ends a stream after a complete event.
 */
export async function* decodeJsonLines<T>(body: Readable | AsyncIterable<Buffer>): AsyncGenerator<T> {
  let pending = '';
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) yield JSON.parse(line) as T;
    }
  }
}
