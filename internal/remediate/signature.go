package remediate

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Signature headers of the incident exporter's webhook destination: the Unix timestamp, and
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
const (
	HeaderTimestamp = "X-Incident-Timestamp"
	HeaderSignature = "X-Incident-Signature"
)

// MaxSkew is how far a signed timestamp may be from now (either way) before the request is
// refused as stale or replayed.
const MaxSkew = 5 * time.Minute

// Sign returns the signature header value for body at Unix time ts.
func Sign(secret []byte, ts int64, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Errors of Verify.
var (
	ErrUnsigned  = errors.New("missing signature headers")
	ErrStale     = errors.New("timestamp outside the allowed window")
	ErrSignature = errors.New("signature does not match")
)

// Verify checks the signature headers of body at time now. It returns the signed Unix
// timestamp.
func Verify(secret []byte, tsHeader, sigHeader string, body []byte, now time.Time) (int64, error) {
	if len(secret) == 0 {
		return 0, errors.New("no secret configured")
	}
	if tsHeader == "" || sigHeader == "" {
		return 0, ErrUnsigned
	}
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s is not a Unix time", ErrStale, HeaderTimestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > MaxSkew || d < -MaxSkew {
		return 0, fmt.Errorf("%w: %s off by %s", ErrStale, HeaderTimestamp, d.Round(time.Second))
	}
	hexSig, ok := strings.CutPrefix(sigHeader, "sha256=")
	if !ok {
		return 0, fmt.Errorf("%w: %s must start with sha256=", ErrSignature, HeaderSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return 0, fmt.Errorf("%w: not hex", ErrSignature)
	}
	want, _ := hex.DecodeString(strings.TrimPrefix(Sign(secret, ts, body), "sha256="))
	if !hmac.Equal(got, want) {
		return 0, ErrSignature
	}
	return ts, nil
}
