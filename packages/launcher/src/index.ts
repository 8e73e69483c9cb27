export * from './supervisor.js';
export * from './wait.js';
export * from './up.js';
export * from './bootstrap-token.js';
export { upVerb } from './up-verb.js';
