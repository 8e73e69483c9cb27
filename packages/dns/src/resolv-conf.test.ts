import { describe, expect, it } from 'vitest';
import { parseResolvConf, parseUpstream } from './resolv-conf.js';

describe('resolv.conf and upstreams', () => {
  it('reads nameservers and ignores the rest', () => {
    expect(parseResolvConf('# comment\nsearch example.com\nnameserver 10.0.0.2\nnameserver 10.0.0.3\noptions ndots:5\n')).toEqual([
      { host: '10.0.0.2', port: 53 },
      { host: '10.0.0.3', port: 53 },
    ]);
  });

  it('parses IP, IP:PORT and [IPv6]:PORT', () => {
    expect(parseUpstream('10.0.0.2')).toEqual({ host: '10.0.0.2', port: 53 });
    expect(parseUpstream('127.0.0.1:5353')).toEqual({ host: '127.0.0.1', port: 5353 });
    expect(parseUpstream('[::1]:5353')).toEqual({ host: '::1', port: 5353 });
  });
});
