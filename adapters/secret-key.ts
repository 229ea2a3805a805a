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

/**
 * The box that seals webhook signing secrets: under DESTINATION_SECRET_KEY when it is set, else
 * under the key in `<EVP_DATA_DIR>/destination-secret.key`, made (mode 0600) by the first process
 * that needs it. Processes on several machines must be given the same DESTINATION_SECRET_KEY.
 */
export function loadSecretBox(options: { key: Buffer | undefined; dataDir: string; logger: Logger }): SecretBox {
  if (options.key) return createSecretBox(options.key);
  const file = secretKeyFile(options.dataDir);
  fs.mkdirSync(options.dataDir, { recursive: true });
  if (!fs.existsSync(file)) {
    // Written whole under another name, then linked: a process starting at the same moment sees
    // either no file or the whole key, and the first link wins.
    const draft = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(draft, `${createSecretKey()}\n`, { mode: 0o600 });
    try {
      fs.linkSync(draft, file);
      options.logger.info(
        { file },
        'made a key for webhook secrets at rest; give every other machine its content as DESTINATION_SECRET_KEY',
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      fs.rmSync(draft, { force: true });
    }
  }
  const key = parseSecretKey(fs.readFileSync(file, 'utf8'));
  if (!key) throw new ConfigError(`${file} does not hold a key of 32 bytes in base64 or hex; restore it, or set DESTINATION_SECRET_KEY`);
  return createSecretBox(key);
}

/** The box of `evp api`, `evp streamer` and `evp demo`: DESTINATION_SECRET_KEY, else this machine's key file. */
export function secretBoxOf(config: Config, logger: Logger): SecretBox {
  const given = config.destinationSecretKey;
  return loadSecretBox({ key: given === undefined ? undefined : parseSecretKey(given), dataDir: config.stack.dataDir, logger });
}
