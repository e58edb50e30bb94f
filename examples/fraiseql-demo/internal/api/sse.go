package api

import (
	"context"
	"fmt"
	"net/http"

	graphql "github.com/graph-gophers/graphql-go"
)

// serveSubscription streams a subscription as Server-Sent Events (the "distinct connections"
// mode of the GraphQL over SSE protocol): one `event: next` per result, then
// `event: complete`. The operation span lasts as long as the stream.
func (s *Server) serveSubscription(ctx context.Context, w http.ResponseWriter, st *reqState, req gqlRequest, vars map[string]any) {
	fl, ok := w.(http.Flusher)
	if !ok {
		s.fail(ctx, w, st, http.StatusInternalServerError, CodeInternal, "streaming unsupported")
		return
	}
	// A subscription may run longer than the request timeout of queries.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), SubscriptionTimeout+5e9)
	defer cancel()
	go func() {
		select {
		case <-ctx.Done():
			if ctx.Err() == context.Canceled {
				cancel()
			}
		case <-sctx.Done():
		}
	}()
	ch, err := s.schema.Subscribe(sctx, req.Query, req.OperationName, vars)
	if err != nil {
		s.fail(ctx, w, st, http.StatusInternalServerError, CodeInternal, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl.Flush()
	op := traceSpan(sctx)
	for x := range ch {
		resp, ok := x.(*graphql.Response)
		if !ok {
			continue
		}
		s.recordErrors(sctx, op, st, resp.Errors)
		body, err := s.serialize(sctx, "subscription", resp)
		if err != nil {
			break
		}
		if _, err := fmt.Fprintf(w, "event: next\ndata: %s\n\n", body); err != nil {
			break
		}
		fl.Flush()
	}
	_, _ = fmt.Fprint(w, "event: complete\ndata:\n\n")
	fl.Flush()
}
