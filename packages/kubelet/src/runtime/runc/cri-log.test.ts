import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { followCriLogRaw, parseCriLogLine, rfc3339Nano, writeCriLog } from './cri-log.js';

async function read(text: string, opts: Parameters<typeof writeCriLog>[1]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nk-crilog-'));
  try {
    await writeFile(join(dir, 'l.log'), text);
    let out = '';
    const w = new Writable({ write(c: Buffer, _e, cb) { out += c.toString(); cb(); } });
    await writeCriLog(join(dir, 'l.log'), opts, w, async () => true);
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const log = [
  '2024-01-01T00:00:01.100000000Z stdout F one',
  '2024-01-01T00:00:02.000000000Z stderr P tw',
  '2024-01-01T00:00:02.000000001Z stderr F o',
  '2024-01-01T00:00:03.000000000Z stdout F three',
  '',
].join('\n');

describe('writeCriLog', () => {
  it('joins partial lines, tails, filters by time and prefixes timestamps', async () => {
    expect(await read(log, { follow: false, timestamps: false })).toBe('one\ntwo\nthree\n');
    expect(await read(log, { follow: false, timestamps: false, tailLines: 1 })).toBe('three\n');
    expect(await read(log, { follow: false, timestamps: true, sinceTime: Date.parse('2024-01-01T00:00:02Z') })).toBe(
      '2024-01-01T00:00:02Z two\n2024-01-01T00:00:03Z three\n',
    );
    expect(await read(log, { follow: false, timestamps: false, limitBytes: 6 })).toBe('one\ntw');
  });
  it('formats times as Go RFC3339Nano', () => {
    expect(rfc3339Nano('2024-01-01T00:00:01.100000000Z')).toBe('2024-01-01T00:00:01.1Z');
  });
  it('keeps carriage returns of TTY output in the text', () => {
    expect(parseCriLogLine('2024-01-01T00:00:01.100000000Z stdout F hi\r')).toMatchObject({ text: 'hi\r', full: true });
    expect(parseCriLogLine('2024-01-01T00:00:01.100000000Z stdout P \r/ # \u001b[J')).toMatchObject({ text: '\r/ # \u001b[J', full: false });
  });
});

describe('followCriLogRaw', () => {
  it('streams appended pieces as written, from the offset, until the container has ended', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nk-crilog-'));
    try {
      const path = join(dir, 'l.log');
      const before = '2024-01-01T00:00:00.000000000Z stdout F old\n';
      await writeFile(path, before);
      const got: string[] = [];
      let ended = false;
      const done = followCriLogRaw(path, Buffer.byteLength(before), (stream, text) => got.push(`${stream}:${text}`), async () => ended);
      await appendFile(path, '2024-01-01T00:00:01.000000000Z stdout P / # \n2024-01-01T00:00:02.000000000Z stderr F oops\r\n');
      await new Promise((r) => setTimeout(r, 300));
      expect(got).toEqual(['stdout:/ # ', 'stderr:oops\r\n']);
      await appendFile(path, '2024-01-01T00:00:03.000000000Z stdout F bye\n');
      ended = true;
      await done;
      expect(got).toEqual(['stdout:/ # ', 'stderr:oops\r\n', 'stdout:bye\n']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
