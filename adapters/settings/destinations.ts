import path from 'node:path';
import { z } from 'zod';
import { parseSecretKey } from '../../core/secret-box.js';
import { dataDirOf, dataSettings } from './data.js';
import { commaList, optionalText, settingGroup } from './setting.js';

/** What destinations may reach and where their secrets and files are: the API checks them, the streamer again. */
export const destinationSettings = settingGroup({
  name: 'destinations',
  settings: {
    DESTINATION_ALLOWED_HOSTS: {
      schema: optionalText.pipe(commaList(true).optional()),
      doc: 'comma-separated hosts webhooks may reach over plain http or at internal addresses (loopback, private, link-local)',
      shownDefault: 'none',
    },
    DESTINATION_ALLOWED_KAFKA_BROKERS: {
      schema: optionalText.pipe(
        commaList(true)
          .pipe(z.array(z.string().regex(/^[^\s:/]+(:\d{1,5})?$/, 'each broker must be host:port or host, e.g. kafka-1.internal:9092')))
          .optional(),
      ),
      doc: "Kafka destination brokers (`host:port`, or `host` for any port) allowed at internal addresses or on the pipeline's own cluster",
      shownDefault: 'none',
    },
    DESTINATION_FILE_ROOT: {
      schema: optionalText.pipe(z.string().regex(/^\//, 'must be an absolute directory, e.g. /var/lib/evp/destinations').optional()),
      doc: "file destinations write below their organization's own directory here, nowhere else",
      shownDefault: '`<EVP_DATA_DIR>/destinations`',
    },
    DESTINATION_SECRET_KEY: {
      schema: optionalText.pipe(
        z
          .string()
          .refine(
            (value) => parseSecretKey(value) !== undefined,
            'must be 32 bytes in base64 or hex, e.g. the output of `openssl rand -base64 32`',
          )
          .optional(),
      ),
      doc: "the key (32 bytes, base64 or hex) webhook signing secrets and Kafka destinations' passwords and client keys are sealed with at rest; the same for every API and streamer",
      shownDefault: '`<EVP_DATA_DIR>/destination-secret.key`',
    },
  },
  reads: dataSettings.settings,
  build: (e) => ({
    destinationAllowedHosts: e.DESTINATION_ALLOWED_HOSTS ?? [],
    destinationAllowedKafkaBrokers: e.DESTINATION_ALLOWED_KAFKA_BROKERS ?? [],
    destinationFileRoot: path.resolve(e.DESTINATION_FILE_ROOT ?? path.join(dataDirOf(e.EVP_DATA_DIR), 'destinations')),
    /** Undefined: the key in `<EVP_DATA_DIR>/destination-secret.key`. */
    destinationSecretKey: e.DESTINATION_SECRET_KEY,
  }),
});
