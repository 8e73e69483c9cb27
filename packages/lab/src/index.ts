export * from './topology.js';
export * from './state.js';
export { labUp, type LabUpOptions } from './up.js';
export { labDown, type LabDownOptions } from './down.js';
export { labSsh, labStart, labStatus, labStop } from './ops.js';
export { labVerb } from './verb.js';
