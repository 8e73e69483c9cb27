export { PayloadError, validatePayloadPath, writeAtomic, type Payload, type PayloadFile } from './atomic-writer.js';
export { checkHostPathType, HostPathTypeError, type HostPathType } from './hostpath.js';
export { VolumeError, VolumeManager, type MountedVolume, type PodVolumes, type VolumeManagerOptions } from './manager.js';
export { ApiPodSources, type IssuedToken, type PodSources, type TokenRequestSpec } from './sources.js';
