/**
 * OpenAPI for the apiserver: the `/openapi/v3` documents kubectl needs for `--validate=strict`, apply
 * and explain, the schemas behind them, and unknown-field detection for `fieldValidation`.
 */
export { OpenApiService, openApiV2ProtobufType, openApiV3Document, openApiV3Paths } from './service.js';
export type { OpenApiDocument, OpenApiRequest, OpenApiResponse } from './service.js';
export { unknownFields, unknownFieldsOfKind } from './unknown-fields.js';
export { fieldSchema, k8sDefinitions, resolve, schemaNameFor } from './schemas.js';
export type { GroupVersionKind, Schema } from './schemas.js';
export { groupVersionPath, parseGroupVersionPath, servedGroupVersions } from './group-version.js';
export type { GroupVersion } from './group-version.js';
