/**
 * HTTP upgrades (WebSocket, SPDY/3.1) through the normal fastify route, as @fastify/websocket does it:
 * Node hands an upgrade request to the server's `upgrade` event with the raw socket; we route it like any
 * request (authentication, authorization, RequestInfo all apply) with a ServerResponse bound to that socket,
 * so a handler either takes the socket over ({@link takeUpgrade}) or fails with an ordinary Status reply.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
}

const pending = new WeakMap<IncomingMessage, PendingUpgrade>();

/** enableUpgrades routes the server's upgrade requests through the app's routes. Call once after buildApp. */
export function enableUpgrades(app: FastifyInstance): void {
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    pending.set(req, { socket, head });
    socket.on('error', () => socket.destroy());
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    // A reply sent the ordinary way (an error Status) ends the connection: nothing was upgraded.
    res.on('finish', () => {
      if (pending.has(req)) socket.end();
    });
    app.routing(req, res);
  });
}

/** isUpgrade says whether the request arrived as an HTTP upgrade. */
export function isUpgrade(request: FastifyRequest): boolean {
  return pending.has(request.raw);
}

/**
 * takeUpgrade detaches the upgrade's socket from fastify (hijacking the reply) and returns it with the bytes
 * already read past the request head; undefined when the request was not an upgrade.
 */
export function takeUpgrade(request: FastifyRequest, reply: FastifyReply): PendingUpgrade | undefined {
  const up = pending.get(request.raw);
  if (!up) return undefined;
  pending.delete(request.raw);
  reply.hijack();
  const res = reply.raw;
  res.detachSocket(up.socket as Socket);
  return up;
}
