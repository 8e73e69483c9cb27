import type { ConfigMap, Container, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import type { PodSources } from '../volumes/sources.js';
import { ContainerConfigError, expandCommand, makeEnvironment, serviceEnv } from './env.js';

function fakeSources(objs: { configMaps?: ConfigMap[]; secrets?: Secret[]; services?: Service[] }): PodSources {
  const byName = <T extends { metadata?: { name?: string; namespace?: string } }>(list: T[] | undefined, ns: string, name: string) =>
    list?.find((o) => o.metadata?.name === name && (o.metadata?.namespace ?? 'default') === ns);
  return {
    configMap: async (ns, name) => byName(objs.configMaps, ns, name),
    secret: async (ns, name) => byName(objs.secrets, ns, name),
    services: async (ns) => (objs.services ?? []).filter((s) => (s.metadata?.namespace ?? 'default') === ns),
    persistentVolumeClaim: async () => undefined,
    persistentVolume: async () => undefined,
    serviceAccountToken: async () => ({ token: 't', expiresAt: 0 }),
  };
}

const pod: Pod = {
  metadata: { name: 'web', namespace: 'app', uid: 'uid-1', labels: { tier: 'front' }, annotations: { note: 'hi' } },
  spec: { nodeName: 'w1', serviceAccountName: 'sa1', containers: [{ name: 'c', resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '250m' } } }] },
};

const sources = fakeSources({
  configMaps: [{ metadata: { name: 'cfg', namespace: 'app' }, data: { mode: 'prod', 'bad=key': 'x', level: 'debug' } }],
  secrets: [{ metadata: { name: 'sec', namespace: 'app' }, data: { password: Buffer.from('s3cret').toString('base64') } }],
  services: [
    { metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } },
    { metadata: { name: 'other', namespace: 'default' }, spec: { clusterIP: '10.96.0.9', ports: [{ port: 1 }] } },
    { metadata: { name: 'my-db', namespace: 'app' }, spec: { clusterIP: '10.96.0.20', ports: [{ name: 'sql', port: 5432, protocol: 'TCP' }] } },
    { metadata: { name: 'headless', namespace: 'app' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
  ],
});

async function env(container: Partial<Container>, p: Pod = pod, warn?: (r: string, m: string) => void): Promise<Record<string, string>> {
  const list = await makeEnvironment({ name: 'c', ...container }, {
    pod: p,
    sources,
    addresses: { podIps: ['10.244.1.5'], hostIps: ['192.168.1.10'] },
    nodeAllocatable: { cpu: '2', memory: '4Gi' },
    ...(warn ? { warn } : {}),
  });
  return Object.fromEntries(list.map((e) => [e.name, e.value]));
}

describe('makeEnvironment', () => {
  it.each([
    ['metadata.name', 'web'],
    ['metadata.namespace', 'app'],
    ['metadata.uid', 'uid-1'],
    ["metadata.labels['tier']", 'front'],
    ["metadata.annotations['note']", 'hi'],
    ['spec.nodeName', 'w1'],
    ['spec.serviceAccountName', 'sa1'],
    ['status.podIP', '10.244.1.5'],
    ['status.podIPs', '10.244.1.5'],
    ['status.hostIP', '192.168.1.10'],
  ])('fieldRef %s', async (fieldPath, want) => {
    expect((await env({ env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath } } }] }))['X']).toBe(want);
  });

  it.each([
    ['limits.cpu', undefined, '1'],
    ['limits.cpu', '1m', '500'],
    ['requests.cpu', '1m', '250'],
    ['limits.memory', '1Mi', '64'],
    ['limits.memory', undefined, String(64 * 1024 * 1024)],
    ['requests.memory', undefined, '0'],
  ])('resourceFieldRef %s / %s', async (resource, divisor, want) => {
    const ref = { resource, ...(divisor ? { divisor } : {}) };
    const c = { resources: pod.spec?.containers[0]?.resources ?? {}, env: [{ name: 'R', valueFrom: { resourceFieldRef: ref } }] };
    expect((await env(c))['R']).toBe(want);
  });

  it('uses node allocatable for limits a container does not set', async () => {
    expect((await env({ env: [{ name: 'R', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Gi' } } }] }))['R']).toBe('4');
  });

  it('resolves configMapKeyRef and secretKeyRef', async () => {
    const e = await env({
      env: [
        { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'mode' } } },
        { name: 'PW', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
        { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } },
        { name: 'OPTKEY', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'missing', optional: true } } },
      ],
    });
    expect(e['MODE']).toBe('prod');
    expect(e['PW']).toBe('s3cret');
    expect('OPT' in e).toBe(false);
    expect('OPTKEY' in e).toBe(false);
  });

  it.each([
    [{ configMapKeyRef: { name: 'x', key: 'k' } }, 'configmap "x" not found'],
    [{ configMapKeyRef: { name: 'cfg', key: 'k' } }, "couldn't find key k in ConfigMap app/cfg"],
    [{ secretKeyRef: { name: 'x', key: 'k' } }, 'secret "x" not found'],
    [{ secretKeyRef: { name: 'sec', key: 'k' } }, "couldn't find key k in Secret app/sec"],
    [{ fieldRef: { fieldPath: 'spec.bogus' } }, 'unsupported fieldPath: spec.bogus'],
  ])('fails with upstream message for %j', async (valueFrom, message) => {
    const err = await env({ env: [{ name: 'X', valueFrom }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContainerConfigError);
    expect((err as ContainerConfigError).message).toBe(message);
    expect((err as ContainerConfigError).reason).toBe('CreateContainerConfigError');
  });

  it('envFrom with prefix, skipping invalid names with a warning, and env overriding it', async () => {
    const warnings: string[] = [];
    const e = await env(
      {
        envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'sec' } }, { configMapRef: { name: 'absent', optional: true } }],
        env: [{ name: 'CFG_level', value: 'info' }],
      },
      pod,
      (reason, m) => warnings.push(`${reason}: ${m}`),
    );
    expect(e['CFG_mode']).toBe('prod');
    expect(e['CFG_level']).toBe('info');
    expect(e['password']).toBe('s3cret');
    expect(warnings).toEqual([
      'InvalidEnvironmentVariableNames: Keys [CFG_bad=key] from the EnvFrom configMap app/cfg were skipped since they are considered invalid environment variable names.',
    ]);
    await expect(env({ envFrom: [{ configMapRef: { name: 'absent' } }] })).rejects.toThrow('configmap "absent" not found');
  });

  it('expands $(VAR) against earlier and service variables only', async () => {
    const e = await env({
      env: [
        { name: 'A', value: 'a' },
        { name: 'B', value: '$(A)-$(C)-$(MY_DB_SERVICE_HOST)-$$(A)' },
        { name: 'C', value: 'c' },
      ],
    });
    expect(e['B']).toBe('a-$(C)-10.96.0.20-$(A)');
  });

  it('adds service links for the namespace and kubernetes from default', async () => {
    const e = await env({});
    expect(e).toMatchObject({
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
      MY_DB_SERVICE_HOST: '10.96.0.20',
      MY_DB_SERVICE_PORT_SQL: '5432',
      MY_DB_PORT_5432_TCP: 'tcp://10.96.0.20:5432',
    });
    expect(Object.keys(e).some((k) => k.startsWith('OTHER_') || k.startsWith('HEADLESS_'))).toBe(false);
  });

  it('keeps only the kubernetes service without enableServiceLinks', async () => {
    const e = await env({}, { ...pod, spec: { ...pod.spec, containers: pod.spec?.containers ?? [], enableServiceLinks: false } });
    expect(e['KUBERNETES_SERVICE_HOST']).toBe('10.96.0.1');
    expect('MY_DB_SERVICE_HOST' in e).toBe(false);
  });

  it('does not let service variables override declared ones', async () => {
    const e = await env({ env: [{ name: 'MY_DB_SERVICE_HOST', value: 'mine' }] });
    expect(e['MY_DB_SERVICE_HOST']).toBe('mine');
  });
});

describe('serviceEnv', () => {
  it('renders UDP ports and IPv6 hosts', () => {
    const out = serviceEnv([{ metadata: { name: 'dns' }, spec: { clusterIP: 'fd00::a', ports: [{ port: 53, protocol: 'UDP' }] } }]);
    expect(out).toContainEqual({ name: 'DNS_PORT', value: 'udp://[fd00::a]:53' });
    expect(out).toContainEqual({ name: 'DNS_PORT_53_UDP_PROTO', value: 'udp' });
  });
});

describe('expandCommand', () => {
  const env = [{ name: 'GREETING', value: 'hello' }];
  it.each([
    [{}, ['/ep'], ['cmd'], ['/ep', 'cmd']],
    [{ command: ['/bin/echo', '$(GREETING)'] }, ['/ep'], ['cmd'], ['/bin/echo', 'hello']],
    [{ args: ['$(GREETING)', '$$(GREETING)'] }, ['/ep'], ['cmd'], ['/ep', 'hello', '$(GREETING)']],
    [{ command: ['/x'], args: ['y'] }, ['/ep'], ['cmd'], ['/x', 'y']],
  ])('%j', (c, entrypoint, cmd, want) => {
    expect(expandCommand({ name: 'c', ...c }, { entrypoint, cmd }, env)).toEqual(want);
  });
});
