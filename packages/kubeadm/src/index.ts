/**
 * kubeadm's node bootstrap for nanokube: bootstrap tokens (`nanokube token`), cluster-info
 * publication and its JWS signing (the bootstrap signer's reconcile step, for the
 * controller-manager), token discovery and kubelet TLS bootstrap (`nanokube join`), and `reset`.
 */
export * from './token/bootstrap-token.js';
export { parseGoDuration, formatGoDuration } from './token/duration.js';
export { computeDetachedSignature, verifyDetachedSignature } from './discovery/jws.js';
export {
  clusterInfoConfigMap,
  clusterInfoKubeconfig,
  clusterInfoName,
  clusterInfoNamespace,
  DiscoveryError,
  jwsKeyPrefix,
  signClusterInfo,
  verifyClusterInfo,
} from './discovery/cluster-info.js';
export type { DiscoveredCluster } from './discovery/cluster-info.js';
export { createTokenSecret, deleteTokenSecret, ensureClusterInfo, joinCommand, listTokenSecrets, syncClusterInfo } from './discovery/upload.js';
export { discover, joinNode } from './join/join.js';
export type { JoinOptions } from './join/join.js';
export { kubeletClientSigner, requestNodeClientCertificate } from './join/tls-bootstrap.js';
export { setupBootstrapToken } from './init.js';
export type { BootstrapTokenSetup } from './init.js';
export { tokenVerb } from './verbs/token.js';
export { joinVerb } from './verbs/join.js';
export { resetVerb, resetNode } from './verbs/reset.js';
