import type { Verb } from '@nanokube/component-base';

/**
 * verbLoaders lists every `nanokube` verb. Each is loaded lazily so that `nanokube store` does not
 * pay for loading the apiserver, and so each component process holds only its own code.
 */
export const verbLoaders: Record<string, () => Promise<Verb>> = {
  store: async () => (await import('@nanokube/store')).storeVerb,
  snapshot: async () => (await import('@nanokube/store')).snapshotVerb,
  init: async () => (await import('@nanokube/pki')).initVerb,
  kubeconfig: async () => (await import('@nanokube/pki')).kubeconfigVerb,
  apiserver: async () => (await import('@nanokube/apiserver')).apiserverVerb,
  'controller-manager': async () => (await import('@nanokube/controller-manager')).controllerManagerVerb,
  token: async () => (await import('@nanokube/kubeadm')).tokenVerb,
  join: async () => (await import('@nanokube/kubeadm')).joinVerb,
  reset: async () => (await import('@nanokube/kubeadm')).resetVerb,
  image: async () => (await import('@nanokube/kubelet')).imageVerb,
  lab: async () => (await import('@nanokube/lab')).labVerb,
  proxy: async () => (await import('@nanokube/proxy')).proxyVerb,
  dns: async () => (await import('@nanokube/dns')).dnsVerb,
  dashboard: async () => (await import('@nanokube/dashboard')).dashboardVerb,
  kubelet: async () => (await import('@nanokube/kubelet')).kubeletVerb,
  scheduler: async () => (await import('@nanokube/scheduler')).schedulerVerb,
  up: async () => (await import('@nanokube/launcher')).upVerb,
};
