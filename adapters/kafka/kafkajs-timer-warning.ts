/**
 * kafkajs 2.2.4 arms a timer with a negative delay each time its request queue empties
 * (`requestQueue/index.js`, `throttledUntil - Date.now()` with nothing throttled). Node 24 warns
 * about that once per process with a TimeoutNegativeWarning, then waits 1 ms, which is what the
 * client meant. The warning names nothing an operator can act on, so it is dropped here and every
 * other warning goes to Node's own handlers as before.
 */
let installed = false;

export function dropKafkajsTimerWarning(): void {
  if (installed) return;
  installed = true;
  const handlers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'TimeoutNegativeWarning' && warning.stack?.includes('kafkajs')) return;
    for (const handler of handlers) handler(warning);
  });
}
