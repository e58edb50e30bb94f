# syntax=docker/dockerfile:1
# The demo service (examples/fraiseql-demo) for deploy/compose/compose.yaml: one static binary
# running `serve`, `edge` or `load`.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /fraiseql-demo .

FROM alpine:3.22
RUN mkdir -p /var/log/fraiseql && chown 10001:10001 /var/log/fraiseql
COPY --from=build /fraiseql-demo /usr/local/bin/fraiseql-demo
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/fraiseql-demo"]
