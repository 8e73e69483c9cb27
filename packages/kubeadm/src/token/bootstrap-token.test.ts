import { describe, expect, it } from 'vitest';
import { formatTable, generateToken, parseToken, secretValue, tokenListHeader, tokenListRow, tokenSecret } from './bootstrap-token.js';
import { formatGoDuration, parseGoDuration } from './duration.js';

const now = new Date('2026-01-01T00:00:00Z');

describe('bootstrap tokens', () => {
  it('generates tokens of the bootstrap form', () => {
    for (let i = 0; i < 20; i++) expect(generateToken()).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
  });

  it('refuses malformed tokens with kubeadm wording', () => {
    expect(() => parseToken('abc.def')).toThrow('the bootstrap token "abc.def" was not of the form "^([a-z0-9]{6})\\.([a-z0-9]{16})$"');
  });

  it('stores a token as kubeadm does', () => {
    const s = tokenSecret({ token: parseToken('abcdef.0123456789abcdef'), ttlMs: 24 * 3600_000, now });
    expect(s.metadata).toEqual({ name: 'bootstrap-token-abcdef', namespace: 'kube-system' });
    expect(s.type).toBe('bootstrap.kubernetes.io/token');
    expect(secretValue(s, 'expiration')).toBe('2026-01-02T00:00:00Z');
    expect(secretValue(s, 'usage-bootstrap-authentication')).toBe('true');
    expect(secretValue(s, 'usage-bootstrap-signing')).toBe('true');
    expect(secretValue(s, 'auth-extra-groups')).toBe('system:bootstrappers:kubeadm:default-node-token');
  });

  it('has no expiration with ttl 0 and lists it as forever', () => {
    const s = tokenSecret({ token: parseToken('abcdef.0123456789abcdef'), ttlMs: 0, now });
    expect(secretValue(s, 'expiration')).toBe('');
    expect(tokenListRow(s, now)).toEqual(['abcdef.0123456789abcdef', '<forever>', '<never>', 'authentication,signing', '<none>', 'system:bootstrappers:kubeadm:default-node-token']);
  });

  it('lists TTL and expiry like kubeadm token list', () => {
    const s = tokenSecret({ token: parseToken('abcdef.0123456789abcdef'), ttlMs: 24 * 3600_000, description: 'lab', now });
    const row = tokenListRow(s, new Date(now.getTime() + 3600_000)) ?? [];
    expect(row.slice(1, 3)).toEqual(['23h', '2026-01-02T00:00:00Z']);
    expect(formatTable(tokenListHeader, [row]).split('\n')[0]).toBe('TOKEN                     TTL   EXPIRES                USAGES                   DESCRIPTION   EXTRA GROUPS');
  });
});

describe('Go durations', () => {
  it.each([
    ['24h', 86_400_000],
    ['24h0m0s', 86_400_000],
    ['1h30m', 5_400_000],
    ['90s', 90_000],
    ['0', 0],
  ])('parses %s', (s, ms) => {
    expect(parseGoDuration(s)).toBe(ms);
  });

  it('rejects garbage and prints like Go', () => {
    expect(() => parseGoDuration('1 day')).toThrow('time: invalid duration "1 day"');
    expect(formatGoDuration(86_400_000)).toBe('24h0m0s');
  });
});
