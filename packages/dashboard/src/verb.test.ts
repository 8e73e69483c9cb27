import { UsageError } from '@nanokube/component-base';
import { describe, expect, it } from 'vitest';
import { parseListen } from './verb.js';

describe('nanokube dashboard flags', () => {
  it('reads --listen as ADDR:PORT, IPv6 in brackets', () => {
    expect(parseListen('127.0.0.1:8001')).toEqual({ host: '127.0.0.1', port: 8001 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
  });

  it('rejects a --listen without a valid port', () => {
    for (const bad of ['127.0.0.1', '127.0.0.1:', ':8001', 'localhost:99999', 'localhost:http']) {
      expect(() => parseListen(bad), bad).toThrow(UsageError);
    }
  });
});
