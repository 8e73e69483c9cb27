export { controllerManagerVerb } from './verb.js';
export {
  createControllerManager,
  leaseName,
  leaseNamespace,
  type ControllerManager,
  type ControllerManagerDeps,
} from './manager.js';
export { enabledDescriptors, newControllerDescriptors, unknownControllers } from './descriptors.js';
export { controllerManagerFlags, defaultOptions, parseControllerManagerArgs, parseDuration, type LeaderElectionTiming } from './options.js';
export type {
  ConcurrentSyncs,
  Controller,
  ControllerContext,
  ControllerDescriptor,
  ControllerManagerOptions,
  HorizontalPodAutoscalerOptions,
} from './shared/index.js';
