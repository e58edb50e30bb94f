package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"
)

// AlertNameLabel is the label that carries the rule name (Alertmanager's convention).
const AlertNameLabel = "alertname"

// Fingerprint identifies an alert: the hex SHA-256 of the sorted identity pairs plus the
// rule name under "alertname". Only names and identity values enter it (never timestamps,
// metric values or messages), so it is stable across restarts and replicas. Keys and
// values are separated by bytes that cannot occur in UTF-8 text (0xff, 0xfe), so no two
// distinct label sets share the input.
func Fingerprint(rule string, identity map[string]string) string {
	keys := make([]string, 0, len(identity)+1)
	for k := range identity {
		if k != AlertNameLabel {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	h := sha256.New()
	write := func(k, v string) {
		h.Write([]byte(k))
		h.Write([]byte{0xfe})
		h.Write([]byte(v))
		h.Write([]byte{0xff})
	}
	write(AlertNameLabel, rule)
	for _, k := range keys {
		write(k, identity[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}
