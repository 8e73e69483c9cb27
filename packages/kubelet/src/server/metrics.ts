/** The kubelet server's `/metrics` route (upstream's `nodes/metrics` subresource, authorized as such). */
import type { ServerResponse } from 'node:http';
import type { Kubelet } from '../kubelet.js';
import { kubeletMetricsFor } from '../metrics/index.js';

/** serveKubeletMetrics writes the Prometheus text exposition of the kubelet's metrics. */
export async function serveKubeletMetrics(kubelet: Kubelet, res: ServerResponse): Promise<void> {
  const { contentType, body } = await kubeletMetricsFor(kubelet).render();
  res.writeHead(200, { 'content-type': contentType }).end(body);
}
