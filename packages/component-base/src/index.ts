export * from './logger.js';
export * from './flags.js';
export * from './signals.js';
export * from './verb.js';
export * from './metrics.js';
export * from './metrics-server.js';
export * from './errors.js';
