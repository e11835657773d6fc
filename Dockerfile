# syntax=docker/dockerfile:1
# kong-yml-gateway image.
#   docker build -t kong-yml-gateway:0.1.0 .
#   docker run --rm -p 8000:8000 kong-yml-gateway:0.1.0                 # serves the bundled kong.yml
#   docker run --rm -p 8000:8000 -v "$PWD/conf:/etc/gateway:ro" kong-yml-gateway:0.1.0
# Mount a DIRECTORY holding kong.yml at /etc/gateway (not the single file):
# the gateway watches the directory and hot-reloads the file when it changes.

# ---- build: compile TypeScript to dist/ ----
FROM node:20-bookworm-slim AS builder
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and the compiled output only ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=builder /app/dist ./dist
COPY bin ./bin
COPY kong.yml ./
COPY schemas ./schemas
# A default configuration where the default command looks for it, so the image
# runs as is. Mounting a volume (or a Kubernetes ConfigMap) at /etc/gateway
# replaces it.
COPY kong.yml /etc/gateway/kong.yml
# Files stay owned by root: the gateway only reads them, and the user it runs
# as cannot modify its own code.
USER node
# 8000: proxy. 8001: admin (/healthz, /readyz, /status; read-only).
EXPOSE 8000 8001
ENTRYPOINT ["node", "bin/gateway"]
# The admin listener binds 0.0.0.0 inside the container so probes and
# `docker run -p 8001:8001` can reach it; publish it only where it is needed.
# Flags win over the GATEWAY_* environment variables, so GATEWAY_CONFIG,
# GATEWAY_LISTEN and GATEWAY_ADMIN_LISTEN have no effect with this command:
# override the command instead (`docker run IMAGE serve ...`, Kubernetes
# `args`). GATEWAY_TLS_LISTEN and GATEWAY_TRUSTED_IPS still apply.
CMD ["serve", "--config", "/etc/gateway/kong.yml", "--listen", "0.0.0.0:8000", "--admin-listen", "0.0.0.0:8001"]
