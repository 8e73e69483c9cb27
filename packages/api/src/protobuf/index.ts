export * from './decode.js';
export * from './schema.js';
export { WireError, readFields, type RawField } from './wire.js';
