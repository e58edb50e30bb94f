# syntax=docker/dockerfile:1
# otelcol-fraiseql image: the prebuilt linux binary (`make docker`, CGO off, so it runs on scratch)
# plus CA certificates and a default config. Build with `make docker`.

# Stage 1: CA certificates and an empty data directory owned by the runtime user.
FROM alpine:3.22 AS prep
RUN apk add --no-cache ca-certificates \
 && mkdir -p /var/lib/otelcol-fraiseql \
 && chown 10001:10001 /var/lib/otelcol-fraiseql

# Stage 2: nothing but the binary, certificates, config and data dir.
FROM scratch
COPY --from=prep /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=prep --chown=10001:10001 /var/lib/otelcol-fraiseql /var/lib/otelcol-fraiseql
# `make docker` puts a linux binary for the image's architecture there, whatever the host.
ARG TARGETARCH
COPY --chmod=755 _build/linux-${TARGETARCH}/otelcol-fraiseql /otelcol-fraiseql
# The default config is configs/local.yaml; mount another (agent.yaml, gateway.yaml) at the
# same path or pass --config.
COPY configs/local.yaml /etc/otelcol-fraiseql/config.yaml
USER 10001:10001
# In a container the receivers must bind all interfaces; data goes to the volume-able dir.
ENV FRAISEQL_LISTEN_ADDR=0.0.0.0 \
    FRAISEQL_DATA_DIR=/var/lib/otelcol-fraiseql \
    FRAISEQL_STORAGE_DIR=/var/lib/otelcol-fraiseql
# OTLP gRPC receiver
EXPOSE 4317
# OTLP HTTP receiver
EXPOSE 4318
# Gateway tier 2 (load-balanced OTLP gRPC between gateway replicas; gateway.yaml only)
EXPOSE 4417
# The collector's own metrics (otelcol_*), Prometheus format
EXPOSE 8888
# Prometheus exporter of the received metrics (local.yaml)
EXPOSE 8889
# health_check extension
EXPOSE 13133
# zpages extension
EXPOSE 55679
VOLUME ["/var/lib/otelcol-fraiseql"]
ENTRYPOINT ["/otelcol-fraiseql"]
CMD ["--config", "/etc/otelcol-fraiseql/config.yaml"]
