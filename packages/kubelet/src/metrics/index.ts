export * from './kubelet-metrics.js';
export * from './pod-start.js';
export * from './runtime-metrics.js';
export * from './node-usage.js';
