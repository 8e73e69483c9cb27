/**
 * The store server: nanokube's etcd. An MVCC key-value store on LevelDB serving etcd's v3 JSON
 * gateway, so one client library talks to it and to a real etcd alike. Names exported here are
 * prefixed or specific enough not to collide with the client's (./client) in the package index.
 */
export { storeVerb, snapshotVerb, saveSnapshot as saveStoreSnapshot } from './verb.js';
export { startStoreServer, type StoreServer, type StoreServerOptions } from './server.js';
export { StoreEngine, type StoreEngineOptions } from './engine.js';
export { buildStoreApp, type StoreApp, type StoreAppOptions } from './http/app.js';
export { restoreSnapshot as restoreStoreSnapshot } from './snapshot/restore.js';
export type { Clock as StoreClock } from './clock.js';
