# syntax=docker/dockerfile:1
# The modelops-operator container image (docs/install.md, "Container image").
#
# Stage 1 builds the operator on Debian bookworm with the build packages of scripts/install-deps.sh (the
# test, benchmark and demo tools are left out: tests are not built here). Stage 2 is debian:bookworm-slim
# with only the shared libraries the operator links (checked by tests/e2e/manifests/dockerfile_test.cpp
# against `ldd` of the built binary) and runs it as the non-root user 65532.
#
#   docker build -t modelops-operator:0.1.0 .
#
# Expected size: about 90 MB uncompressed (an ESTIMATE from Debian package sizes, never measured here:
# see docs/install.md for the arithmetic).
ARG DEBIAN_RELEASE=bookworm

FROM debian:${DEBIAN_RELEASE} AS builder
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      build-essential cmake pkg-config ca-certificates openssl \
      libcpp-httplib-dev nlohmann-json3-dev libyaml-cpp-dev libssl-dev libspdlog-dev prometheus-cpp-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DMODELOPS_BUILD_TESTS=OFF -DMODELOPS_BUILD_BENCH=OFF \
 && cmake --build /build --target modelops-operator -j"$(nproc)" \
 && strip -o /modelops-operator /build/bin/modelops-operator

FROM debian:${DEBIAN_RELEASE}-slim
ARG DEBIAN_FRONTEND=noninteractive
LABEL org.opencontainers.image.title="modelops-operator" \
      org.opencontainers.image.description="Kubernetes operator for safe ML model rollouts judged on measured accuracy" \
      org.opencontainers.image.licenses="Apache-2.0"
# Runtime libraries of the operator (libc6, libgcc-s1, libstdc++6 and zlib1g are already in the base;
# libcpp-httplib0.11 brings libbrotli1). ca-certificates: metric providers served over public HTTPS.
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends \
      ca-certificates libcpp-httplib0.11 libyaml-cpp0.7 libspdlog1.10 libfmt9 libprometheus-cpp-core1.0 libssl3 \
 && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/*
COPY --from=builder /modelops-operator /usr/local/bin/modelops-operator
# Fail the build if a shared library is missing.
RUN if ldd /usr/local/bin/modelops-operator | grep -q "not found"; then \
      ldd /usr/local/bin/modelops-operator; exit 1; fi
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/modelops-operator"]
