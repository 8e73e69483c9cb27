import { StringDecoder } from 'node:string_decoder';
import { errRequestTooLarge, GrpcCode, RpcError } from '../errors.js';
import { jsonSyntaxMessage } from './decode.js';

/**
 * JsonObjectSplitter cuts a streamed request body into top-level JSON objects, which the gateway's
 * streaming endpoints accept back to back (`{...}{...}` or one per line). push returns the objects
 * completed by a chunk; malformed input throws an InvalidArgument error.
 */
export class JsonObjectSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private buf = '';
  private pos = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly maxObjectBytes: number) {}

  /** push adds a chunk and returns every object it completes, parsed. */
  push(chunk: Buffer): unknown[] {
    this.buf += this.decoder.write(chunk);
    const out: unknown[] = [];
    while (this.pos < this.buf.length) {
      const c = this.buf[this.pos]!;
      this.pos++;
      if (this.depth === 0) {
        if (c === ' ' || c === '\n' || c === '\r' || c === '\t') {
          this.buf = this.buf.slice(this.pos);
          this.pos = 0;
          continue;
        }
        if (c !== '{') throw new RpcError(GrpcCode.InvalidArgument, jsonSyntaxMessage(c));
        this.depth = 1;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if (c === '}' || c === ']') {
        this.depth--;
        if (this.depth === 0) out.push(this.take());
      }
    }
    if (this.buf.length > this.maxObjectBytes) throw errRequestTooLarge();
    return out;
  }

  /** end reports a truncated object left at the end of the body. */
  end(): void {
    if (this.depth > 0 || this.buf.trim() !== '') throw new RpcError(GrpcCode.InvalidArgument, 'unexpected EOF');
  }

  private take(): unknown {
    const text = this.buf.slice(0, this.pos);
    this.buf = this.buf.slice(this.pos);
    this.pos = 0;
    try {
      return JSON.parse(text);
    } catch {
      throw new RpcError(GrpcCode.InvalidArgument, jsonSyntaxMessage(text));
    }
  }
}
