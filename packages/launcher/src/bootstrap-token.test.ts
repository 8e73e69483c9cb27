import { describe, expect, it } from 'vitest';
import { UsageError } from '@nanokube/component-base';
import { parseBootstrapTokenFlags } from './bootstrap-token.js';

describe('parseBootstrapTokenFlags', () => {
  it('defaults to a generated token living 24 h, and reads 0 as never expiring', () => {
    expect(parseBootstrapTokenFlags(undefined, undefined)).toEqual({ ttlMs: 24 * 3600_000 });
    expect(parseBootstrapTokenFlags('abcdef.0123456789abcdef', '0')).toEqual({ token: 'abcdef.0123456789abcdef', ttlMs: 0 });
    expect(parseBootstrapTokenFlags(undefined, '1h30m').ttlMs).toBe(5_400_000);
  });

  it('refuses a malformed token or duration with kubeadm wording', () => {
    expect(() => parseBootstrapTokenFlags('nope', undefined)).toThrow(UsageError);
    expect(() => parseBootstrapTokenFlags('nope', undefined)).toThrow('the bootstrap token "nope" was not of the form');
    expect(() => parseBootstrapTokenFlags(undefined, '3 days')).toThrow('--token-ttl: time: invalid duration "3 days"');
  });
});
