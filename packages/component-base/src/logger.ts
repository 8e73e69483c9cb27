import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Options for {@link createLogger}. */
export interface CreateLoggerOptions {
  /** The component name carried on every line (`store`, `apiserver`, ...). */
  component: string;
  /** pino level; defaults to `$NANOKUBE_LOG_LEVEL` or `info`. */
  level?: string;
  /** Force pretty output on or off; by default pretty only when stderr is a terminal. */
  pretty?: boolean;
  /** Extra bindings for the root logger (e.g. `node`). */
  bindings?: Record<string, unknown>;
}

/**
 * createLogger builds the root pino logger of a component. Logs are JSON lines on stderr by default
 * and human-readable when stderr is a terminal, so `journalctl` and log shippers get JSON while a person
 * at a shell gets colour.
 */
export function createLogger(opts: CreateLoggerOptions): Logger {
  const level = opts.level ?? process.env['NANOKUBE_LOG_LEVEL'] ?? 'info';
  const pretty = opts.pretty ?? Boolean(process.stderr.isTTY);
  const options: LoggerOptions = {
    level,
    base: { component: opts.component, ...opts.bindings },
    redact: { paths: ['authorization', '*.authorization', 'token', '*.token'], censor: '[redacted]' },
  };
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'pid,hostname' } },
    });
  }
  return pino(options, pino.destination({ fd: 2, sync: false }));
}
