/**
 * The pod network: {@link HostGwNetwork} (bridge `nk0`, veths, host-local IPAM, host-gw routes,
 * masquerade) and its parts, exported for tests and for `nanokube lab`, which cleans up after it.
 */
export * from './cidr.js';
export * from './errors.js';
export * from './exec.js';
export * from './ipam.js';
export * from './plans.js';
export * from './host-gw.js';
export * from './route-sync.js';
