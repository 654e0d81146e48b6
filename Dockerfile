# syntax=docker/dockerfile:1
#
# The capstan agent image: node, git, ssh, helm and kubectl (for kustomize), the CLI bundle and the
# web UI it serves at / (dist/ui).
# `capstan install` names ghcr.io/capstan-dev/capstan:<version> unless given --image; build and
# push it under that name or your own, from the root of a capstan checkout:
#
#   docker build -t ghcr.io/capstan-dev/capstan:$(node -p "require('./package.json').version") .
#   docker build -t registry.example.com/capstan:0.1.0 . && docker push registry.example.com/capstan:0.1.0
#   capstan install --repo https://github.com/acme/deploy.git --image registry.example.com/capstan:0.1.0
#
# It runs as user 65532 (the Deployment `capstan install` prints sets the same) and writes only to
# /tmp (HOME, the renderers' scratch space) and /var/cache/capstan (git clones, renders), which the
# Deployment mounts as emptyDirs under a read-only root filesystem. `docker run` the same way:
#   docker run --read-only --tmpfs /tmp --tmpfs /var/cache/capstan <image> agent --repo ... --tokens-file ...

ARG NODE_IMAGE=node:20-bookworm-slim

# --- the CLI bundle: dist/cli/capstan.mjs and its chunks; the web UI: dist/ui -----------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# no scripts: `prepare` would build before the sources are here
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/ scripts/
COPY src/ src/
COPY ui/ ui/
RUN node scripts/build.mjs

# --- the packages the bundle loads at run time (kubernetes-models' schemas, one module per kind)
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- helm (Helm apps) and kubectl (`kubectl kustomize`), checked against their published sha256 --
FROM debian:bookworm-slim AS tools
# set by BuildKit to the platform built for (docker buildx build --platform linux/arm64); amd64 without it
ARG TARGETARCH
ARG HELM_VERSION=v3.17.2
ARG KUBECTL_VERSION=v1.32.4
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /tools
RUN set -eu; \
    arch="${TARGETARCH:-amd64}"; \
    helm="helm-${HELM_VERSION}-linux-${arch}.tar.gz"; \
    curl -fsSLO "https://get.helm.sh/${helm}"; \
    curl -fsSL "https://get.helm.sh/${helm}.sha256sum" | sha256sum -c -; \
    tar -xzf "${helm}" --strip-components=1 "linux-${arch}/helm"; \
    curl -fsSLO "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${arch}/kubectl"; \
    echo "$(curl -fsSL "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${arch}/kubectl.sha256")  kubectl" | sha256sum -c -; \
    chmod 0755 helm kubectl; \
    rm "${helm}"

# --- the agent ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
# git fetches the config repo (ssh for ssh URLs); tini reaps the processes git leaves behind;
# a passwd entry for 65532, without which ssh refuses to run ("No user exists for uid")
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 65532 capstan \
 && useradd --uid 65532 --gid 65532 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin capstan \
 && mkdir -p /var/cache/capstan \
 && chown 65532:65532 /var/cache/capstan
COPY --from=tools /tools/helm /tools/kubectl /usr/local/bin/
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/dist ./dist
ENV NODE_ENV=production \
    HOME=/tmp \
    CAPSTAN_CACHE_DIR=/var/cache/capstan
USER 65532:65532
EXPOSE 8080
# for `docker run` (Kubernetes uses the Deployment's probes): ready once the first reconcile pass is done
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/cli/capstan.mjs"]
CMD ["--help"]
