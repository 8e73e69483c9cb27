export * from './records.js';
export * from './zone.js';
export * from './resolv-conf.js';
export * from './forwarder.js';
export * from './server.js';
export * from './manifest.js';
export * from './dns.js';
export * from './metrics.js';
export { dnsVerb } from './verb.js';
