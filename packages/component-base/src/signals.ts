/**
 * shutdownSignal returns an AbortSignal that fires on the first SIGINT or SIGTERM. A second signal
 * exits at once, so a stuck shutdown can always be interrupted by the person at the terminal.
 */
export function shutdownSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(sig === 'SIGINT' ? 130 : 143);
    controller.abort(new Error(`received ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
