/** The kubelet's serving certificate: request template, on-disk store and the rotating manager. */
export { ServingCertificateManager, rotationDeadline, type CSRClient, type ServingCertificateManagerOptions } from './manager.js';
export { ServingCertificateStore, currentFileName, splitPair } from './store.js';
export { coversTemplate, keyMatches, kubeletServingSigner, servingNames, servingTemplate, servingUsages, type ServingCertificateTemplate, type ServingNames } from './template.js';
export { newKubeletServingCertificateManager, type KubeletServingOptions } from './kubelet-serving.js';
