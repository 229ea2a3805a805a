import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import os from 'node:os';

/**
 * Static group membership (KIP-345) for kafkajs consumers. kafkajs speaks JoinGroup v5, which
 * carries `group.instance.id`, but never fills it in. A consumer run inside `withGroupInstanceId`
 * joins with that id: a process restarted under the same id takes its member's place (and its
 * partitions) at once, where a new member would wait for the dead one's session to time out and
 * a rebalance to move every partition. Heartbeats, syncs and commits need no id: the coordinator
 * checks them by member id.
 *
 * The id travels with the consumer's own asynchronous work (AsyncLocalStorage), so two consumers
 * in one process can use different ids (or none).
 */
const instanceIds = new AsyncLocalStorage<string>();
let patched = false;

/** Runs `start` (a consumer's `run`) so that every JoinGroup the consumer sends carries `groupInstanceId`. */
export function withGroupInstanceId<T>(groupInstanceId: string | undefined, start: () => T): T {
  if (groupInstanceId === undefined) return start();
  patchJoinGroup();
  return instanceIds.run(groupInstanceId, start);
}

/**
 * The default id of a service's member: host and port name one process, and a process restarted
 * in its place (a supervisor, a container restart) gets the same one. Undefined for a port of 0
 * (several instances in one process, as in tests): those are dynamic members.
 */
export function defaultGroupInstanceId(service: string, port: number): string | undefined {
  return port === 0 ? undefined : `${os.hostname()}-${service}-${port}`;
}

type JoinGroupArgs = Record<string, unknown> & { groupInstanceId?: string | null };
type Builder = (args: JoinGroupArgs) => unknown;
interface ProtocolModule {
  protocol: (request: { version: number }) => Builder;
}

function patchJoinGroup(): void {
  if (patched) return;
  patched = true;
  // The same module instance kafkajs's broker looks its JoinGroup versions up in.
  const require = createRequire(createRequire(import.meta.url).resolve('kafkajs'));
  const joinGroup = require('./src/protocol/requests/joinGroup/index.js') as ProtocolModule;
  const protocol = joinGroup.protocol.bind(joinGroup);
  joinGroup.protocol = ({ version }) => {
    const build = protocol({ version });
    return (args) => build({ ...args, groupInstanceId: args.groupInstanceId ?? instanceIds.getStore() ?? null });
  };
}
