import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createSecretBox, createSecretKey, parseSecretKey, type SecretBox } from '../core/secret-box.js';
import type { Config } from './config.js';
import { ConfigError } from './errors.js';
import type { Logger } from './logger.js';

/** The file a key is kept in when DESTINATION_SECRET_KEY is not set: one machine's processes share it. */
export function secretKeyFile(dataDir: string): string {
  return path.join(dataDir, 'destination-secret.key');
}

/** A box, and the key file when this process has just made it. */
export interface LoadedSecretBox extends SecretBox {
  readonly madeFile?: string;
}

export interface SecretKeyOptions {
  readonly key: Buffer | undefined;
  readonly dataDir: string;
  readonly logger: Logger;
  /**
   * Make the key file when there is none. Only what stores secrets (the API, `evp start`, the
   * compose setup) makes one: a streamer with a key of its own could open nothing.
   */
  readonly create: boolean;
}

/**
 * The box that seals webhook signing secrets: under DESTINATION_SECRET_KEY when it is set, else
 * under the key in `<EVP_DATA_DIR>/destination-secret.key` (mode 0600). Processes on several
 * machines must be given the same DESTINATION_SECRET_KEY.
 */
export function loadSecretBox(options: SecretKeyOptions): LoadedSecretBox {
  if (options.key) return createSecretBox(options.key);
  const file = secretKeyFile(options.dataDir);
  let made = false;
  if (!fs.existsSync(file)) {
    if (!options.create) {
      throw new ConfigError(
        `No key for webhook secrets: set DESTINATION_SECRET_KEY to the key the API uses, or on the API's machine start \`evp api\` (or \`evp secret-key ensure\`) first, which makes ${file}`,
      );
    }
    made = makeKeyFile(file, options.logger);
  }
  const key = parseSecretKey(fs.readFileSync(file, 'utf8'));
  if (!key) throw new ConfigError(`${file} does not hold a key of 32 bytes in base64 or hex; restore it, or set DESTINATION_SECRET_KEY`);
  return made ? { ...createSecretBox(key), madeFile: file } : createSecretBox(key);
}

/**
 * Written whole under a name no other process uses (a pid is not one: in containers every
 * service is pid 1), then linked: a process starting at the same moment sees either no file or
 * the whole key, and the first link wins.
 */
function makeKeyFile(file: string, logger: Logger): boolean {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const draft = `${file}.${randomUUID()}.tmp`;
  fs.writeFileSync(draft, `${createSecretKey()}\n`, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(draft, file);
    logger.info({ file }, 'made a key for webhook secrets at rest; give every other machine its content as DESTINATION_SECRET_KEY');
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  } finally {
    fs.rmSync(draft, { force: true });
  }
}

/** The box of `evp api`, `evp streamer` and `evp demo`: DESTINATION_SECRET_KEY, else this machine's key file. */
export function secretBoxOf(config: Pick<Config, 'destinationSecretKey' | 'dataDir'>, logger: Logger, create: boolean): LoadedSecretBox {
  const given = config.destinationSecretKey;
  return loadSecretBox({ key: given === undefined ? undefined : parseSecretKey(given), dataDir: config.dataDir, logger, create });
}
