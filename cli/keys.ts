import { Command } from 'commander';
import { createPool } from '../adapters/database.js';
import { InputError } from '../adapters/errors.js';
import { migratePool } from '../adapters/migrate.js';
import { createApiKeyRow, listApiKeys, revokeApiKey, type ApiKeyRow } from '../store/api-keys.js';
import type { Database } from '../store/query.js';
import { apiKeyScopes, isApiKeyScope, type ApiKeyScope } from '../core/api-key-scopes.js';
import { createApiKey } from '../core/api-keys.js';
import { databaseUrl } from '../stack/index.js';
import { commandContext } from './context.js';

const organizationPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;

/** `evp keys create|list|revoke`: the Events API's keys, one organization each, stored hashed. */
export function keysCommand(): Command {
  const keys = new Command('keys').description('manage Events API keys (each scoped to one organization)');
  keys
    .command('create')
    .description('create a key; the key itself is printed once, alone on the last line of stdout')
    .requiredOption('--org <organization>', 'the organization the key reads (organization_id of its events)', parseOrganization)
    .option('--name <name>', 'a label to tell keys apart')
    .option(
      '--scope <scope>',
      `what the key may do, repeatable or comma-separated: ${apiKeyScopes.join(', ')} (a write scope includes its read scope; admin is everything)`,
      collectScopes,
      [],
    )
    .action(async (options: { org: string; name?: string; scope: ApiKeyScope[] }) => {
      await withStore(async (query) => {
        const key = createApiKey();
        const scopes: ApiKeyScope[] = options.scope.length === 0 ? ['admin'] : options.scope;
        const row = await createApiKeyRow(query, key, options.org, options.name, scopes);
        process.stdout.write(
          `created ${row.id} for ${row.organization_id}${row.name ? ` (${row.name})` : ''} with ${row.scopes.join(', ')}; it is shown only now:\n${key.key}\n`,
        );
      });
    });
  keys
    .command('list')
    .description("list an organization's keys (never the keys themselves)")
    .requiredOption('--org <organization>', 'the organization', parseOrganization)
    .option('--json', 'one JSON object per key')
    .action(async (options: { org: string; json?: boolean }) => {
      await withStore(async (query) => {
        const rows = await listApiKeys(query, options.org);
        if (options.json) {
          for (const row of rows) process.stdout.write(`${JSON.stringify(keyJson(row))}\n`);
          return;
        }
        if (rows.length === 0) {
          process.stdout.write(`no keys for ${options.org}; create one with \`evp keys create --org ${options.org}\`\n`);
          return;
        }
        for (const row of rows) {
          const state = row.revoked_at ? `revoked ${row.revoked_at.toISOString()}` : 'active';
          const used = row.last_used_at ? `last used ${row.last_used_at.toISOString()}` : 'never used';
          process.stdout.write(
            `${row.id}  ${row.key_prefix}…  ${row.name ?? '-'}  ${row.scopes.join(',')}  created ${row.created_at.toISOString()}  ${used}  ${state}\n`,
          );
        }
      });
    });
  keys
    .command('revoke')
    .description('revoke a key: requests with it are refused within seconds')
    .argument('<id>', 'the key id (key_…), as `evp keys list` shows it')
    .action(async (id: string) => {
      await withStore(async (query) => {
        const row = await revokeApiKey(query, id);
        if (row === undefined) throw new InputError(`no key has the id ${JSON.stringify(id)}; see \`evp keys list --org <org>\``);
        process.stdout.write(`revoked ${row.id} (${row.organization_id})\n`);
      });
    });
  return keys;
}

function parseOrganization(value: string): string {
  if (!organizationPattern.test(value)) {
    throw new InputError(`--org must be an organization id such as org_acme (letters, digits, _ . : -), got ${JSON.stringify(value)}`);
  }
  return value;
}

/** `--scope a,b --scope c`: each a known scope, each once. */
function collectScopes(value: string, previous: ApiKeyScope[]): ApiKeyScope[] {
  const scopes = [...previous];
  for (const part of value.split(',').map((scope) => scope.trim())) {
    if (!isApiKeyScope(part)) {
      throw new InputError(`--scope must be one of ${apiKeyScopes.join(', ')}, got ${JSON.stringify(part)}`);
    }
    if (!scopes.includes(part)) scopes.push(part);
  }
  return scopes;
}

function keyJson(row: ApiKeyRow): Record<string, unknown> {
  return {
    id: row.id,
    organization_id: row.organization_id,
    name: row.name,
    prefix: row.key_prefix,
    scopes: row.scopes,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}

/** Runs `work` against the store, migrated first so keys can be made before anything else ran. */
async function withStore(work: (db: Database) => Promise<void>): Promise<void> {
  const { config, logger } = commandContext('keys');
  const pool = createPool({
    url: await databaseUrl(config, logger),
    schema: config.databaseSchema,
    max: 1,
    applicationName: 'evp-keys',
    logger,
  });
  try {
    await migratePool(pool, config.databaseSchema, logger);
    await work(pool);
  } finally {
    await pool.end();
  }
}
