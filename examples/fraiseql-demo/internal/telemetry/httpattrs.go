package telemetry

import (
	"net/http"

	"go.opentelemetry.io/otel/attribute"
)

var knownMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "DELETE": true, "CONNECT": true, "OPTIONS": true, "TRACE": true, "PATCH": true}

// HTTPMethodAttr is http.request.method with unknown methods folded into _OTHER (semconv).
func HTTPMethodAttr(m string) attribute.KeyValue {
	if !knownMethods[m] {
		m = "_OTHER"
	}
	return attribute.String("http.request.method", m)
}

// URLSchemeAttr is url.scheme of a server request.
func URLSchemeAttr(r *http.Request) attribute.KeyValue {
	if r.TLS != nil {
		return attribute.String("url.scheme", "https")
	}
	return attribute.String("url.scheme", "http")
}
