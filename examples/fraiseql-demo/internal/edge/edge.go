// Package edge is the demo's edge service: a reverse proxy in front of the GraphQL API with
// its own server and client spans, so a trace crosses two services (W3C traceparent).
package edge

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/api"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/logging"
	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/telemetry"
)

// Config of `fraiseql-demo edge`.
type Config struct {
	Listen   string
	Upstream string
}

// Handler proxies POST /graphql to upstream (streaming, for SSE subscriptions) and answers
// GET /healthz. It sets X-Request-Id when missing and marks debug requests.
func Handler(upstream *url.URL, tp trace.TracerProvider, mp metric.MeterProvider, log *slog.Logger) (http.Handler, error) {
	active, err := mp.Meter(api.ScopeName+"/edge").Int64UpDownCounter("http.server.active_requests",
		metric.WithUnit("{request}"), metric.WithDescription("Number of active HTTP server requests."))
	if err != nil {
		return nil, err
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.Out.URL.Path = pr.In.URL.Path
			// Keep the client's X-Forwarded-For (the load driver simulates many clients
			// behind the edge); SetXForwarded appends the peer address.
			if xff := pr.In.Header.Values("X-Forwarded-For"); len(xff) > 0 {
				pr.Out.Header["X-Forwarded-For"] = xff
			}
			pr.SetXForwarded()
		},
		Transport: otelhttp.NewTransport(http.DefaultTransport,
			otelhttp.WithTracerProvider(tp), otelhttp.WithMeterProvider(mp)),
		FlushInterval: -1,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			log.ErrorContext(r.Context(), "upstream unavailable", "error", err.Error())
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(`{"errors":[{"message":"upstream unavailable","extensions":{"code":"BAD_GATEWAY"}}]}`))
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /graphql", func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := api.RequestID(r)
		r.Header.Set(api.HeaderRequestID, rid)
		ctx := logging.WithRequest(r.Context(), logging.RequestInfo{RequestID: rid})
		span := trace.SpanFromContext(ctx)
		span.SetAttributes(telemetry.AttrRequestID.String(rid), api.RouteAttr(r))
		if api.IsDebug(r) {
			span.SetAttributes(telemetry.AttrDebug.Bool(true))
		}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		proxy.ServeHTTP(sw, r.WithContext(ctx))
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		log.Log(ctx, level, "proxied", "http_status", sw.status,
			logging.FieldDurationMS, float64(time.Since(start).Microseconds())/1000)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	return api.Instrument(mux, tp, mp, active), nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) { w.status = s; w.ResponseWriter.WriteHeader(s) }
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Serve runs the edge on ln until ctx ends.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
