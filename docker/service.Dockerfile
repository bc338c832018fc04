# One image per service, from one recipe:
#   docker build -f docker/service.Dockerfile --build-arg APP=proxy -t portcullis/proxy .
# The production runtime, the exact version the tests run on (pinned in tools/runtime/package.json).
ARG NODE_IMAGE=node:24.22.3-bookworm-slim

FROM ${NODE_IMAGE} AS build
ARG APP
WORKDIR /src
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json ./
COPY libs ./libs
COPY apps/${APP} ./apps/${APP}
COPY tools/build ./tools/build
RUN node tools/build/build-app.mjs ${APP} \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ARG APP
ENV NODE_ENV=production \
    HTTP_HOST=0.0.0.0 \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/apps/${APP} ./
USER node
EXPOSE 3000
# `node migrate.js` applies this service's migrations (run it as a Job or init container).
CMD ["node", "main.js"]
