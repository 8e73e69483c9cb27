export { Bitmap } from './bitmap.js';
export { AllocationError, ClusterIPAllocator, formatIPv4, parseCIDR, parseIPv4 } from './cluster-ip.js';
export { NodePortAllocator, parsePortRange, type PortRequest } from './node-port.js';
export { PersistedRange } from './persisted-range.js';
export { serviceHooks } from './service-hooks.js';
