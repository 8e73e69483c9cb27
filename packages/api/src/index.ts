export * from './errors/status.js';
export * from './validation/index.js';
export * from './quantity/index.js';
export * from './labels/index.js';
export * from './fields/index.js';
export * from './patch/index.js';
export * from './protobuf/index.js';
export * from './duration/index.js';
