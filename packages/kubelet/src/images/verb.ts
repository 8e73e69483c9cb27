/**
 * `nanokube image import|ls|rm|pull|serve`: manage one node's image store (`--root`), for machines without
 * registry access, as `kind load` / `ctr image import` / `crictl images|rmi` do.
 */
import type { Writable } from 'node:stream';
import { parseFlags, shutdownSignal, stringFlag, UsageError, type FlagSpecs, type Verb } from '@nanokube/component-base';
import { isImageError } from './errors.js';
import type { ImageRecord } from './image-index.js';
import { startRegistryServer } from './registry-server.js';
import { LocalImageService } from './service.js';
import { defaultImageRoot } from './store.js';

const imageFlags: FlagSpecs = {
  root: { type: 'string', description: "The node's image store", default: defaultImageRoot },
  'base-name': { type: 'string', description: 'import: repository for OCI layout entries named only by a tag' },
  'registry-endpoint': {
    type: 'string',
    multiple: true,
    description: 'pull: HOST=URL registry mirror, e.g. docker.io=http://192.168.56.1:5000 (repeatable)',
  },
  listen: { type: 'string', description: 'serve: address to serve the store on as a read-only registry', default: '127.0.0.1:5000' },
  quiet: { type: 'boolean', short: 'q', description: 'ls: print image ids only' },
};

/** parseEndpoints turns `HOST=URL` flag values into a map. */
export function parseEndpoints(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--registry-endpoint must be HOST=URL, got "${v}"`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** humanSize renders bytes as crictl does (decimal units, 3 significant digits): `25.1MB`. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

/** formatImageTable renders `image ls` as `crictl images` does: IMAGE, TAG, IMAGE ID (13 hex), SIZE. */
export function formatImageTable(images: ImageRecord[]): string {
  const rows = [['IMAGE', 'TAG', 'IMAGE ID', 'SIZE']];
  for (const i of images) {
    const id = i.id.replace(/^sha256:/, '').slice(0, 13);
    const tags = i.repoTags.length ? i.repoTags : i.repoDigests.map((d) => `${d.slice(0, d.indexOf('@'))}:<none>`);
    for (const t of tags.length ? tags : ['<none>:<none>']) {
      const colon = t.lastIndexOf(':');
      rows.push([t.slice(0, colon), t.slice(colon + 1), id, humanSize(i.size)]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd((widths[c] ?? 0) + 3))).join('')).join('\n') + '\n';
}

/** runImageCommand runs one `nanokube image` subcommand, writing results to out; resolves to the exit code. */
export async function runImageCommand(argv: string[], out: Writable, signal?: AbortSignal): Promise<number> {
  const flags = parseFlags(argv, imageFlags, true);
  const [sub, ...args] = flags.positionals;
  const root = stringFlag(flags, 'root') ?? defaultImageRoot;
  const endpoints = parseEndpoints((flags.values['registry-endpoint'] as string[] | undefined) ?? []);
  const svc = await LocalImageService.open({ root, endpoints });
  try {
    switch (sub) {
      case 'import':
        if (args.length === 0) throw new UsageError('image import needs at least one FILE');
        for (const file of args) {
          const baseName = stringFlag(flags, 'base-name');
          for (const img of await svc.importArchive(file, baseName ? { baseName } : {})) {
            out.write(`Imported image ${img.repoTags.join(', ') || '<none>'} (${img.id})\n`);
          }
        }
        return 0;
      case 'ls':
      case 'list': {
        const images = await svc.store.list();
        out.write(flags.values['quiet'] ? images.map((i) => `${i.id}\n`).join('') : formatImageTable(images));
        return 0;
      }
      case 'rm':
        if (args.length === 0) throw new UsageError('image rm needs at least one IMAGE');
        for (const ref of args) {
          const removed = await svc.store.remove(ref);
          for (const name of removed.repoTags.length ? removed.repoTags : [removed.id]) out.write(`Deleted: ${name}\n`);
        }
        return 0;
      case 'pull':
        if (args.length !== 1) throw new UsageError('image pull needs one IMAGE');
        out.write(`Image is up to date for ${(await svc.pull(args[0] ?? '')).id}\n`);
        return 0;
      case 'serve':
        return await serve(svc, stringFlag(flags, 'listen') ?? '127.0.0.1:5000', out, signal ?? shutdownSignal());
      default:
        throw new UsageError(`unknown image subcommand "${sub ?? ''}" (want import, ls, rm, pull or serve)`);
    }
  } finally {
    await svc.close();
  }
}

async function serve(svc: LocalImageService, listen: string, out: Writable, signal: AbortSignal): Promise<number> {
  const colon = listen.lastIndexOf(':');
  const port = Number(listen.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port)) throw new UsageError(`--listen must be HOST:PORT, got "${listen}"`);
  const server = await startRegistryServer({ store: svc.store, host: listen.slice(0, colon).replace(/^\[|\]$/g, ''), port });
  out.write(`Serving the image store as a registry on ${server.url}\n`);
  if (!signal.aborted) await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await server.close();
  return 0;
}

/** imageVerb is `nanokube image`: import, list, remove, pull and serve a node's images. */
export const imageVerb: Verb = {
  name: 'image',
  summary: "Manage a node's container images (import tarballs, list, remove, pull, serve as a registry)",
  usage: 'nanokube image import FILE... | ls | rm IMAGE... | pull IMAGE | serve [--listen HOST:PORT]  [--root DIR]',
  flags: imageFlags,
  positionals: true,
  async run(argv) {
    try {
      return await runImageCommand(argv, process.stdout);
    } catch (err) {
      if (!isImageError(err)) throw err;
      process.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
  },
};
