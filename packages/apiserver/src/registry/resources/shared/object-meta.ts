/** Common ObjectMeta validation with the definition's own name rule, for the generic registry to call. */
import type { KubeObject } from '../../types.js';
import type { NanoResourceDefinition } from './definition.js';
import { nameValidator, validateObjectMeta, type FieldError } from './validation.js';

/**
 * validateDefinitionMeta runs upstream's ValidateObjectMeta on obj with `def.nameValidation`
 * (DNS-1123 label for Namespaces, DNS-1035 for Services, path segments for RBAC kinds).
 * Strategies' validate() does not repeat these checks.
 */
export function validateDefinitionMeta(def: Pick<NanoResourceDefinition, 'nameValidation' | 'namespaced'>, obj: KubeObject): FieldError[] {
  return validateObjectMeta(obj.metadata, { namespaced: def.namespaced, nameFn: nameValidator(def.nameValidation) });
}
