import { describe, expect, it } from 'vitest';
import { isBadRequest, StatusError } from '../errors/status.js';
import { checkSupportedFields, escapeFieldValue, parseFieldSelector, unescapeFieldValue } from './selector.js';

describe('parseFieldSelector', () => {
  it.each([
    { sel: 'spec.nodeName=n1', reqs: [{ field: 'spec.nodeName', operator: '=', value: 'n1' }] },
    { sel: 'a==b', reqs: [{ field: 'a', operator: '=', value: 'b' }] },
    { sel: 'a!=b', reqs: [{ field: 'a', operator: '!=', value: 'b' }] },
    { sel: 'b=2,a=1', reqs: [{ field: 'a', operator: '=', value: '1' }, { field: 'b', operator: '=', value: '2' }] },
    { sel: 'a=x\\,y\\=z\\\\', reqs: [{ field: 'a', operator: '=', value: 'x,y=z\\' }] },
    { sel: 'a=', reqs: [{ field: 'a', operator: '=', value: '' }] },
    { sel: '', reqs: [] },
  ])('$sel', ({ sel, reqs }) => {
    expect(parseFieldSelector(sel).requirements).toEqual(reqs);
  });

  it.each([
    { sel: 'abc', msg: "invalid selector: 'abc'; can't understand 'abc'" },
    { sel: 'a=b\\c', msg: 'invalid field selector: invalid escape sequence: \\c' },
    { sel: 'a=b=c', msg: 'invalid field selector: unescaped character in value: 61' },
    { sel: 'a=b\\', msg: 'invalid field selector: invalid escape sequence: \\' },
  ])('rejects $sel', ({ sel, msg }) => {
    try {
      parseFieldSelector(sel);
      expect.unreachable();
    } catch (e) {
      expect(isBadRequest(e)).toBe(true);
      expect((e as StatusError).message).toBe(msg);
    }
  });

  it('matches through a getter, absent fields reading as empty', () => {
    const obj: Record<string, string> = { 'metadata.name': 'p', 'spec.nodeName': 'n1' };
    const get = (f: string): string | undefined => obj[f];
    expect(parseFieldSelector('spec.nodeName=n1').matches(get)).toBe(true);
    expect(parseFieldSelector('spec.nodeName!=n1').matches(get)).toBe(false);
    expect(parseFieldSelector('status.phase=').matches(get)).toBe(true);
    expect(parseFieldSelector('metadata.name=p,spec.nodeName=n2').matches(get)).toBe(false);
    expect(parseFieldSelector('').isEverything()).toBe(true);
  });

  it('renders and escapes', () => {
    expect(parseFieldSelector('b!=x\\,y,a=1').toString()).toBe('a=1,b!=x\\,y');
    expect(unescapeFieldValue(escapeFieldValue('a,b=c\\'))).toBe('a,b=c\\');
    expect(parseFieldSelector('metadata.name=x').requiresExactMatch('metadata.name')).toBe('x');
  });

  it('rejects unsupported fields with upstream text', () => {
    const sel = parseFieldSelector('metadata.name=a,spec.foo=b');
    expect(() => checkSupportedFields(sel, ['spec.nodeName'])).toThrow('field label not supported: spec.foo');
    expect(() => checkSupportedFields(parseFieldSelector('metadata.namespace=x'), [])).not.toThrow();
  });
});
