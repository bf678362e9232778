# syntax=docker/dockerfile:1
# FrameForge's HTTP API in a container. Build: docker build -t frameforge .
# Run:   docker run --rm -p 8000:8000 --env-file .env frameforge
# See docs/deployment.md for tokens, TLS and sizing; compose.yaml for local use.

# Build stage: every dependency (TypeScript, tsup), compile, then pack the package
# exactly as npm would publish it.
FROM node:24-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && mkdir /out \
 && npm pack --pack-destination /out \
 && cp package-lock.json scripts/install-runtime.sh /out/

# Runtime stage: the packed package and its production dependencies only (no
# compiler, no sources, no tests), run as the unprivileged `node` user.
FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    SERVER_HOST=0.0.0.0 \
    SERVER_PORT=8000
COPY --from=build /out /tmp/pkg
RUN sh /tmp/pkg/install-runtime.sh /tmp/pkg/frameforge-*.tgz /tmp/pkg/package-lock.json /app \
 && ln -s /app/bin/frameforge.js /usr/local/bin/frameforge \
 && rm -rf /tmp/pkg /root/.npm
WORKDIR /app
USER node
EXPOSE 8000
# The same check an operator runs by hand; it exits 1 unless /api/health answers {"status":"ok"}.
HEALTHCHECK --interval=30s --timeout=10s --start-period=15s --start-interval=2s --retries=3 \
  CMD frameforge health --url "http://127.0.0.1:${SERVER_PORT}"
# serve stops gracefully on SIGTERM (docker stop), draining edits in flight for up to 30 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["frameforge"]
CMD ["serve"]
