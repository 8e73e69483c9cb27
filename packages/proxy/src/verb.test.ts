import { describe, expect, it, vi } from 'vitest';
import { UsageError } from '@nanokube/component-base';
import { proxyVerb } from './verb.js';

describe('proxyVerb', () => {
  it('prints its flags for --help', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await proxyVerb.run(['--help'])).toBe(0);
      const text = write.mock.calls.map((c) => String(c[0])).join('');
      for (const flag of ['--kubeconfig', '--hostname-override', '--cluster-cidr', '--healthz-bind-address', '--metrics-bind-address', '--iptables-min-sync-period', '--masquerade-all', '--cleanup']) {
        expect(text).toContain(flag);
      }
    } finally {
      write.mockRestore();
    }
  });

  it('rejects unknown flags and requires --kubeconfig', async () => {
    await expect(proxyVerb.run(['--bogus'])).rejects.toBeInstanceOf(UsageError);
    await expect(proxyVerb.run([])).rejects.toThrow('flag --kubeconfig is required');
  });
});
