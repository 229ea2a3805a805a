import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface ComposeService {
  environment?: Record<string, string | number | boolean | null> | string[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
}

interface Compose {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = parse(fs.readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as Compose;
const dockerfile = fs.readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function environment(name: string): Record<string, string> {
  const env = service(name).environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry): [string, string] => [entry.split('=')[0] ?? '', entry.split('=').slice(1).join('=')]));
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, String(value)]));
}

/** The named volumes a service mounts, as [volume, mount path]. */
function namedVolumeMounts(name: string): [string, string][] {
  return (service(name).volumes ?? []).flatMap((volume): [string, string][] => {
    const [source, target] = typeof volume === 'string' ? volume.split(':') : [volume.source, volume.target];
    return source !== undefined && target !== undefined && source in (compose.volumes ?? {}) ? [[source, target]] : [];
  });
}

describe('docker-compose.yml', () => {
  it('keeps kafka’s logs inside a named volume, so `docker compose down && up` keeps the topics', () => {
    const logDirs = environment('kafka')['KAFKA_LOG_DIRS']?.split(',') ?? [];
    expect(logDirs).not.toEqual([]);
    const mounts = namedVolumeMounts('kafka').map(([, target]) => target);
    for (const dir of logDirs) {
      expect(mounts.some((mount) => !path.posix.relative(mount, dir).startsWith('..'))).toBe(true);
    }
  });

  it('starts setup only once every service it depends on is healthy, and each of them has a healthcheck', () => {
    const dependsOn = service('setup').depends_on;
    expect(dependsOn).toBeTypeOf('object');
    const conditions = Object.entries(dependsOn as Record<string, { condition?: string }>);
    expect(conditions.map(([name]) => name).sort()).toEqual(['kafka', 'postgres', 'registry']);
    for (const [name, { condition }] of conditions) {
      expect({ name, condition }).toEqual({ name, condition: 'service_healthy' });
      expect(service(name).healthcheck?.test, `${name} has no healthcheck`).toBeDefined();
      expect(service(name).healthcheck?.disable).not.toBe(true);
    }
  });

  it('probes the registry’s readiness on the management port it gives it', () => {
    const port = environment('registry')['QUARKUS_MANAGEMENT_PORT'];
    expect(port).toBeDefined();
    expect([service('registry').healthcheck?.test].flat().join(' ')).toContain(`127.0.0.1:${port}/health/ready`);
  });
});

describe('Dockerfile', () => {
  it('has a HEALTHCHECK that runs the compiled healthcheck script', () => {
    const healthcheck = /^HEALTHCHECK\s.*CMD\s+\["node",\s*"dist\/(\S+)\.js"\]\s*$/m.exec(dockerfile);
    expect(healthcheck, 'no HEALTHCHECK … CMD ["node", "dist/….js"] line').not.toBeNull();
    // dist/ is tsconfig.build.json's output: the script is compiled from the same path in .ts.
    expect(fs.existsSync(new URL(`../../${healthcheck?.[1]}.ts`, import.meta.url))).toBe(true);
  });
});
