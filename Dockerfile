# Marina's container image. Build:   docker build -t marina .
# Run (demo: bundled fake integration, embedded local Port):
#   docker run --rm -p 8000:8000 --read-only -v marina-data:/data marina
# Config /etc/marina/marina.yaml, extra plugins /plugins, data /data. README.md, "Deploy".
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: dev dependencies, compile, then drop the dev dependencies ---------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the only one (esbuild's) just checks the binary its optional package brings.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=warn
COPY tsconfig.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=warn \
 && find dist -name '*.map' -delete \
 && find dist -name '*.d.ts' -delete

# --- run: production dependencies, dist/ and the bundled plugins ---------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    MARINA_HOST=0.0.0.0 \
    PORT=8000 \
    MARINA_DATA_DIR=/data \
    MARINA_PLUGIN_DIRS=/plugins:/app/plugins \
    TSX_DISABLE_CACHE=1
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY plugins ./plugins
COPY deploy/docker/marina.yaml /etc/marina/marina.yaml
# - config/marina.yaml (the config used when none is named and no OCEAN__* variables are set)
#   is /etc/marina/marina.yaml, so the precedence is the same as from a checkout.
# - The bundled plugins are TypeScript (loaded through tsx) and import the SDK from
#   ../../src/sdk: that path re-exports the compiled SDK, so they share the host's module.
# - /node_modules/marina lets a plugin in /plugins `import ... from 'marina/sdk'`.
# - /data and /plugins belong to the runtime user; everything else is read-only to it. tsx
#   keeps its compile cache in memory (TSX_DISABLE_CACHE), so not even /tmp must be writable.
RUN mkdir -p config src/sdk /data /plugins /node_modules \
 && ln -s /etc/marina/marina.yaml config/marina.yaml \
 && printf "// The compiled SDK, for the bundled plugins' '../../src/sdk/index.js' imports.\nexport * from '../../dist/sdk/index.js';\n" > src/sdk/index.js \
 && ln -s /app /node_modules/marina \
 && chown node:node /data /plugins
USER node
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node is PID 1 and handles SIGTERM itself: a graceful stop within shutdown.timeoutSeconds.
ENTRYPOINT ["node", "/app/bin/marina"]
CMD ["start"]
