import type { Scenario } from '../scenario.js';
import { brokerKill } from './broker-kill.js';
import { brokerLeaderKill } from './broker-leader-kill.js';
import { brokerRollingRestart } from './broker-rolling-restart.js';
import { destinationOutage } from './destination-outage.js';
import { materializerKill } from './materializer-kill.js';
import { poisonRecords } from './poison-records.js';
import { postgresOutage } from './postgres-outage.js';
import { registryOutage } from './registry-outage.js';
import { selfCheck } from './self-check.js';
import { streamerKill } from './streamer-kill.js';

/** Every scenario in the order a run takes them: the single-node ones first, then those on three Kafka nodes. */
export const scenarios: readonly Scenario[] = [
  materializerKill,
  streamerKill,
  brokerKill,
  postgresOutage,
  registryOutage,
  destinationOutage,
  poisonRecords,
  brokerLeaderKill,
  brokerRollingRestart,
];

/** Scenarios run only when named: `self-check` breaks guarantees on purpose and must FAIL. */
export const namedOnly: readonly Scenario[] = [selfCheck];
