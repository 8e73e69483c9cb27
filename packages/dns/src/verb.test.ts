import { describe, expect, it, vi } from 'vitest';
import { UsageError } from '@nanokube/component-base';
import { dnsVerb } from './verb.js';

describe('dnsVerb', () => {
  it('prints its flags for --help', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await dnsVerb.run(['--help'])).toBe(0);
      const text = write.mock.calls.map((c) => String(c[0])).join('');
      for (const flag of ['--kubeconfig', '--listen', '--upstream', '--domain', '--ttl', '--metrics-port']) expect(text).toContain(flag);
    } finally {
      write.mockRestore();
    }
  });

  it('rejects a bad --listen', async () => {
    await expect(dnsVerb.run(['--kubeconfig', '/nonexistent', '--listen', 'nope'])).rejects.toBeInstanceOf(UsageError);
  });
});
