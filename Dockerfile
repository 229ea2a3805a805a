# The pipeline's services (evp materializer | streamer | api | demo) in one image, for
# docker-compose.yml. Build: docker build -t event-pipeline .
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The publisher SDK's workspace: npm ci checks it against the lockfile.
COPY packages/events-sdk/package.json ./packages/events-sdk/
# The Java stack and embedded PostgreSQL are not needed in the image: compose runs those.
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/migrations ./migrations
COPY --from=build /app/schemas/entities ./schemas/entities
COPY --from=build /app/schemas/catalogue.json ./schemas/catalogue.json
COPY --from=build /app/schemas/generated ./schemas/generated
# The key that seals webhook secrets at rest lives here unless DESTINATION_SECRET_KEY is set;
# compose mounts one volume here for every service, so they share it.
RUN mkdir -p /var/lib/event-pipeline && chown node:node /var/lib/event-pipeline
ENV EVP_DATA_DIR=/var/lib/event-pipeline
USER node
# Healthy while the service this container runs answers GET /healthz on its port (the api's
# API_PORT, 3000; the materializer's MATERIALIZER_PORT, 3001; the streamer's STREAMER_PORT, 3002;
# or its --port). The demo and one-off commands (setup, keys) have no such endpoint and pass.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["node", "dist/stack/docker/healthcheck.js"]
ENTRYPOINT ["node", "dist/cli/evp.js"]
CMD ["api"]
