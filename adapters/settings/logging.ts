import { z } from 'zod';
import { settingGroup } from './setting.js';

export const loggingSettings = settingGroup({
  name: 'logging',
  settings: {
    LOG_LEVEL: {
      schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      doc: 'the pino level: `trace` … `fatal`, `silent`',
    },
  },
  build: (e) => ({ logLevel: e.LOG_LEVEL }),
});
