import { newInvalid } from '@nanokube/api';
import { describe, expect, it } from 'vitest';
import { messages, runCreate, runUpdate, testContext } from '../../shared/testing.js';
import { pods } from './index.js';

const minimalPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default' },
  spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] },
};

describe('pods defaults', () => {
  it('stores what a real cluster shows for a minimal pod', () => {
    const { obj, errors } = runCreate(pods, minimalPod);
    expect(errors).toEqual([]);
    expect(obj['spec']).toEqual({
      containers: [
        {
          name: 'web',
          image: 'nginx',
          imagePullPolicy: 'Always',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      serviceAccount: 'default',
      serviceAccountName: 'default',
      terminationGracePeriodSeconds: 30,
      tolerations: [
        { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 300 },
        { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 300 },
      ],
    });
    expect(obj['status']).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });

  it.each([
    { image: 'nginx', want: 'Always' },
    { image: 'nginx:latest', want: 'Always' },
    { image: 'nginx:1.25', want: 'IfNotPresent' },
    { image: 'localhost:5000/app', want: 'Always' },
    { image: 'localhost:5000/app:v1', want: 'IfNotPresent' },
    { image: 'nginx@sha256:abc', want: 'IfNotPresent' },
  ])('defaults imagePullPolicy of $image to $want', ({ image, want }) => {
    const { obj } = runCreate(pods, { ...minimalPod, spec: { containers: [{ name: 'c', image }] } });
    expect((obj['spec'] as { containers: { imagePullPolicy: string }[] }).containers[0]?.imagePullPolicy).toBe(want);
  });

  it('defaults probes, volumes and requests from limits', () => {
    const { obj } = runCreate(pods, {
      metadata: { name: 'p', namespace: 'default' },
      spec: {
        containers: [
          {
            name: 'c',
            image: 'busybox:1.36',
            livenessProbe: { httpGet: { port: 8080 } },
            resources: { limits: { cpu: '1', memory: '1Gi' } },
            volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }, { name: 'scratch', mountPath: '/tmp' }],
          },
        ],
        volumes: [{ name: 'cfg', configMap: { name: 'cfg' } }, { name: 'scratch' }],
      },
    });
    const spec = obj['spec'] as Record<string, any>;
    expect(spec['containers'][0].livenessProbe).toEqual({
      httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(spec['containers'][0].resources.requests).toEqual({ cpu: '1', memory: '1Gi' });
    expect(spec['volumes']).toEqual([
      { name: 'cfg', configMap: { name: 'cfg', defaultMode: 420 } },
      { name: 'scratch', emptyDir: {} },
    ]);
    expect(obj['status']).toEqual({ phase: 'Pending', qosClass: 'Guaranteed' });
  });
});

describe('pods validation', () => {
  it.each([
    {
      name: 'no containers',
      spec: { containers: [] },
      want: ['spec.containers: Required value'],
    },
    {
      name: 'missing image and bad name',
      spec: { containers: [{ name: 'Web' }] },
      want: [
        "spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        'spec.containers[0].image: Required value',
      ],
    },
    {
      name: 'duplicate container names and a bad port',
      spec: { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 70000 }] }, { name: 'a', image: 'x' }] },
      want: [
        'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
        'spec.containers[1].name: Duplicate value: "a"',
      ],
    },
    {
      name: 'unknown restart policy',
      spec: { restartPolicy: 'Sometimes', containers: [{ name: 'a', image: 'x' }] },
      want: ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
    },
    {
      name: 'mount of a missing volume',
      spec: { containers: [{ name: 'a', image: 'x', volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
      want: ['spec.containers[0].volumeMounts[0].name: Not found: "data"'],
    },
    {
      name: 'requests above limits',
      spec: { containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] },
      want: ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
    },
    {
      name: 'bad quantity',
      spec: { containers: [{ name: 'a', image: 'x', resources: { limits: { memory: '1GB' } } }] },
      want: [
        "spec.containers[0].resources.limits[memory]: Invalid value: \"1GB\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
      ],
    },
  ])('rejects $name', ({ spec, want }) => {
    const { errors } = runCreate(pods, { metadata: { name: 'p', namespace: 'default' }, spec });
    expect(messages(errors)).toEqual(want);
  });

  it('renders the kubectl message through newInvalid', () => {
    const { errors } = runCreate(pods, { metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'a' }] } });
    expect(newInvalid({ group: '', kind: 'Pod' }, 'p', errors).message).toBe('Pod "p" is invalid: spec.containers[0].image: Required value');
  });

  it('allows an image change and forbids other spec changes on update', () => {
    const { obj: stored } = runCreate(pods, minimalPod);
    const imageChange = structuredClone(stored) as any;
    imageChange.spec.containers[0].image = 'nginx:1.27';
    expect(runUpdate(pods, imageChange, stored).errors).toEqual([]);
    const portChange = structuredClone(stored) as any;
    portChange.spec.containers[0].ports[0].containerPort = 81;
    expect(messages(runUpdate(pods, portChange, stored).errors)[0]).toMatch(/^spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);
  });

  it('keeps status on a main-endpoint update and spec on a status update', () => {
    const { obj: stored } = runCreate(pods, minimalPod);
    const upd = structuredClone(stored) as any;
    upd.status = { phase: 'Running' };
    expect(runUpdate(pods, upd, stored).obj['status']).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    const st = structuredClone(stored) as any;
    st.status = { phase: 'Running' };
    st.spec.nodeName = 'elsewhere';
    pods.statusStrategy?.prepareForUpdate(testContext(), st, stored);
    expect(st.status).toEqual({ phase: 'Running' });
    expect(st.spec.nodeName).toBeUndefined();
  });

  it('deletes unscheduled pods at once and scheduled ones gracefully', () => {
    const { obj } = runCreate(pods, minimalPod);
    expect(pods.strategy.gracefulDeleteSeconds?.(obj, undefined)).toBe(0);
    (obj['spec'] as any).nodeName = 'node-1';
    expect(pods.strategy.gracefulDeleteSeconds?.(obj, undefined)).toBe(30);
    expect(pods.strategy.gracefulDeleteSeconds?.(obj, 5)).toBe(5);
  });
});

const now = new Date('2024-05-01T12:00:00Z');
const created = '2024-05-01T11:55:00Z';

function podWith(status: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    metadata: { name: 'web', namespace: 'default', creationTimestamp: created, ...extra },
    spec: { containers: [{ name: 'web', image: 'nginx' }], nodeName: 'worker01' },
    status,
  };
}

describe('pods table', () => {
  it.each([
    {
      name: 'a running ready pod',
      pod: podWith({ phase: 'Running', podIPs: [{ ip: '10.244.1.5' }], containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: { running: {} } }] }),
      want: ['web', '1/1', 'Running', '0', '5m', '10.244.1.5', 'worker01', '<none>', '<none>'],
    },
    {
      name: 'a crash-looping container',
      pod: podWith({
        phase: 'Running',
        containerStatuses: [
          {
            name: 'web',
            ready: false,
            restartCount: 5,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, finishedAt: '2024-05-01T11:59:30Z' } },
          },
        ],
      }),
      want: ['web', '0/1', 'CrashLoopBackOff', '5 (30s ago)', '5m', '<none>', 'worker01', '<none>', '<none>'],
    },
    {
      name: 'a pod waiting for its container',
      pod: podWith({ phase: 'Pending', containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] }),
      want: ['web', '0/1', 'ContainerCreating', '0', '5m', '<none>', 'worker01', '<none>', '<none>'],
    },
    {
      name: 'a completed pod',
      pod: podWith({ phase: 'Succeeded', containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }),
      want: ['web', '0/1', 'Completed', '0', '5m', '<none>', 'worker01', '<none>', '<none>'],
    },
    {
      name: 'a terminating pod',
      pod: podWith({ phase: 'Running', containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: { running: {} } }] }, { deletionTimestamp: '2024-05-01T11:59:50Z' }),
      want: ['web', '1/1', 'Terminating', '0', '5m', '<none>', 'worker01', '<none>', '<none>'],
    },
    {
      name: 'a pending unscheduled pod',
      pod: { metadata: { name: 'web', creationTimestamp: created }, spec: { containers: [{ name: 'web', image: 'nginx' }] }, status: { phase: 'Pending' } },
      want: ['web', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>'],
    },
  ])('renders $name', ({ pod, want }) => {
    expect(pods.table.row(pod as never, now)).toEqual(want);
  });

  it('shows Init:0/1 while an init container runs', () => {
    const pod = {
      metadata: { name: 'web', creationTimestamp: created },
      spec: { initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'web', image: 'nginx' }] },
      status: {
        phase: 'Pending',
        initContainerStatuses: [{ name: 'init', ready: false, restartCount: 0, state: { running: {} } }],
        containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      },
    };
    expect(pods.table.row(pod as never, now).slice(0, 3)).toEqual(['web', '0/1', 'Init:0/1']);
  });

  it('has upstream column names and wide priorities', () => {
    expect(pods.table.columns.map((c) => `${c.name}:${c.priority}`)).toEqual([
      'Name:0', 'Ready:0', 'Status:0', 'Restarts:0', 'Age:0', 'IP:1', 'Node:1', 'Nominated Node:1', 'Readiness Gates:1',
    ]);
  });
});
