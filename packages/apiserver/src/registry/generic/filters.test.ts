import { describe, expect, it } from 'vitest';
import type { ResourceDefinition } from '../types.js';
import { buildPredicate } from './filters.js';

const def = { namespaced: true, fieldSelectors: {} } as unknown as ResourceDefinition;

describe('buildPredicate label selectors', () => {
  it("refuses 'in' and 'notin' with an empty value set, as upstream's parser", () => {
    expect(() => buildPredicate(def, 'ns', { labelSelector: 'app in ()' })).toThrow(/values set can't be empty/);
    expect(() => buildPredicate(def, 'ns', { labelSelector: 'x=y,app notin ()' })).toThrow(/values set can't be empty/);
    expect(buildPredicate(def, 'ns', { labelSelector: 'app in (a)' }).everything).toBe(false);
  });
});
