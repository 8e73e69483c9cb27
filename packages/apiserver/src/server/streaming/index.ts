/**
 * The apiserver's streaming subresources of pods: log, exec, attach and portforward, proxied to the pod's
 * kubelet (wire contract §8.12 and §12). Install with `subresourceHandlers: streamingHandlers(...)` and
 * `enableUpgrades(app)` (WebSocket and SPDY upgrades reach the routes only with the latter).
 */
import type { Logger } from '@nanokube/component-base';
import { newMethodNotSupported } from '@nanokube/api';
import type { SubresourceHandler } from '../resource-handler.js';
import type { KubeletClientConfig } from './kubelet-client.js';
import { serveLogs } from './logs.js';
import { servePortForward } from './portforward.js';
import { serveRemoteCommand } from './remote-command.js';

export { enableUpgrades } from './upgrade.js';
export type { KubeletClientConfig } from './kubelet-client.js';

/** streamingHandlers returns the handlers of pods/log, pods/exec, pods/attach and pods/portforward. */
export function streamingHandlers(opts: { kubeletClient: KubeletClientConfig; logger: Logger }): Partial<Record<string, SubresourceHandler>> {
  const cfg = opts.kubeletClient;
  const onlyPods = (h: SubresourceHandler): SubresourceHandler => async (r) => {
    if (r.def.group !== '' || r.def.resource !== 'pods') throw newMethodNotSupported({ group: r.def.group, resource: `${r.def.resource}/${r.info.subresource}` }, r.info.verb);
    return h(r);
  };
  return {
    log: onlyPods((r) => serveLogs(r, cfg)),
    exec: onlyPods((r) => serveRemoteCommand(r, 'exec', cfg)),
    attach: onlyPods((r) => serveRemoteCommand(r, 'attach', cfg)),
    portforward: onlyPods((r) => servePortForward(r, cfg, opts.logger)),
  };
}
