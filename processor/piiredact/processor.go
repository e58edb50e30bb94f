package piiredact // import "github.com/fraiseql/otelcol-fraiseql/processor/piiredact"

import (
	"context"
	"regexp"
	"sync"

	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/fraiseql/otelcol-fraiseql/processor/piiredact/internal/metadata"
	"github.com/fraiseql/otelcol-fraiseql/processor/piiredact/internal/scan"
)

// signal indexes per-signal telemetry attributes.
type signal uint8

const (
	sigTraces signal = iota
	sigMetrics
	sigLogs
	numSignals
)

var signalNames = [numSignals]string{"traces", "metrics", "logs"}

// field indexes what the removed counter counts (attribute `field`).
type field uint8

const (
	fieldAttribute field = iota
	fieldMetric
	fieldTraceStateEntry
	fieldSchemaURL
	numFields
)

var fieldNames = [numFields]string{"attribute", "metric", "trace_state_entry", "schema_url"}

// SummaryAttribute is the record attribute set by summary: the number of redactions.
const SummaryAttribute = "piiredact.redactions"

// piiProcessor holds the compiled configuration; it is shared by every call (the scanner and
// redactor are read-only), per-call state lives in a pooled walker.
type piiProcessor struct {
	scanner  *scan.Scanner
	redactor *scan.Redactor
	keys     *scan.KeyMatcher

	sensitiveOn     bool
	sensitiveAction scan.Action
	sensitiveMask   string
	dbOn            bool
	dbAction        scan.Action
	dbKeys          map[string]struct{}
	cardOn          bool
	phoneNational   bool
	allowKeys       map[string]struct{}
	ignoreKeys      map[string]struct{}
	summary         bool
	numKinds        int

	telemetry *metadata.TelemetryBuilder
	// Pre-built telemetry options (attribute sets), so recording allocates little.
	redactOpts  [][numSignals]metric.AddOption // by kind
	signalOpts  [numSignals]metric.AddOption
	removedOpts [numFields][numSignals]metric.AddOption

	walkers sync.Pool
}

func newPIIProcessor(cfg *Config, set processor.Settings) (*piiProcessor, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	p := &piiProcessor{telemetry: tb}
	p.init(cfg)
	return p, nil
}

// init compiles cfg (already validated) into p.
func (p *piiProcessor) init(cfg *Config) {
	det := cfg.Detectors.byKind()
	policies := make([]scan.Policy, 0, int(scan.NumBuiltin)+len(cfg.Patterns))
	var opts scan.Options
	for k := scan.Kind(0); k < scan.NumBuiltin; k++ {
		d := det[k]
		name := k.String()
		policies = append(policies, scan.Policy{Action: d.Action.scan(), Name: name, Mask: scan.RenderMask(cfg.MaskTemplate, name)})
		if k != scan.SensitiveKey && k != scan.DBStatement {
			opts.Enabled[k] = d.Enabled
		}
	}
	for _, pc := range cfg.Patterns {
		re := regexp.MustCompile(pc.Regex) // validated
		a := pc.Action
		if a == "" {
			a = ActionMask
		}
		policies = append(policies, scan.Policy{Action: a.scan(), Name: pc.Name, Mask: scan.RenderMask(cfg.MaskTemplate, pc.Name)})
		opts.Patterns = append(opts.Patterns, scan.Pattern{Name: pc.Name, Regexp: re, Keywords: pc.Keywords})
	}
	for _, v := range cfg.AllowValues {
		opts.AllowValues = append(opts.AllowValues, regexp.MustCompile(v))
	}
	opts.PhoneNational = cfg.Detectors.Phone.National
	opts.IPKeepLoopback = cfg.Detectors.IP.KeepLoopback
	opts.IPKeepPrivate = cfg.Detectors.IP.KeepPrivate
	p.redactor = scan.NewRedactor(scan.RedactorOptions{
		Policies:        policies,
		HMACKey:         []byte(cfg.HMACKey),
		EmailKeepDomain: cfg.Detectors.Email.KeepDomain,
		CardLast4:       cfg.Detectors.CreditCard.RevealLast4,
	})
	opts.Markers, opts.MarkerPrefixes = p.redactor.Markers()
	p.scanner = scan.New(opts)
	p.keys = scan.NewKeyMatcher(cfg.Detectors.SensitiveKeys.Keys)
	p.sensitiveOn = cfg.Detectors.SensitiveKeys.Enabled
	p.sensitiveAction = cfg.Detectors.SensitiveKeys.Action.scan()
	p.sensitiveMask = policies[scan.SensitiveKey].Mask
	p.dbOn = cfg.Detectors.DBStatement.Enabled
	p.dbAction = cfg.Detectors.DBStatement.Action.scan()
	p.dbKeys = toSet(cfg.Detectors.DBStatement.Keys)
	p.cardOn = cfg.Detectors.CreditCard.Enabled
	p.phoneNational = cfg.Detectors.Phone.Enabled && cfg.Detectors.Phone.National
	p.allowKeys = toSet(cfg.AllowKeys)
	p.ignoreKeys = toSet(cfg.IgnoreKeys)
	p.summary = cfg.Summary
	p.numKinds = len(policies)

	p.redactOpts = make([][numSignals]metric.AddOption, len(policies))
	for k := range policies {
		for s := signal(0); s < numSignals; s++ {
			p.redactOpts[k][s] = metric.WithAttributeSet(attribute.NewSet(
				attribute.String("detector", policies[k].Name), attribute.String("signal", signalNames[s])))
		}
	}
	for s := signal(0); s < numSignals; s++ {
		p.signalOpts[s] = metric.WithAttributeSet(attribute.NewSet(attribute.String("signal", signalNames[s])))
		for f := field(0); f < numFields; f++ {
			p.removedOpts[f][s] = metric.WithAttributeSet(attribute.NewSet(
				attribute.String("field", fieldNames[f]), attribute.String("signal", signalNames[s])))
		}
	}
	p.walkers.New = func() any { return newWalker(p) }
}

func toSet(keys []string) map[string]struct{} {
	if len(keys) == 0 {
		return nil
	}
	m := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		m[k] = struct{}{}
	}
	return m
}

func (p *piiProcessor) getWalker(sig signal) *walker {
	w := p.walkers.Get().(*walker)
	w.sig = sig
	return w
}

// putWalker records the walker's counts as telemetry and returns it to the pool.
func (p *piiProcessor) putWalker(ctx context.Context, w *walker) {
	t := p.telemetry
	for k, n := range w.counts {
		if n > 0 {
			t.ProcessorPiiredactRedactions.Add(ctx, n, p.redactOpts[k][w.sig])
			w.counts[k] = 0
		}
	}
	for f, n := range w.removed {
		if n > 0 {
			t.ProcessorPiiredactRemoved.Add(ctx, n, p.removedOpts[f][w.sig])
			w.removed[f] = 0
		}
	}
	if w.keysReplaced > 0 {
		t.ProcessorPiiredactKeysReplaced.Add(ctx, w.keysReplaced, p.signalOpts[w.sig])
		w.keysReplaced = 0
	}
	t.ProcessorPiiredactItemsScanned.Add(ctx, w.items, p.signalOpts[w.sig])
	t.ProcessorPiiredactBytesScanned.Add(ctx, w.bytes, p.signalOpts[w.sig])
	w.items, w.bytes = 0, 0
	p.walkers.Put(w)
}

func (p *piiProcessor) shutdown(context.Context) error {
	p.telemetry.Shutdown()
	return nil
}
