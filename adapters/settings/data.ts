import os from 'node:os';
import path from 'node:path';
import { optionalText, settingGroup } from './setting.js';

/** This machine's files: the local stack's data, the webhook secret key file, file destinations. */
export const dataSettings = settingGroup({
  name: 'data',
  settings: {
    EVP_DATA_DIR: {
      schema: optionalText,
      doc: "this machine's files: the local stack's data, logs and pid files, and the secret key file",
      shownDefault: '`~/.local/share/event-pipeline`',
    },
  },
  build: (e) => ({ dataDir: dataDirOf(e.EVP_DATA_DIR) }),
});

export function dataDirOf(given: string | undefined): string {
  return path.resolve(given ?? path.join(os.homedir(), '.local', 'share', 'event-pipeline'));
}
