/** Wiring of the serving certificate manager into a kubelet process (`--rotate-server-certificates`). */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { ResourceClient, resources, type RestClient } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import { ServingCertificateManager } from './manager.js';
import { ServingCertificateStore } from './store.js';

/** Options of {@link newKubeletServingCertificateManager}. */
export interface KubeletServingOptions {
  /** The kubelet's client: requests are made with its own credentials (`system:node:<name>`). */
  rest: RestClient;
  nodeName: string;
  nodeIp: string;
  /** The pki folder (`--cert-dir`) holding `kubelet-server-current.pem`. */
  certDir: string;
  log: Logger;
  /** True once the Node is registered; requests wait for it so an approver can check the addresses. */
  registered: () => boolean;
}

/** newKubeletServingCertificateManager builds the manager of one node's serving certificate. */
export function newKubeletServingCertificateManager(opts: KubeletServingOptions): ServingCertificateManager {
  return new ServingCertificateManager({
    nodeName: opts.nodeName,
    addresses: () => [opts.nodeIp],
    csrs: new ResourceClient<CertificateSigningRequest>(opts.rest, resources.certificatesigningrequests),
    store: new ServingCertificateStore(opts.certDir),
    log: opts.log.child({ node: opts.nodeName }),
    ready: async (signal) => {
      // Registration is bounded by the kubelet's own retry loop; poll it briefly rather than plumb an event.
      while (!opts.registered() && !signal.aborted) await new Promise((r) => setTimeout(r, 200));
    },
  });
}
