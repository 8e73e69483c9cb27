/**
 * Authentication and authorization of the kubelet server's clients. Like a kubelet started with
 * `--client-ca-file` and `--anonymous-auth=false`, every path but the health checks needs a client
 * certificate signed by the cluster CA. Authorization is a simple fixed rule instead of upstream's
 * SubjectAccessReview of `nodes/proxy`, `nodes/stats`, ...: only cluster administrators — the apiserver's
 * `apiserver-kubelet-client` identity (O `system:masters`) or O `kubeadm:cluster-admins` — may use the API.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/** Paths served to anyone, even without a client certificate. */
const publicPaths = new Set(['/healthz', '/healthz/ping', '/livez']);

/** Groups whose members may use every kubelet endpoint. */
export const kubeletAdminGroups: readonly string[] = ['system:masters', 'kubeadm:cluster-admins'];

/** The user name of the apiserver's kubelet client certificate, allowed whatever its groups. */
export const apiserverKubeletClientUser = 'kube-apiserver-kubelet-client';

/** The identity in a verified client certificate: CN is the user, each O a group. */
export interface KubeletClientIdentity {
  user: string;
  groups: string[];
}

/** A refusal: 401 when the client did not authenticate, 403 when it may not use the path. */
export interface KubeletAuthDenial {
  code: 401 | 403;
  message: string;
}

function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** clientIdentity returns the identity of the request's verified client certificate, if any. */
export function clientIdentity(req: IncomingMessage): KubeletClientIdentity | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  const subject = cert.subject as Record<string, string | string[] | undefined> | undefined;
  if (!subject) return undefined;
  const user = asList(subject['CN'])[0];
  if (!user) return undefined;
  return { user, groups: asList(subject['O']) };
}

/** authorizeKubeletRequest decides whether the request may go on; undefined means it may. */
export function authorizeKubeletRequest(req: IncomingMessage): KubeletAuthDenial | undefined {
  const path = new URL(req.url ?? '/', 'https://kubelet').pathname;
  if (publicPaths.has(path)) return undefined;
  const who = clientIdentity(req);
  if (!who) return { code: 401, message: 'Unauthorized' };
  if (who.user === apiserverKubeletClientUser || who.groups.some((g) => kubeletAdminGroups.includes(g))) return undefined;
  const subresource = path.startsWith('/stats') ? 'stats' : path.startsWith('/containerLogs') || path.startsWith('/logs') ? 'log' : 'proxy';
  const verb = req.method === 'GET' || req.method === 'HEAD' ? 'get' : 'create';
  return { code: 403, message: `Forbidden (user=${who.user}, verb=${verb}, resource=nodes, subresource=${subresource})` };
}
