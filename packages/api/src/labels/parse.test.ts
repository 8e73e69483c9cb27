import { describe, expect, it } from 'vitest';
import { isBadRequest, StatusError } from '../errors/status.js';
import { labelSelectorAsString, parseSelector, parseSelectorRequirements, selectorFromLabelSelector } from './parse.js';
import { everything, isEverything, nothing, selectorFromSet } from './selector.js';

describe('parseSelector', () => {
  it.each([
    { name: 'equals', sel: 'a=b', str: 'a=b' },
    { name: 'double equals', sel: 'a==b', str: 'a==b' },
    { name: 'not equals', sel: 'a!=b', str: 'a!=b' },
    { name: 'in', sel: 'e in (y,x)', str: 'e in (x,y)' },
    { name: 'notin', sel: 'f notin (z)', str: 'f notin (z)' },
    { name: 'exists', sel: 'g', str: 'g' },
    { name: 'does not exist', sel: '!h', str: '!h' },
    { name: 'gt', sel: 'a>1', str: 'a>1' },
    { name: 'lt', sel: 'a<10', str: 'a<10' },
    { name: 'sorted by key', sel: 'z=1,a=2', str: 'a=2,z=1' },
    { name: 'spaces', sel: ' a = b , c in ( x , y ) ', str: 'a=b,c in (x,y)' },
    { name: 'empty value', sel: 'a=', str: 'a=' },
    { name: 'kubectl compound', sel: 'a=b,c!=d,e in (x,y),f notin (z),g,!h', str: 'a=b,c!=d,e in (x,y),f notin (z),g,!h' },
    { name: 'keyword as value', sel: 'a in (in,notin)', str: 'a in (in,notin)' },
    { name: 'empty', sel: '', str: '' },
  ])('$name', ({ sel, str }) => {
    expect(parseSelector(sel).toString()).toBe(str);
  });

  it.each([
    { name: 'missing paren', sel: 'a in b', msg: "unable to parse requirement: found 'b' expected: '('" },
    { name: 'trailing comma', sel: 'a=b,', msg: "found '', expected: identifier after ','" },
    { name: 'operator first', sel: '=b', msg: "found '=', expected: !, identifier, or 'end of string'" },
    { name: 'two operators', sel: 'a=b=c', msg: "found '=', expected: ',' or 'end of string'" },
    { name: 'unclosed set', sel: 'a in (b', msg: "unable to parse requirement: found '', expected: ',' or ')'" },
    { name: 'gt non-integer', sel: 'a>b', msg: "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an integer" },
    { name: 'bad operator', sel: 'a b', msg: "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt" },
  ])('rejects $name', ({ sel, msg }) => {
    try {
      parseSelector(sel);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StatusError);
      expect(isBadRequest(e)).toBe(true);
      expect((e as StatusError).message).toBe(msg);
    }
  });

  it('rejects an invalid key with the <nil> field path upstream prints', () => {
    expect(() => parseSelectorRequirements('a/b/c=d')).toThrow(/^unable to parse requirement: <nil>: Invalid value: "a\/b\/c": a qualified name/);
  });

  it('rejects an invalid value', () => {
    expect(() => parseSelectorRequirements('a=-b')).toThrow(/^unable to parse requirement: values\[0\]\[a\]: Invalid value: "-b"/);
  });
});

describe('Selector.matches', () => {
  const labels = { app: 'web', tier: 'front', n: '5' };
  it.each([
    { sel: 'app=web', want: true },
    { sel: 'app==web', want: true },
    { sel: 'app=db', want: false },
    { sel: 'app!=db', want: true },
    { sel: 'missing!=x', want: true },
    { sel: 'tier in (front,back)', want: true },
    { sel: 'tier notin (front)', want: false },
    { sel: 'missing notin (x)', want: true },
    { sel: 'app', want: true },
    { sel: '!app', want: false },
    { sel: '!missing', want: true },
    { sel: 'n>4', want: true },
    { sel: 'n<5', want: false },
    { sel: 'app>1', want: false },
    { sel: 'app=web,tier=back', want: false },
    { sel: '', want: true },
  ])('$sel -> $want', ({ sel, want }) => {
    expect(parseSelector(sel).matches(labels)).toBe(want);
  });

  it('nothing matches nothing, everything matches anything', () => {
    expect(nothing().matches({})).toBe(false);
    expect(everything().matches(undefined)).toBe(true);
    expect(isEverything(everything())).toBe(true);
    expect(isEverything(nothing())).toBe(false);
    expect(isEverything('  ')).toBe(true);
  });
});

describe('metav1.LabelSelector conversion', () => {
  it.each([
    { name: 'matchLabels', ls: { matchLabels: { app: 'web' } }, str: 'app=web' },
    {
      name: 'expressions',
      ls: {
        matchLabels: { app: 'web' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['b', 'a'] },
          { key: 'env', operator: 'NotIn', values: ['prod'] },
          { key: 'x', operator: 'Exists' },
          { key: 'y', operator: 'DoesNotExist' },
        ],
      },
      str: 'app=web,env notin (prod),tier in (a,b),x,!y',
    },
    { name: 'empty', ls: {}, str: '' },
  ])('$name', ({ ls, str }) => {
    expect(labelSelectorAsString(ls)).toBe(str);
  });

  it('treats null as matching nothing and {} as everything', () => {
    expect(selectorFromLabelSelector(null).matches({ a: 'b' })).toBe(false);
    expect(selectorFromLabelSelector({}).matches({ a: 'b' })).toBe(true);
    expect(labelSelectorAsString(undefined)).toBe('');
  });

  it('rejects an unknown operator', () => {
    expect(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })).toThrow(
      '"Gt" is not a valid label selector operator',
    );
  });

  it('builds a selector from a label set', () => {
    expect(selectorFromSet({ b: '2', a: '1' }).toString()).toBe('a=1,b=2');
    expect(selectorFromSet({ a: '1' }).requiresExactMatch('a')).toBe('1');
  });
});
