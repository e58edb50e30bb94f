package piiredact

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/fraiseql/otelcol-fraiseql/internal/datasets"
)

// LoghubLines returns every line of the 12 loghub 2k files, in file order, or an error that
// says where to get the corpus (internal/datasets).
func LoghubLines() ([]string, error) {
	dir, err := datasets.Find(datasets.Loghub)
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "*_2k.log"))
	if err != nil {
		return nil, fmt.Errorf("loghub corpus: %w", err)
	}
	sort.Strings(files)
	var lines []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		s := bufio.NewScanner(fh)
		s.Buffer(make([]byte, 1<<20), 1<<20)
		for s.Scan() {
			lines = append(lines, s.Text())
		}
		if err := fh.Close(); err != nil {
			return nil, err
		}
	}
	return lines, nil
}

// LogBatches cuts lines into batches of size records with string bodies and two attributes,
// and returns them with the number of string bytes each holds.
func LogBatches(lines []string, size int) ([]plog.Logs, []int64) {
	var out []plog.Logs
	var sizes []int64
	for i := 0; i < len(lines); i += size {
		ld := plog.NewLogs()
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr("service.name", "loghub")
		lrs := rl.ScopeLogs().AppendEmpty().LogRecords()
		var n int64 = int64(len("loghub"))
		for _, l := range lines[i:min(i+size, len(lines))] {
			lr := lrs.AppendEmpty()
			lr.Body().SetStr(l)
			lr.Attributes().PutStr("log.file.name", "system.log")
			n += int64(len(l) + len("system.log"))
		}
		out = append(out, ld)
		sizes = append(sizes, n)
	}
	return out, sizes
}

// InjectPII returns lines with one PII value (email, card, IBAN, SSN, JWT, provider key,
// E.164 phone, URL credentials) inserted into frac of them, seeded.
func InjectPII(lines []string, frac float64, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, seed+1))
	out := make([]string, len(lines))
	copy(out, lines)
	for i := range out {
		if r.Float64() >= frac {
			continue
		}
		v := samplePII(r)
		l := out[i]
		if sp := strings.IndexByte(l[min(len(l), 20):], ' '); sp >= 0 {
			at := min(len(l), 20) + sp
			out[i] = l[:at] + " " + v + l[at:]
		} else {
			out[i] = l + " " + v
		}
	}
	return out
}

func samplePII(r *rand.Rand) string {
	enc := base64.RawURLEncoding.EncodeToString
	switch r.IntN(8) {
	case 0:
		return fmt.Sprintf("user%d@example.com", r.IntN(1e6))
	case 1:
		return []string{"4111111111111111", "5555 5555 5555 4444", "378282246310005", "6011-1111-1111-1117"}[r.IntN(4)]
	case 2:
		return []string{"DE89370400440532013000", "GB82 WEST 1234 5698 7654 32", "FR1420041010050500013M02606"}[r.IntN(3)]
	case 3:
		return fmt.Sprintf("%03d-%02d-%04d", 100+r.IntN(500), 1+r.IntN(98), 1+r.IntN(9998))
	case 4:
		return enc([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc([]byte(fmt.Sprintf(`{"sub":"%d"}`, r.IntN(1e9)))) + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	case 5:
		return "AKIA" + strings.Repeat("ABCDEFGH234567XY", 1)
	case 6:
		return fmt.Sprintf("+44 20 7946 %04d", r.IntN(1e4))
	default:
		return fmt.Sprintf("https://svc:pw%06d@api.example.com/v1?access_token=tk%d", r.IntN(1e6), r.IntN(1e6))
	}
}

// SpanBatch returns a batch of n spans, each with url.full, db.statement, user.email, a few
// plain attributes and an exception event; and the number of string bytes it holds.
func SpanBatch(n int, seed uint64) (ptrace.Traces, int64) {
	r := rand.New(rand.NewPCG(seed, seed+1))
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "fraiseql")
	rs.Resource().Attributes().PutStr("host.name", "node-17")
	spans := rs.ScopeSpans().AppendEmpty().Spans()
	var bytes int64
	put := func(m pcommon.Map, k, v string) {
		m.PutStr(k, v)
		bytes += int64(len(v))
	}
	for i := 0; i < n; i++ {
		s := spans.AppendEmpty()
		s.SetName("GET /graphql")
		a := s.Attributes()
		put(a, "http.request.method", "GET")
		put(a, "url.full", fmt.Sprintf("https://api.example.com/v1/orders/%d?page=%d&access_token=tk%08d", r.IntN(1e6), r.IntN(9), r.IntN(1e8)))
		put(a, "db.system.name", "postgresql")
		put(a, "db.statement", fmt.Sprintf("SELECT id, total FROM orders WHERE customer_email = 'c%d@example.com' AND total > %d.50 LIMIT 20", r.IntN(1e5), r.IntN(500)))
		put(a, "user.email", fmt.Sprintf("customer%d@example.org", r.IntN(1e5)))
		put(a, "graphql.operation.name", "OrdersByCustomer")
		a.PutInt("http.response.status_code", 200)
		ev := s.Events().AppendEmpty()
		ev.SetName("exception")
		put(ev.Attributes(), "exception.type", "PermissionDenied")
		put(ev.Attributes(), "exception.message", fmt.Sprintf("user u%d may not read order %d", r.IntN(1e5), r.IntN(1e6)))
	}
	return td, bytes
}
