import { loadKubeconfig } from '@nanokube/pki';

/** How to reach and authenticate to an apiserver. */
export interface ClientConfig {
  /** `https://host:port`. */
  server: string;
  /** The cluster CA; absent means the system roots. */
  caPem?: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  /** Bearer token (service-account or bootstrap token). */
  token?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  /** Sent as User-Agent; upstream components send `<component>/<version>`. */
  userAgent?: string;
  /** Namespace of the kubeconfig's context, `default` otherwise. */
  namespace?: string;
  /** Most connections kept to the apiserver (default 64); each open watch holds one. */
  maxConnections?: number;
}

/** configFromKubeconfig loads a kubeconfig file's current (or named) context into a ClientConfig. */
export async function configFromKubeconfig(path: string, opts: { context?: string; userAgent?: string } = {}): Promise<ClientConfig> {
  const kc = await loadKubeconfig(path, opts.context === undefined ? {} : { context: opts.context });
  return {
    server: kc.server,
    ...(kc.caPem !== undefined ? { caPem: kc.caPem } : {}),
    ...(kc.clientCertPem !== undefined ? { clientCertPem: kc.clientCertPem } : {}),
    ...(kc.clientKeyPem !== undefined ? { clientKeyPem: kc.clientKeyPem } : {}),
    ...(kc.token !== undefined ? { token: kc.token } : {}),
    ...(kc.tlsServerName !== undefined ? { tlsServerName: kc.tlsServerName } : {}),
    insecureSkipTlsVerify: kc.insecureSkipTlsVerify,
    namespace: kc.namespace,
    ...(opts.userAgent !== undefined ? { userAgent: opts.userAgent } : {}),
  };
}
