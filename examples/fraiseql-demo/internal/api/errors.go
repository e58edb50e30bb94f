package api

import (
	"context"
	"errors"
	"fmt"

	gqlerrors "github.com/graph-gophers/graphql-go/errors"
)

// Error codes of graphql.error.code (extensions.code of each error). A bounded enum.
const (
	CodeBadUserInput      = "BAD_USER_INPUT"
	CodeUnauthenticated   = "UNAUTHENTICATED"
	CodeForbidden         = "FORBIDDEN"
	CodeRateLimited       = "RATE_LIMITED"
	CodeQueryTooComplex   = "QUERY_TOO_COMPLEX"
	CodeValidationFailed  = "GRAPHQL_VALIDATION_FAILED"
	CodeParseFailed       = "GRAPHQL_PARSE_FAILED"
	CodePaymentDeclined   = "PAYMENT_DECLINED"
	CodeNotFound          = "NOT_FOUND"
	CodeInternal          = "INTERNAL_SERVER_ERROR"
	CodeTimeout           = "TIMEOUT"
	CodeBadRequest        = "BAD_REQUEST"
	CodeServiceOverloaded = "SERVICE_UNAVAILABLE"
)

// ServerFault says whether code is the server's fault: the operation span and the HTTP
// server span get status ERROR (GraphQLOperationErrorRatioHigh counts them).
func ServerFault(code string) bool {
	return code == CodeInternal || code == CodeTimeout || code == CodeServiceOverloaded
}

// codedError is a resolver error with extensions.code.
type codedError struct {
	code string
	msg  string
	// cause is kept for logs (not sent to the client for server faults).
	cause error
}

func (e *codedError) Error() string { return e.msg }
func (e *codedError) Unwrap() error { return e.cause }

// Extensions is read by graphql-go into the error's extensions.
func (e *codedError) Extensions() map[string]any { return map[string]any{"code": e.code} }

func newErr(code, format string, args ...any) error {
	return &codedError{code: code, msg: fmt.Sprintf(format, args...)}
}

func internalErr(cause error) error {
	return &codedError{code: CodeInternal, msg: "internal server error", cause: cause}
}

// codeOf classifies an error of a response.
func codeOf(e *gqlerrors.QueryError) string {
	if e == nil {
		return CodeInternal
	}
	if c, ok := e.Extensions["code"].(string); ok && c != "" {
		return c
	}
	var ce *codedError
	if errors.As(e.ResolverError, &ce) {
		return ce.code
	}
	if errors.Is(e.Err, context.DeadlineExceeded) || errors.Is(e.ResolverError, context.DeadlineExceeded) {
		return CodeTimeout
	}
	if errors.Is(e.Err, context.Canceled) {
		return CodeInternal
	}
	if e.Rule != "" {
		return CodeValidationFailed
	}
	if e.ResolverError != nil || len(e.Path) > 0 {
		return CodeInternal
	}
	return CodeValidationFailed
}
