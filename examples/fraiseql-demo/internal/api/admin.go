package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"

	gqlerrors "github.com/graph-gophers/graphql-go/errors"

	"github.com/fraiseql/otelcol-fraiseql/examples/fraiseql-demo/internal/faults"
)

// AdminHandler serves the fault switches:
//
//	GET    /faults   the current switches (JSON)
//	PUT    /faults   replace all switches (fields left out are off)
//	POST   /faults   change only the fields given
//	DELETE /faults   every switch off
//	GET    /healthz  ok
//
// A bad document is a 400 naming the field; the switches are then unchanged.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /faults", func(w http.ResponseWriter, r *http.Request) {
		writeFaults(w, http.StatusOK, s.faults.Get())
	})
	set := func(base faults.Switches) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				base = s.faults.Get()
			}
			sw, err := faults.Decode(r.Body, base)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			_ = s.faults.Set(sw)
			s.log.Log(r.Context(), slog.LevelWarn, "fault switches changed", "faults", toMap(sw))
			writeFaults(w, http.StatusOK, sw)
		}
	}
	mux.HandleFunc("PUT /faults", func(w http.ResponseWriter, r *http.Request) { set(faults.Switches{})(w, r) })
	mux.HandleFunc("POST /faults", func(w http.ResponseWriter, r *http.Request) { set(faults.Switches{})(w, r) })
	mux.HandleFunc("DELETE /faults", func(w http.ResponseWriter, r *http.Request) {
		_ = s.faults.Set(faults.Switches{})
		s.log.Log(r.Context(), slog.LevelWarn, "fault switches cleared")
		writeFaults(w, http.StatusOK, faults.Switches{})
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	return mux
}

func toMap(sw faults.Switches) map[string]any {
	b, _ := json.Marshal(sw)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func writeFaults(w http.ResponseWriter, status int, sw faults.Switches) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(sw)
}

// panicHandler turns a resolver panic into an INTERNAL_SERVER_ERROR and logs it.
type panicHandler struct{ log *slog.Logger }

func (h *panicHandler) MakePanicError(ctx context.Context, value any) *gqlerrors.QueryError {
	h.log.ErrorContext(ctx, "resolver panic", "panic", value)
	return &gqlerrors.QueryError{Message: "internal server error", Extensions: map[string]any{"code": CodeInternal}}
}
