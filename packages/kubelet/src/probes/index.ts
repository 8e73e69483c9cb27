export { resolvePort, runHandler, type HandlerAction, type HandlerTarget } from './handlers.js';
export { ProbeManager, type ProbeKind, type ProbeManagerOptions, type ProbeRecorder, type ProbeVerdict, type RunningContainer } from './manager.js';
export { hostPort, probeExec, probeHttp, probeTcp, type HttpProbeSpec, type ProbeOutcome } from './runners.js';
export { probeGrpc } from './grpc.js';
