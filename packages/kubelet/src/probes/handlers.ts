/**
 * runHandler runs one probe or lifecycle handler (exec, httpGet, tcpSocket, grpc) of a container and
 * resolves to its outcome. Named ports resolve against the container's `ports`; the HTTP and TCP host is
 * the probe's `host` or the pod IP. In `simulated` mode nothing listens on pod IPs, so network handlers
 * succeed without a connection; exec still goes through the runtime, whose built-in commands answer for
 * real (`false`, `sh -c 'exit 1'` fail) while commands it does not know (exit 127) count as success.
 */
import type { Container, ExecAction, GRPCAction, HTTPGetAction, TCPSocketAction } from 'kubernetes-types/core/v1.js';
import type { RuntimeService } from '../runtime/types.js';
import { probeGrpc } from './grpc.js';
import { probeExec, probeHttp, probeTcp, type ProbeOutcome } from './runners.js';

/** A probe's or lifecycle hook's action (the fields shared by Probe and LifecycleHandler). */
export interface HandlerAction {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  grpc?: GRPCAction;
}

/** Where and how a handler runs. */
export interface HandlerTarget {
  runtime: RuntimeService;
  container: Container;
  containerId: string;
  podIp: string;
  timeoutMs: number;
  /** Network handlers succeed without connecting (simulated runtime). */
  simulated: boolean;
}

/** resolvePort turns a number or a named container port into a port number. */
export function resolvePort(port: number | string, container: Container): number {
  if (typeof port === 'number') return port;
  const n = Number(port);
  if (/^\d+$/.test(port) && n > 0 && n < 65536) return n;
  const named = (container.ports ?? []).find((p) => p.name === port);
  if (!named) throw new Error(`couldn't find port: ${port} in container ${container.name}`);
  return named.containerPort;
}

/** runHandler runs one action; unsupported or unresolvable actions are `unknown` with the reason. */
export async function runHandler(action: HandlerAction, t: HandlerTarget): Promise<ProbeOutcome> {
  try {
    if (action.exec) {
      const out = await probeExec(t.runtime, t.containerId, action.exec.command ?? [], t.timeoutMs);
      // The simulated runtime knows a few commands (true, false, sh -c 'exit N', ...): their answers count,
      // anything else (127, not found) is taken as success so simulated pods with real-world probes run.
      if (t.simulated && out.exitCode === 127) return { result: 'success', message: '' };
      return out;
    }
    if (action.httpGet) {
      const h = action.httpGet;
      const port = resolvePort(h.port, t.container);
      if (t.simulated) return { result: 'success', message: '' };
      return await probeHttp({
        scheme: h.scheme === 'HTTPS' ? 'HTTPS' : 'HTTP',
        host: h.host || t.podIp,
        port,
        path: h.path ?? '/',
        headers: h.httpHeaders ?? [],
        timeoutMs: t.timeoutMs,
      });
    }
    if (action.tcpSocket) {
      const port = resolvePort(action.tcpSocket.port, t.container);
      if (t.simulated) return { result: 'success', message: '' };
      return await probeTcp(action.tcpSocket.host || t.podIp, port, t.timeoutMs);
    }
    if (action.grpc) {
      if (t.simulated) return { result: 'success', message: '' };
      return await probeGrpc(t.podIp, action.grpc.port, action.grpc.service ?? '', t.timeoutMs);
    }
    return { result: 'unknown', message: 'missing probe handler' };
  } catch (err) {
    return { result: 'unknown', message: (err as Error).message };
  }
}
