# One image per service, the cluster agent's too, from one recipe:
#   docker build -f docker/service.Dockerfile --build-arg APP=proxy -t portcullis/proxy .
# The production runtime, the exact version the tests run on (pinned in tools/runtime/package.json).
# A tag, not a digest: no registry could be reached to look the digest up. Add @sha256:… where one
# can (e2e/foundation/runtime.spec.ts reads this line).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG APP
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
# No install scripts run: no production package needs one (protobufjs's only prints advice), and
# the build needs none of the dev ones' (@swc/core finds its binary as an optional dependency).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json ./
COPY libs ./libs
COPY apps/${APP} ./apps/${APP}
COPY tools/build ./tools/build
RUN node tools/build/build-app.mjs ${APP} \
 && npm prune --omit=dev --no-audit --no-fund

# What production needs and nothing else: dependencies and the compiled app
# (e2e/foundation/production-bundle.spec.ts builds and starts exactly this, without Docker).
FROM ${NODE_IMAGE}
ARG APP
# HTTP_PORT is the ops port (/healthz, /readyz, /metrics) that k8s/ probes; the cluster agent's
# manifest sets 3007 instead, and the healthcheck follows it.
ENV NODE_ENV=production \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8080 \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
# Owned by root, so the service cannot rewrite its own code.
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/apps/${APP} ./
# The base image's `node` user, by number: the kubelet can only verify runAsNonRoot for a numeric
# user (k8s/ sets runAsUser: 1000 to match).
USER 1000:1000
EXPOSE 8080
# For Docker and Compose; Kubernetes ignores it and runs its own probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "healthcheck.js"]
# `node migrate.js` applies this service's migrations (run it as a Job or init container).
CMD ["node", "main.js"]
