/** `nanokube join HOST:PORT --token T --discovery-token-ca-cert-hash sha256:H`, as `kubeadm join`. */
import { hostname } from 'node:os';
import { parseFlags, stringFlag, UsageError, type Verb } from '@nanokube/component-base';
import { DiscoveryError } from '../discovery/cluster-info.js';
import { joinNode } from '../join/join.js';
import { parseToken } from '../token/bootstrap-token.js';
import { parseGoDuration } from '../token/duration.js';

const flags = {
  token: { type: 'string' as const, description: 'Use this token for both discovery-token and tls-bootstrap-token when those values are not provided' },
  'discovery-token': { type: 'string' as const, description: 'For token-based discovery, the token used to validate cluster information fetched from the API server' },
  'tls-bootstrap-token': { type: 'string' as const, description: 'The token used to temporarily authenticate with the control plane while joining the node' },
  'discovery-token-ca-cert-hash': { type: 'string' as const, multiple: true, description: 'For token-based discovery, validate that the root CA public key matches this hash (format: "sha256:<hex>")' },
  'discovery-token-unsafe-skip-ca-verification': { type: 'boolean' as const, description: 'For token-based discovery, allow joining without --discovery-token-ca-cert-hash pinning' },
  'node-name': { type: 'string' as const, description: 'Specify the node name (default: the host name)' },
  dir: { type: 'string' as const, description: 'Folder for kubelet.conf and pki/ca.crt (kubeadm: /etc/kubernetes)', default: '/etc/kubernetes' },
  timeout: { type: 'string' as const, description: 'How long to wait for the kubelet client certificate', default: '5m0s' },
};

/** joinVerb is `nanokube join`. */
export const joinVerb: Verb = {
  name: 'join',
  summary: 'Join this machine to a cluster as a worker node (kubeadm join)',
  usage: 'nanokube join HOST:PORT --token TOKEN --discovery-token-ca-cert-hash sha256:HASH [--node-name NAME] [--dir DIR]',
  flags,
  positionals: true,
  async run(argv) {
    const f = parseFlags(argv, flags, true);
    const [endpoint, ...extra] = f.positionals;
    if (!endpoint || extra.length) throw new UsageError('expected exactly one argument: the apiserver endpoint HOST:PORT');
    const token = stringFlag(f, 'token');
    const discoveryToken = stringFlag(f, 'discovery-token') ?? token;
    const tlsToken = stringFlag(f, 'tls-bootstrap-token') ?? token;
    if (!discoveryToken || !tlsToken) throw new UsageError('flag --token (or --discovery-token and --tls-bootstrap-token) is required');
    if (discoveryToken !== tlsToken) throw new UsageError('nanokube uses one token for discovery and TLS bootstrap; --discovery-token and --tls-bootstrap-token must match');
    try {
      parseToken(discoveryToken);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    let timeoutMs: number;
    try {
      timeoutMs = parseGoDuration(stringFlag(f, 'timeout') ?? '5m');
    } catch (err) {
      throw new UsageError(`--timeout: ${(err as Error).message}`);
    }
    const hashes = (f.values['discovery-token-ca-cert-hash'] as string[] | undefined) ?? [];
    const out = (line: string): void => void process.stdout.write(line + '\n');
    try {
      await joinNode({
        apiServerEndpoint: endpoint,
        token: discoveryToken,
        caCertHashes: hashes,
        unsafeSkipCAVerification: f.values['discovery-token-unsafe-skip-ca-verification'] === true,
        nodeName: (stringFlag(f, 'node-name') ?? hostname()).toLowerCase(),
        dir: stringFlag(f, 'dir') ?? '/etc/kubernetes',
        timeoutMs,
        out,
      });
    } catch (err) {
      const msg = (err as Error).message;
      if (err instanceof DiscoveryError) process.stderr.write(`error execution phase preflight: couldn't validate the identity of the API Server: ${msg}\n`);
      else process.stderr.write(`error execution phase kubelet-start: ${msg}\n`);
      return 1;
    }
    out('');
    out('This node has joined the cluster:');
    out('* Certificate signing request was sent to apiserver and a response was received.');
    out('* The Kubelet was informed of the new secure connection details.');
    out('');
    out("Run 'kubectl get nodes' on the control-plane to see this node join the cluster.");
    return 0;
  },
};
