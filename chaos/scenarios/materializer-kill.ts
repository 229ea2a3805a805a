import { killLoopScenario } from './kill-loop.js';

/** 1. The materializer is SIGKILLed every few seconds while events are published; every acknowledged event must end stored once. */
export const materializerKill = killLoopScenario('1', { service: 'materializer', kills: 4, progress: 'store', workMs: [2000, 5000] });
