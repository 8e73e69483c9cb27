import { describe, expect, it } from 'vitest';
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidIP,
  isValidIPv4,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
} from './names.js';

const label1123 =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const subdomain =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const qname =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

describe('isDNS1123Label', () => {
  it.each([
    { name: 'simple', v: 'web-1', want: [] },
    { name: 'digits first', v: '1abc', want: [] },
    { name: 'uppercase', v: 'Web', want: [label1123] },
    { name: 'dot', v: 'a.b', want: [label1123] },
    { name: 'trailing dash', v: 'a-', want: [label1123] },
    { name: 'empty', v: '', want: [label1123] },
    { name: '64 chars', v: 'a'.repeat(64), want: ['must be no more than 63 characters'] },
  ])('$name', ({ v, want }) => {
    expect(isDNS1123Label(v)).toEqual(want);
  });
});

describe('isDNS1123Subdomain', () => {
  it.each([
    { name: 'dotted', v: 'example.com', want: [] },
    { name: 'underscore', v: 'a_b', want: [subdomain] },
    { name: '254 chars', v: 'a'.repeat(254), want: ['must be no more than 253 characters'] },
  ])('$name', ({ v, want }) => {
    expect(isDNS1123Subdomain(v)).toEqual(want);
  });
});

describe('isDNS1035Label', () => {
  it.each([
    { name: 'letter first', v: 'svc-1', ok: true },
    { name: 'digit first', v: '1svc', ok: false },
  ])('$name', ({ v, ok }) => {
    expect(isDNS1035Label(v).length === 0).toBe(ok);
  });
});

describe('isQualifiedName', () => {
  it.each([
    { name: 'plain', v: 'app', want: [] },
    { name: 'prefixed', v: 'app.kubernetes.io/name', want: [] },
    { name: 'mixed case', v: 'MyName', want: [] },
    { name: 'empty prefix', v: '/a', want: ['prefix part must be non-empty'] },
    { name: 'empty name', v: 'a/', want: ['name part must be non-empty', qname] },
    { name: 'bad char', v: 'a b', want: [qname] },
    { name: 'long name', v: 'a'.repeat(64), want: ['name part must be no more than 63 characters'] },
  ])('$name', ({ v, want }) => {
    expect(isQualifiedName(v)).toEqual(want);
  });

  it('rejects two slashes with the whole-name message', () => {
    expect(isQualifiedName('a/b/c')[0]).toMatch(/^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/);
  });
});

describe('isValidLabelValue', () => {
  it.each([
    { name: 'empty', v: '', ok: true },
    { name: 'underscore inside', v: 'a_b', ok: true },
    { name: 'leading dash', v: '-a', ok: false },
    { name: 'slash', v: 'a/b', ok: false },
    { name: '64 chars', v: 'a'.repeat(64), ok: false },
  ])('$name', ({ v, ok }) => {
    expect(isValidLabelValue(v).length === 0).toBe(ok);
  });
});

describe('ports and IPs', () => {
  it.each([
    { v: 0, ok: false },
    { v: 1, ok: true },
    { v: 65535, ok: true },
    { v: 65536, ok: false },
  ])('isValidPortNum($v)', ({ v, ok }) => {
    expect(isValidPortNum(v)).toEqual(ok ? [] : ['must be between 1 and 65535, inclusive']);
  });

  it.each([
    { v: 'http', want: [] },
    { v: 'a'.repeat(16), want: ['must be no more than 15 characters'] },
    { v: '80', want: ['must contain at least one letter (a-z)'] },
    { v: 'a--b', want: ['must not contain consecutive hyphens'] },
    { v: '-ab', want: ['must not begin or end with a hyphen'] },
    { v: 'HTTP', want: ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)'] },
  ])('isValidPortName($v)', ({ v, want }) => {
    expect(isValidPortName(v)).toEqual(want);
  });

  it.each([
    { v: '10.0.0.1', v4: true, any: true },
    { v: '256.0.0.1', v4: false, any: false },
    { v: '01.2.3.4', v4: false, any: false },
    { v: '2001:db8::1', v4: false, any: true },
    { v: '::ffff:1.2.3.4', v4: false, any: true },
    { v: '1::2::3', v4: false, any: false },
  ])('IP $v', ({ v, v4, any }) => {
    expect(isValidIPv4(v).length === 0).toBe(v4);
    expect(isValidIP(v).length === 0).toBe(any);
  });
});
