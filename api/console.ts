import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { projectRoot } from '../adapters/project-root.js';
import type { ApiInstance } from './context.js';
import { ApiError } from './errors.js';

/** Where `npm run build` puts the web console. */
export const defaultConsoleDir = path.join(projectRoot(), 'dist', 'console');

/**
 * The web console under /console/: static files that talk to nothing but this API, with the key
 * the user pastes. Hashed assets are cached for a year; index.html is revalidated so a new build
 * shows at the next load. A strict Content-Security-Policy keeps the page to this origin.
 */
export async function consoleRoutes(app: ApiInstance, consoleDir: string = defaultConsoleDir): Promise<void> {
  app.get('/', { schema: { hide: true }, config: { public: true } }, (_request, reply) => reply.redirect('/console/'));
  app.get('/console', { schema: { hide: true }, config: { public: true } }, (_request, reply) => reply.redirect('/console/'));

  if (!fs.existsSync(path.join(consoleDir, 'index.html'))) {
    app.get('/console/*', { schema: { hide: true }, config: { public: true } }, (request, reply) => {
      const error = new ApiError(
        404,
        'invalid_request_error',
        'console_not_built',
        `The web console is not built in ${consoleDir}: run \`npm run build\` (npm ci does it).`,
      );
      request.log.warn({ consoleDir }, 'web console requested but not built');
      return reply.code(404).send(error.toJSON());
    });
    return;
  }

  await app.register(fastifyStatic, {
    root: consoleDir,
    prefix: '/console/',
    decorateReply: false,
    schemaHide: true,
    index: 'index.html',
    setHeaders: (reply, file) => {
      const isAsset = path.relative(consoleDir, file).startsWith(`assets${path.sep}`);
      reply.header('cache-control', isAsset ? 'public, max-age=31536000, immutable' : 'no-cache');
      reply.header(
        'content-security-policy',
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      );
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
    },
  });
}
