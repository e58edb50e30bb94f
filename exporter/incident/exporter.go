package incident // import "github.com/fraiseql/otelcol-fraiseql/exporter/incident"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/engine"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/metadata"
	"github.com/fraiseql/otelcol-fraiseql/exporter/incident/internal/outbox"
)

// Storage keys: inc/<fingerprint> (an engine.Incident), out/<destination>/<fingerprint>
// (an outbox.Slot), meta/version.
const (
	keyIncident   = "inc/"
	keySlot       = "out/"
	keyVersion    = "meta/version"
	storeVersion  = "1"
	storeDeadline = 10 * time.Second
)

type incidentExporter struct {
	cfg    *Config
	set    exporter.Settings
	logger *zap.Logger
	tb     *metadata.TelemetryBuilder
	rec    recorder
	now    func() time.Time

	logRules     []*engine.Rule
	metricByName map[string][]*engine.Rule

	mu      sync.Mutex // guards eng, pending and client writes
	eng     *engine.Engine
	client  storage.Client
	pending map[string][]byte // storage writes not yet committed (nil value: delete)
	deleted map[string]bool

	senders []*sender
	stop    chan struct{}
	wg      sync.WaitGroup
	// manual (tests): no background goroutines; the test calls tick and step with a fake clock.
	manual bool
}

func newExporter(set exporter.Settings, cfg *Config) (*incidentExporter, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	x := &incidentExporter{cfg: cfg, set: set, logger: set.Logger, tb: tb, rec: newRecorder(tb, set.Logger), now: time.Now,
		metricByName: map[string][]*engine.Rule{}, pending: map[string][]byte{}, deleted: map[string]bool{}}
	ec, err := cfg.engineConfig(x.rec)
	if err != nil {
		return nil, err
	}
	for _, r := range ec.Rules {
		if r.Kind == engine.Logs {
			x.logRules = append(x.logRules, r)
		} else {
			x.metricByName[r.Metric] = append(x.metricByName[r.Metric], r)
		}
	}
	x.eng = engine.New(ec)
	if err := x.registerGauges(); err != nil {
		return nil, err
	}
	return x, nil
}

func (x *incidentExporter) start(ctx context.Context, host component.Host) error {
	if x.cfg.Storage != nil {
		ext, ok := host.GetExtensions()[*x.cfg.Storage]
		if !ok {
			return fmt.Errorf("storage: extension %q not found (add it to service::extensions)", x.cfg.Storage)
		}
		se, ok := ext.(storage.Extension)
		if !ok {
			return fmt.Errorf("storage: extension %q is not a storage extension", x.cfg.Storage)
		}
		client, err := se.GetClient(ctx, component.KindExporter, x.set.ID, "")
		if err != nil {
			return fmt.Errorf("storage: %w", err)
		}
		x.client = client
		if err := x.load(ctx); err != nil {
			_ = client.Close(ctx)
			x.client = nil
			return err
		}
	} else {
		x.logger.Warn("no storage configured: incident state and undelivered notifications are lost on restart (set storage: file_storage/...)")
	}
	x.stop = make(chan struct{})
	for i := range x.cfg.Destinations {
		s, err := x.newSender(ctx, host, &x.cfg.Destinations[i])
		if err != nil {
			return fmt.Errorf("destinations[%d]: %w", i, err)
		}
		x.senders = append(x.senders, s)
	}
	if x.manual {
		return nil
	}
	for _, s := range x.senders {
		x.wg.Add(1)
		go x.runSender(s)
	}
	x.wg.Add(1)
	go x.runTicker()
	return nil
}

func (x *incidentExporter) shutdown(ctx context.Context) error {
	if x.stop != nil {
		close(x.stop)
		x.wg.Wait()
		x.stop = nil
	}
	for _, s := range x.senders {
		s.client.CloseIdleConnections()
	}
	var err error
	x.locked(func() {
		if x.client != nil {
			err = x.persistLocked(ctx)
			err = errors.Join(err, x.client.Close(ctx))
			x.client = nil
		}
	})
	x.tb.Shutdown()
	return err
}

// load reads every stored slot and incident (slots first: restoring an incident checks
// whether a destination still holds it open).
func (x *incidentExporter) load(ctx context.Context) error {
	w, ok := x.client.(storage.Walker)
	if !ok {
		x.logger.Warn("storage extension cannot list keys (no Walk): starting without previous incidents")
		return x.client.Set(ctx, keyVersion, []byte(storeVersion))
	}
	slots := map[outbox.Key]*outbox.Slot{}
	var incs []*engine.Incident
	bad := 0
	err := w.Walk(ctx, func(key string, value []byte) ([]*storage.Operation, error) {
		switch {
		case strings.HasPrefix(key, keyIncident):
			var i engine.Incident
			if err := json.Unmarshal(value, &i); err != nil || i.Alert.Fingerprint == "" {
				bad++
				return nil, nil
			}
			incs = append(incs, &i)
		case strings.HasPrefix(key, keySlot):
			rest := key[len(keySlot):]
			cut := strings.LastIndexByte(rest, '/')
			var s outbox.Slot
			if cut <= 0 || json.Unmarshal(value, &s) != nil {
				bad++
				return nil, nil
			}
			slots[outbox.Key{Dest: rest[:cut], FP: rest[cut+1:]}] = &s
		}
		return nil, nil
	})
	if err != nil {
		x.rec.storeError()
		return fmt.Errorf("storage: reading incidents: %w", err)
	}
	if bad > 0 {
		x.logger.Warn("skipped unreadable stored records", zap.Int("count", bad))
	}
	now := x.now()
	x.mu.Lock()
	defer x.mu.Unlock()
	known := map[string]bool{}
	for _, d := range x.cfg.Destinations {
		known[d.Name] = true
	}
	for k, s := range slots {
		if !known[k.Dest] {
			x.pending[keySlot+k.Dest+"/"+k.FP] = nil // destination removed from the config
			continue
		}
		x.eng.RestoreSlot(k, s)
	}
	for _, i := range incs {
		x.eng.Restore(i, now)
	}
	x.pending[keyVersion] = []byte(storeVersion)
	x.logger.Info("restored incidents from storage", zap.Int("incidents", len(incs)), zap.Int("outbox_slots", len(slots)))
	return x.persistLocked(ctx)
}

// persistLocked writes what changed since the last call in one batch (one transaction in
// file_storage). A failed batch is kept and retried with the next one.
// locked runs f holding x.mu, released on every path (a panic included: a metrics
// callback runs inside an HTTP handler, where net/http recovers panics).
func (x *incidentExporter) locked(f func()) {
	x.mu.Lock()
	defer x.mu.Unlock()
	f()
}

func (x *incidentExporter) persistLocked(ctx context.Context) error {
	incs, slots := x.eng.TakeDirty()
	if x.client == nil {
		return nil
	}
	for fp, i := range incs {
		if i == nil {
			x.pending[keyIncident+fp] = nil
			continue
		}
		b, err := json.Marshal(i)
		if err != nil {
			return err
		}
		x.pending[keyIncident+fp] = b
	}
	for k, s := range slots {
		key := keySlot + k.Dest + "/" + k.FP
		if s == nil {
			x.pending[key] = nil
			continue
		}
		b, err := json.Marshal(s)
		if err != nil {
			return err
		}
		x.pending[key] = b
	}
	if len(x.pending) == 0 {
		return nil
	}
	ops := make([]*storage.Operation, 0, len(x.pending))
	for k, v := range x.pending {
		if v == nil {
			ops = append(ops, storage.DeleteOperation(k))
		} else {
			ops = append(ops, storage.SetOperation(k, v))
		}
	}
	ctx, cancel := context.WithTimeout(ctx, storeDeadline)
	defer cancel()
	if err := x.client.Batch(ctx, ops...); err != nil {
		x.rec.storeError()
		x.logger.Error("writing incident state failed; will retry", zap.Error(err), zap.Int("keys", len(ops)))
		return fmt.Errorf("incident state not persisted: %w", err)
	}
	clear(x.pending)
	return nil
}

// runTicker evaluates timers every evaluation_interval and wakes the senders.
func (x *incidentExporter) runTicker() {
	defer x.wg.Done()
	t := time.NewTicker(x.cfg.EvaluationInterval)
	defer t.Stop()
	for {
		select {
		case <-x.stop:
			return
		case <-t.C:
			x.tick()
		}
	}
}

func (x *incidentExporter) tick() {
	var amChanged bool
	x.locked(func() {
		x.eng.Tick(x.now())
		amChanged = x.eng.AMChanged()
		_ = x.persistLocked(context.Background())
	})
	for _, s := range x.senders {
		if s.kind != engine.Alertmanager || amChanged {
			s.wake(amChanged)
		}
	}
}
