import { describe, expect, it } from 'vitest';
import { buildOciSpec, capabilitiesOf, defaultCapabilities, mergeEnv, resolveUser, resourcesOf, UserLookupError } from './oci-spec.js';
import { formatResolvConf, hostsFile, podDns } from './pod-files.js';

const passwd = 'root:x:0:0:root:/root:/bin/sh\nnginx:x:101:101::/:/bin/false\n';
const group = 'root:x:0:\nnginx:x:101:\nwww:x:33:nginx\n';

describe('resolveUser', () => {
  it('parses names, ids and groups as runc does', () => {
    expect(resolveUser({ passwd, group })).toEqual({ uid: 0, gid: 0, additionalGids: [] });
    expect(resolveUser({ imageUser: 'nginx', passwd, group })).toEqual({ uid: 101, gid: 101, additionalGids: [33] });
    expect(resolveUser({ imageUser: '1000:2000', passwd, group })).toEqual({ uid: 1000, gid: 2000, additionalGids: [] });
    expect(resolveUser({ imageUser: '101:www', passwd, group })).toEqual({ uid: 101, gid: 33, additionalGids: [] });
    expect(resolveUser({ imageUser: 'nginx', runAsUser: 5, runAsGroup: 6, supplementalGroups: [7], passwd, group })).toEqual({ uid: 5, gid: 6, additionalGids: [7] });
    expect(() => resolveUser({ imageUser: 'ghost', passwd, group })).toThrow(UserLookupError);
  });
});

describe('resources and env', () => {
  it('maps requests and limits to cgroup values', () => {
    expect(resourcesOf({ name: 'c', resources: { requests: { cpu: '250m' }, limits: { cpu: '1', memory: '64Mi' } } })).toEqual({
      cpuShares: 256, cpuQuota: 100_000, cpuPeriod: 100_000, memoryLimit: 64 << 20,
    });
    expect(resourcesOf({ name: 'c' })).toEqual({ cpuShares: 2 });
  });
  it('puts container env over image env', () => {
    expect(mergeEnv(['PATH=/bin', 'A=1'], [{ name: 'A', value: '2' }, { name: 'B', value: 'x=y' }])).toEqual(['PATH=/bin', 'A=2', 'B=x=y']);
  });
  it('applies capability add and drop', () => {
    expect(capabilitiesOf({ name: 'c' })).toEqual([...defaultCapabilities]);
    expect(capabilitiesOf({ name: 'c', securityContext: { capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } } })).toEqual(['CAP_NET_ADMIN']);
  });
});

describe('buildOciSpec', () => {
  const base = {
    argv: ['nginx', '-g', 'daemon off;'], env: ['PATH=/bin'], cwd: '', user: { uid: 0, gid: 0, additionalGids: [] },
    spec: { name: 'web' }, rootfs: '/b/rootfs', hostname: 'web', netnsPath: '/run/netns/nk-u1',
    podFiles: { hosts: '/p/etc-hosts', resolvConf: '/p/resolv.conf', hostname: '/p/hostname' },
    mounts: [{ containerPath: '/data', hostPath: '/v/data', readOnly: true }], cgroupsPath: '/nk/podu1/c1', resources: { cpuShares: 2 },
  };
  it('joins the pod network namespace and mounts the pod files and volumes', () => {
    const s = buildOciSpec(base);
    expect(s.linux.namespaces).toContainEqual({ type: 'network', path: '/run/netns/nk-u1' });
    expect(s.linux.namespaces.map((n) => n.type).sort()).toEqual(['ipc', 'mount', 'network', 'pid', 'uts']);
    expect(s.process.cwd).toBe('/');
    expect(s.hostname).toBe('web');
    const dests = s.mounts.map((m) => m.destination);
    expect(dests).toEqual(['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/sys/fs/cgroup', '/etc/hosts', '/etc/resolv.conf', '/etc/hostname', '/data']);
    expect(s.mounts.at(-1)).toEqual({ destination: '/data', type: 'bind', source: '/v/data', options: ['rbind', 'rprivate', 'ro'] });
    expect(s.linux.cgroupsPath).toBe('/nk/podu1/c1');
  });
  it('shares the host namespace for host-network pods', () => {
    const { netnsPath: _n, ...host } = base;
    const s = buildOciSpec(host);
    expect(s.linux.namespaces.map((n) => n.type)).toEqual(['pid', 'ipc', 'mount']);
    expect(s.hostname).toBeUndefined();
  });
});

describe('pod files', () => {
  const pod = { metadata: { name: 'web', namespace: 'ns1' }, spec: { containers: [], hostAliases: [{ ip: '1.2.3.4', hostnames: ['a', 'b'] }] } };
  it('writes the kubelet-managed hosts file', () => {
    const text = hostsFile(pod, '10.244.1.5', 'web', 'cluster.local');
    expect(text).toContain('# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n');
    expect(text).toContain('10.244.1.5\tweb\n');
    expect(text).toContain('# Entries added by HostAliases.\n1.2.3.4\ta\tb\n');
  });
  it('uses the cluster DNS for ClusterFirst and the host for Default', () => {
    const host = { nameservers: ['8.8.8.8'], searches: [], options: [] };
    expect(formatResolvConf(podDns(pod, { servers: ['10.96.0.10'], domain: 'cluster.local' }, host))).toBe(
      'nameserver 10.96.0.10\nsearch ns1.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n',
    );
    expect(podDns({ ...pod, spec: { containers: [], dnsPolicy: 'Default' } }, { servers: ['10.96.0.10'], domain: 'cluster.local' }, host).nameservers).toEqual(['8.8.8.8']);
  });
});
