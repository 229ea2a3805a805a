import { StackError, stackErrorCodes } from '../adapters/errors.js';
import { stopDaemon } from './daemon.js';
import { kafkaNodes, launchKafkaNodes, portTaken, type KafkaNode } from './kafka-nodes.js';
import { probeKafka, waitKafka, waitKafkaCluster } from './kafka-probe.js';
import { kafkaReleaseViews } from './kafka-release.js';
import { isPortOpen } from './net.js';
import type { NodeStatus, ServiceContext, ServiceStatus } from './service.js';

export { portTaken } from './kafka-nodes.js';
export { probeKafka } from './kafka-probe.js';

/**
 * Kafka as one service of the stack: a single KRaft node, or a cluster of three
 * (`EVP_KAFKA_NODES=3`, `evp stack up --brokers 3`), of the release EVP_KAFKA_VERSION names. The
 * node-level work is in kafka-nodes.ts.
 */

/**
 * The Kafka of ours that runs: its release's view of the stack and its number of nodes. The
 * configured release and shape first, then the other shape, then another release line.
 */
function runningKafka(ctx: ServiceContext): { view: ServiceContext; nodes: number } | undefined {
  const configured = ctx.config.stack.kafkaNodes;
  for (const view of kafkaReleaseViews(ctx)) {
    const nodes = [configured, configured === 1 ? 3 : 1].find((shape) => kafkaNodes(view, shape).some((node) => node.pid !== undefined));
    if (nodes !== undefined) return { view, nodes };
  }
  return undefined;
}

export async function kafkaStatus(ctx: ServiceContext): Promise<ServiceStatus> {
  const given = ctx.config.kafkaBrokers;
  if (given) {
    return { name: 'kafka', endpoint: given.join(','), origin: 'env', state: (await probeKafka(given)) ? 'up' : 'down' };
  }
  const running = runningKafka(ctx);
  const shape = running?.nodes ?? ctx.config.stack.kafkaNodes;
  const nodes = kafkaNodes(running?.view ?? ctx, shape);
  const states = await Promise.all(nodes.map((node) => probeKafka([node.endpoint])));
  const [first] = nodes as [KafkaNode];
  // The release that runs (or that `up` would start); of a Kafka we found running we know none.
  const details = { version: (nodes.find((node) => node.pid !== undefined) ?? first).release };
  if (shape === 1) {
    const up = states[0] === true;
    if (first.pid !== undefined) {
      return {
        name: 'kafka',
        endpoint: first.endpoint,
        origin: 'stack',
        state: up ? 'up' : 'down',
        pid: first.pid,
        logFile: first.logFile,
        details,
      };
    }
    if (up) return { name: 'kafka', endpoint: first.endpoint, origin: 'external', state: 'up' };
    return { name: 'kafka', endpoint: first.endpoint, origin: 'stack', state: 'down', details };
  }
  const ours = nodes.some((node) => node.pid !== undefined);
  const allUp = states.every(Boolean);
  return {
    name: 'kafka',
    endpoint: nodes.map((node) => node.endpoint).join(','),
    origin: ours || !allUp ? 'stack' : 'external',
    state: allUp ? 'up' : 'down',
    nodes: nodes.map((node, index) => nodeStatus(node, states[index] === true)),
    ...(ours || !allUp ? { details } : {}),
  };
}

export async function kafkaUp(ctx: ServiceContext): Promise<ServiceStatus> {
  const { config, logger } = ctx;
  const given = config.kafkaBrokers;
  if (given) {
    await waitKafka(ctx, given, `KAFKA_BROKERS=${given.join(',')}`);
    return { name: 'kafka', endpoint: given.join(','), origin: 'env', state: 'up' };
  }
  refuseOtherRelease(ctx);
  refuseOtherShape(ctx);
  const nodes = kafkaNodes(ctx);
  if (nodes.length === 1) return singleNodeUp(ctx, nodes[0] as KafkaNode);

  const endpoints = nodes.map((node) => node.endpoint);
  const endpoint = endpoints.join(',');
  const missing = nodes.filter((node) => node.pid === undefined);
  if (missing.length === nodes.length && (await probeKafka(endpoints, 3000, nodes.length))) {
    logger.info({ endpoint }, 'a kafka cluster already answers on these ports; reusing it');
    return { name: 'kafka', endpoint, origin: 'external', state: 'up', started: false };
  }
  // Only the nodes that are down start; the others keep running (a node killed by a test comes back).
  if (missing.length > 0) {
    await launchKafkaNodes(
      ctx,
      missing.map((node) => node.nodeId),
    );
  } else {
    await waitKafkaCluster(
      ctx,
      endpoints,
      nodes.map((node) => node.logFile),
    );
  }
  const states = kafkaNodes(ctx).map((node) => nodeStatus(node, true));
  return {
    name: 'kafka',
    endpoint,
    origin: 'stack',
    state: 'up',
    nodes: states,
    details: { version: ctx.config.stack.kafkaVersion },
    started: missing.length > 0,
  };
}

async function singleNodeUp(ctx: ServiceContext, node: KafkaNode): Promise<ServiceStatus> {
  const { config, logger } = ctx;
  const { endpoint } = node;
  if (node.pid !== undefined) {
    await waitKafka(ctx, [endpoint], node.logFile);
    return {
      name: 'kafka',
      endpoint,
      origin: 'stack',
      state: 'up',
      pid: node.pid,
      logFile: node.logFile,
      details: { version: node.release },
      started: false,
    };
  }
  if (await isPortOpen('127.0.0.1', config.stack.kafkaPort)) {
    if (await probeKafka([endpoint])) {
      logger.info({ endpoint }, 'kafka already answers on its port; reusing it');
      return { name: 'kafka', endpoint, origin: 'external', state: 'up', started: false };
    }
    throw portTaken('Kafka', config.stack.kafkaPort, 'EVP_KAFKA_PORT');
  }
  const [started] = await launchKafkaNodes(ctx, [1]);
  const pid = started?.pid;
  return {
    name: 'kafka',
    endpoint,
    origin: 'stack',
    state: 'up',
    ...(pid === undefined ? {} : { pid }),
    logFile: node.logFile,
    details: { version: ctx.config.stack.kafkaVersion },
    started: true,
  };
}

/**
 * Kafka of another release line (started before EVP_KAFKA_VERSION changed) uses the same ports and
 * the same `stack down`: asking for this release while it runs is refused, never answered by it.
 */
function refuseOtherRelease(ctx: ServiceContext): void {
  for (const view of kafkaReleaseViews(ctx).slice(1)) {
    const running = [...kafkaNodes(view, 1), ...kafkaNodes(view, 3)].filter((node) => node.pid !== undefined);
    const [first] = running;
    if (first === undefined) continue;
    throw new StackError(
      stackErrorCodes.portTaken,
      `The stack already runs Kafka ${first.release} (${running.map((node) => `pid ${node.pid} at ${node.endpoint}`).join(', ')}), ` +
        `but EVP_KAFKA_VERSION asks for ${ctx.config.stack.kafkaVersion}. Stop it with \`evp stack down\` and run \`evp stack up\` again, ` +
        `or keep it and run the command with EVP_KAFKA_VERSION=${first.release}.`,
    );
  }
}

/**
 * A single node and a cluster use the same ports: asking for one while the stack runs the other
 * is refused, never answered with the wrong shape.
 */
function refuseOtherShape(ctx: ServiceContext): void {
  const wanted = ctx.config.stack.kafkaNodes;
  const other = wanted === 1 ? 3 : 1;
  const running = kafkaNodes(ctx, other).filter((node) => node.pid !== undefined);
  if (running.length === 0) return;
  const what =
    other === 1
      ? `a single Kafka node (pid ${running[0]?.pid}, ${running[0]?.endpoint})`
      : `a ${other}-node Kafka cluster (${running.map((node) => `node ${node.nodeId} pid ${node.pid} at ${node.endpoint}`).join(', ')})`;
  const asked = wanted === 1 ? 'a single node' : `${wanted} nodes (--brokers ${wanted} or EVP_KAFKA_NODES=${wanted})`;
  const keep = other === 1 ? 'without --brokers and with EVP_KAFKA_NODES unset' : `with --brokers ${other} or EVP_KAFKA_NODES=${other}`;
  throw new StackError(
    stackErrorCodes.portTaken,
    `The stack already runs ${what}, but ${asked} was asked. Stop it with \`evp stack down\` and run \`evp stack up\` again, ` +
      `or keep it and run the command ${keep}.`,
  );
}

/** Stops every Kafka node the stack started, of either shape and any release, all at once. */
export async function kafkaDown(ctx: ServiceContext): Promise<boolean> {
  const running = kafkaReleaseViews(ctx)
    .flatMap((view) => [...kafkaNodes(view, 1), ...kafkaNodes(view, 3)])
    .filter((node) => node.pid !== undefined);
  // A controlled shutdown moves leaderships to the nodes that stay; 20 s is plenty, then SIGKILL.
  const stopped = await Promise.all(running.map((node) => stopDaemon(node.pidFile, 'SIGTERM', 20_000)));
  return stopped.some(Boolean);
}

function nodeStatus(node: KafkaNode, up: boolean): NodeStatus {
  return {
    nodeId: node.nodeId,
    endpoint: node.endpoint,
    state: up ? 'up' : 'down',
    logFile: node.logFile,
    ...(node.pid === undefined ? {} : { pid: node.pid }),
  };
}
