# shoal container image.
#
#   docker build -t shoal .
#   docker compose -f compose/docker-compose.yml up -d     # six nodes -> one cluster
#
# Two stages. `build` compiles shoal on Debian bookworm (tests off). The
# runtime stage starts FROM scratch and holds only the stripped binary, the
# shared libraries ldd says it needs (plus the dynamic loader), a passwd/group
# entry for the non-root user `shoal` (uid 10001) and an empty /data owned by
# that user: no shell, no package manager, about 28 MB.
#
# Defaults make a container a cluster node that finds its peers through the
# DNS name `node` (the Compose service name), so Compose needs no environment.
# Every redis.conf directive can still be set as a SHOAL_* variable, a flag
# after the image name, or a file given with --config.
#
# These machines have no registry: scripts/docker-base-image.sh makes
# debian:bookworm locally with debootstrap (see docs/containers.md).

FROM debian:bookworm AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends \
      build-essential cmake pkg-config libasio-dev libspdlog-dev libfmt-dev libcli11-dev \
      libcpp-httplib-dev libcurl4-openssl-dev libssl-dev liblua5.1-0-dev lua-cjson-dev lua-bitop-dev >/dev/null \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# SHOAL_PREBUILT=build/shoal reuses a binary already built on a Debian 12 host
# (same libraries as this stage) instead of compiling again: CI's end-to-end
# test uses it to stay inside its time budget. Empty (the default): compile.
ARG SHOAL_PREBUILT=""
RUN if [ -n "$SHOAL_PREBUILT" ]; then \
      install -D -m 0755 "$SHOAL_PREBUILT" /build/shoal; \
    else \
      cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTS=OFF >/dev/null \
      && cmake --build /build -j"$(nproc)"; \
    fi \
 && strip /build/shoal
# The runtime root filesystem: the binary, every library it loads, the loader.
RUN set -e; mkdir -p /rootfs/usr/local/bin /rootfs/etc /rootfs/tmp /rootfs/data; \
    cp /build/shoal /rootfs/usr/local/bin/shoal; \
    for lib in $(ldd /build/shoal | awk '/=>/ {print $3} !/=>/ && $1 ~ /^\// {print $1}'); do \
      cp --parents -L "$lib" /rootfs/; \
    done; \
    echo 'root:x:0:0:root:/root:/sbin/nologin' >/rootfs/etc/passwd; \
    echo 'shoal:x:10001:10001:shoal:/data:/sbin/nologin' >>/rootfs/etc/passwd; \
    printf 'root:x:0:\nshoal:x:10001:\n' >/rootfs/etc/group; \
    printf 'hosts: files dns\n' >/rootfs/etc/nsswitch.conf; \
    chmod 1777 /rootfs/tmp; chown 10001:10001 /rootfs/data; chmod 0750 /rootfs/data

FROM scratch
COPY --from=build /rootfs/ /
ENV PATH=/usr/local/bin \
    SHOAL_CLUSTER_ENABLED=yes \
    SHOAL_DISCOVERY=dns:node \
    SHOAL_CLUSTER_SIZE=6 \
    SHOAL_REPLICAS=1 \
    SHOAL_DIR=/data \
    SHOAL_APPENDONLY=yes \
    SHOAL_BIND="* -::*" \
    SHOAL_PROTECTED_MODE=no \
    SHOAL_HTTP_PORT=8080
USER 10001:10001
WORKDIR /data
VOLUME /data
EXPOSE 6379 16379 8080
# /livez, not /readyz: an orchestrator that replaces unhealthy containers
# (Swarm) must not kill a node just because the cluster is still forming.
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=3 \
  CMD ["shoal", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["shoal"]
