import fs from 'node:fs';
import path from 'node:path';
import { StackError, stackErrorCodes } from '../adapters/errors.js';
import { kafkaReleases, type KafkaRelease } from '../adapters/settings/stack.js';
import { renderLog4j2Properties, renderLog4jProperties } from './kafka-config.js';
import { stackPaths, type KafkaNodePaths } from './paths.js';
import type { ServiceContext } from './service.js';
import { kafkaReleaseSpecs, type KafkaReleaseSpec } from './versions.js';

/*
 * Which Kafka release the stack runs (EVP_KAFKA_VERSION), and keeping the releases apart: each
 * major line has folders of its own (stack/paths.ts), and a formatted log directory records the
 * release that formatted it, so a node is never started on storage of another line.
 */

/** The configured release and what it needs. */
export function kafkaReleaseOf(ctx: ServiceContext): { readonly version: KafkaRelease; readonly spec: KafkaReleaseSpec } {
  const version = ctx.config.stack.kafkaVersion;
  return { version, spec: kafkaReleaseSpecs[version] };
}

/**
 * How a release's JVM is told where its logging configuration is (what kafka-run-class.sh passes
 * as KAFKA_LOG4J_OPTS: log4j 1 and log4j 2 read different properties), and that configuration.
 */
export function kafkaLogging(spec: KafkaReleaseSpec): { jvmOption(file: string): string; render(logFile: string): string } {
  return spec.logging === 'log4j2'
    ? { jvmOption: (file) => `-Dlog4j2.configurationFile=${file}`, render: renderLog4j2Properties }
    : { jvmOption: (file) => `-Dlog4j.configuration=file:${file}`, render: renderLog4jProperties };
}

/** The same stack (data dir, ports) as it is with `version` configured: that release's folders and jars. */
export function withKafkaRelease(ctx: ServiceContext, version: KafkaRelease): ServiceContext {
  const config = { ...ctx.config, stack: { ...ctx.config.stack, kafkaVersion: version } };
  return { ...ctx, config, paths: stackPaths(config.stack) };
}

/**
 * The stack seen with each release line configured, the configured release first: what `status`
 * and `down` look at, since a node of another line may still run from before EVP_KAFKA_VERSION
 * changed. Releases of one line share their folders, so each line appears once.
 */
export function kafkaReleaseViews(ctx: ServiceContext): ServiceContext[] {
  const lines = new Set([kafkaReleaseOf(ctx).spec.line]);
  const others = kafkaReleases.filter((version) => {
    const { line } = kafkaReleaseSpecs[version];
    if (lines.has(line)) return false;
    lines.add(line);
    return true;
  });
  return [ctx, ...others.map((version) => withKafkaRelease(ctx, version))];
}

/** Beside meta.properties in the node's log directory; Kafka reads only the folders there. */
function markerFile(files: KafkaNodePaths): string {
  return path.join(files.data, 'evp-kafka-release');
}

/** Records which release formatted the node's storage. */
export function writeReleaseMarker(files: KafkaNodePaths, version: KafkaRelease): void {
  fs.writeFileSync(markerFile(files), `${version}\n`);
}

/**
 * Refuses to start `version` on a log directory formatted by a release of another major line.
 * Storage formatted before the marker existed was formatted by Kafka 3.9, the only release then.
 * A release of the same line takes the storage over (Kafka upgrades it) and the marker follows.
 */
export function checkReleaseMarker(files: KafkaNodePaths, version: KafkaRelease): void {
  if (!fs.existsSync(path.join(files.data, 'meta.properties'))) return;
  const file = markerFile(files);
  const marked = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
  const markedLine = marked === undefined ? 3 : Number(marked.split('.')[0]);
  const wanted = kafkaReleaseSpecs[version].line;
  if (markedLine !== wanted) {
    const formattedBy = marked === undefined ? 'a Kafka 3 release' : `Kafka ${marked}`;
    const runIt = marked === undefined || !(kafkaReleases as readonly string[]).includes(marked) ? `a ${markedLine}.x release` : marked;
    throw new StackError(
      stackErrorCodes.startFailed,
      `The Kafka storage in ${files.data} was formatted by ${formattedBy}, and EVP_KAFKA_VERSION=${version} does not open ` +
        `storage of another major release. Set EVP_KAFKA_VERSION to ${runIt} to run it, or remove ${files.dir} to start Kafka ${version} empty.`,
    );
  }
  if (marked !== version) writeReleaseMarker(files, version);
}
