/**
 * probeGrpc runs the standard gRPC health check (`grpc.health.v1.Health/Check`) over cleartext HTTP/2, as
 * upstream's gRPC probe does: SERVING succeeds; any other status, a gRPC error or no connection fails with
 * upstream's wording (`service unhealthy (responded with "NOT_SERVING")`).
 */
import { connect } from 'node:http2';
import { hostPort, type ProbeOutcome } from './runners.js';

const statuses = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

/** encodeRequest frames a HealthCheckRequest { string service = 1 }. */
function encodeRequest(service: string): Buffer {
  const svc = Buffer.from(service);
  const msg = svc.length ? Buffer.concat([Buffer.from([0x0a, svc.length]), svc]) : Buffer.alloc(0);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

/** decodeStatus reads HealthCheckResponse.status (field 1, varint) from one gRPC message frame. */
function decodeStatus(frame: Buffer): number {
  const msg = frame.subarray(5, 5 + frame.readUInt32BE(1));
  for (let i = 0; i < msg.length; ) {
    const key = msg[i++] ?? 0;
    if (key === 0x08) return msg[i] ?? 0;
    if ((key & 7) === 0) while ((msg[i++] ?? 0) & 0x80);
    else if ((key & 7) === 2) i += (msg[i] ?? 0) + 1;
    else break;
  }
  return 0;
}

/** probeGrpc checks `service` (empty = the server overall) at host:port. */
export function probeGrpc(host: string, port: number, service: string, timeoutMs: number): Promise<ProbeOutcome> {
  const target = hostPort(host, port);
  return new Promise((resolve) => {
    let done = false;
    const session = connect(`http://${target}`);
    const finish = (o: ProbeOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      session.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ result: 'failure', message: `timeout: health rpc did not complete within ${timeoutMs / 1000}s` }), timeoutMs);
    session.on('error', () => finish({ result: 'failure', message: `timeout: failed to connect service "${target}" within ${timeoutMs / 1000}s` }));
    const req = session.request({ ':method': 'POST', ':path': '/grpc.health.v1.Health/Check', 'content-type': 'application/grpc', te: 'trailers', 'user-agent': 'kube-probe/1.31' });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    req.on('response', (headers) => {
      if (headers['grpc-status'] !== undefined) grpcStatus = String(headers['grpc-status']);
    });
    req.on('trailers', (trailers) => {
      grpcStatus = String(trailers['grpc-status'] ?? grpcStatus ?? '');
      grpcMessage = String(trailers['grpc-message'] ?? '');
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (err) => finish({ result: 'failure', message: `error: health rpc failed: ${err.message}` }));
    req.on('end', () => {
      if (grpcStatus !== '0') {
        finish({ result: 'failure', message: `error: health rpc probe failed: rpc error: code = ${grpcStatus ?? 'Unknown'} desc = ${grpcMessage}` });
        return;
      }
      const body = Buffer.concat(chunks);
      const status = body.length >= 5 ? decodeStatus(body) : 0;
      if (status === 1) finish({ result: 'success', message: '' });
      else finish({ result: 'failure', message: `service unhealthy (responded with "${statuses[status] ?? String(status)}")` });
    });
    req.end(encodeRequest(service));
  });
}
