import { afterEach, describe, expect, it } from 'vitest';
import { dropKafkajsTimerWarning } from '../../adapters/kafka/kafkajs-timer-warning.js';

function warningFrom(name: string, frame: string): Error {
  const warning = new Error('-1796521606121 is a negative number.');
  warning.name = name;
  warning.stack = `${name}: ${warning.message}\n    at new Timeout (node:internal/timers:233:17)\n    at ${frame}`;
  return warning;
}

describe('the kafkajs timer warning', () => {
  const seen: Error[] = [];
  const record = (warning: Error) => seen.push(warning);
  afterEach(() => {
    process.removeListener('warning', record);
    seen.length = 0;
  });

  it('is dropped while every other warning reaches the handlers that were there before', () => {
    process.on('warning', record);
    dropKafkajsTimerWarning();
    dropKafkajsTimerWarning();

    const fromKafkajs = warningFrom(
      'TimeoutNegativeWarning',
      'RequestQueue.scheduleCheckPendingRequests (/app/node_modules/kafkajs/src/network/requestQueue/index.js:317:37)',
    );
    const fromElsewhere = warningFrom('TimeoutNegativeWarning', 'Object.<anonymous> (/app/service.js:1:1)');
    const other = warningFrom('DeprecationWarning', 'Object.<anonymous> (/app/node_modules/kafkajs/index.js:1:1)');
    for (const warning of [fromKafkajs, fromElsewhere, other]) process.emit('warning', warning);

    expect(seen).toEqual([fromElsewhere, other]);
  });
});
