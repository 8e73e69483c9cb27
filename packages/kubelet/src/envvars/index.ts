export { expand, lookupIn, type VarLookup } from './expand.js';
export { FieldRefError, fieldRefValue, formatMap, resourceFieldValue, type PodAddresses } from './fields.js';
export {
  ContainerConfigError,
  expandCommand,
  isValidEnvVarName,
  makeEnvironment,
  podServices,
  serviceEnv,
  serviceEnvName,
  type EnvContext,
  type EnvVarValue,
} from './env.js';
