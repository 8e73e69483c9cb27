export * from './errors/status.js';
