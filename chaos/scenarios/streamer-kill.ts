import { killLoopScenario } from './kill-loop.js';

/**
 * 2. The streamer is SIGKILLed every few seconds while it delivers; every event must still be
 * delivered, and every request the receiver saw must be an attempt in `delivery_attempts`.
 */
export const streamerKill = killLoopScenario('2', { service: 'streamer', kills: 5, progress: 'deliver', workMs: [2000, 5000] });
