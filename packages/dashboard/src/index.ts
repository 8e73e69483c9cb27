export { dashboardVerb, parseListen } from './verb.js';
export { buildDashboard, defaultAcceptHosts, defaultStaticDir, hostName, type DashboardOptions } from './server.js';
export { isProxiedPath, newApiProxy, registerApiProxy, type ApiProxy } from './api-proxy.js';
export { maxMuxedWatches, registerWatchMux } from './watch-mux.js';
