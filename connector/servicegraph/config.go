package servicegraph

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Config of the servicegraph connector. Every key has the name, type and meaning of contrib's
// servicegraph connector (a subset of its keys), so a configuration written for this
// connector runs unchanged on contrib's.
type Config struct {
	// LatencyHistogramBuckets are the bounds of the client and server latency histograms.
	LatencyHistogramBuckets []time.Duration `mapstructure:"latency_histogram_buckets"`
	// Dimensions are span (or resource) attributes added as labels: client_<name> from the
	// client span, server_<name> from the server span.
	Dimensions []string `mapstructure:"dimensions"`
	// Store bounds the spans waiting for their other half.
	Store StoreConfig `mapstructure:"store"`
	// StoreExpirationLoop is how often waiting spans older than store.ttl are expired.
	StoreExpirationLoop time.Duration `mapstructure:"store_expiration_loop"`
	// VirtualNodePeerAttributes name the peer of a client span that is never paired, first
	// present wins; the request is then recorded against that virtual node. Empty: no
	// virtual peer nodes.
	VirtualNodePeerAttributes []string `mapstructure:"virtual_node_peer_attributes"`
	// DatabaseNameAttributes mark a client span as a database call (recorded at once, no
	// server span expected) and name the database node, first present wins.
	DatabaseNameAttributes []string `mapstructure:"database_name_attributes"`
	// MetricsFlushInterval is how often the cumulative edge metrics are emitted; 0 emits
	// after every batch of spans.
	MetricsFlushInterval time.Duration `mapstructure:"metrics_flush_interval"`

	_ struct{} // prevent unkeyed literals
}

// StoreConfig bounds the in-memory store of waiting spans.
type StoreConfig struct {
	// TTL is how long a span waits for its other half.
	TTL time.Duration `mapstructure:"ttl"`
	// MaxItems is the most spans waiting at once; further spans are dropped and counted.
	MaxItems int `mapstructure:"max_items"`
}

// maxStoreItems caps store.max_items: about 200 bytes a waiting span, 10 M is ~2 GiB.
const maxStoreItems = 10_000_000

// Validate checks the configuration, naming the field at fault.
func (c *Config) Validate() error {
	var errs []error
	for i, b := range c.LatencyHistogramBuckets {
		if b <= 0 {
			errs = append(errs, fmt.Errorf("latency_histogram_buckets[%d]: must be > 0, got %v", i, b))
		} else if i > 0 && b <= c.LatencyHistogramBuckets[i-1] {
			errs = append(errs, fmt.Errorf("latency_histogram_buckets[%d]: must be greater than the previous bucket (%v), got %v", i, c.LatencyHistogramBuckets[i-1], b))
		}
	}
	for i, d := range c.Dimensions {
		switch {
		case d == "":
			errs = append(errs, fmt.Errorf("dimensions[%d]: must not be empty", i))
		case slices.Index(c.Dimensions, d) < i:
			errs = append(errs, fmt.Errorf("dimensions[%d]: %q is listed twice", i, d))
		}
	}
	if c.Store.TTL <= 0 {
		errs = append(errs, fmt.Errorf("store.ttl: must be > 0, got %v", c.Store.TTL))
	}
	if c.Store.MaxItems <= 0 || c.Store.MaxItems > maxStoreItems {
		errs = append(errs, fmt.Errorf("store.max_items: must be in [1, %d], got %d", maxStoreItems, c.Store.MaxItems))
	}
	if c.StoreExpirationLoop <= 0 {
		errs = append(errs, fmt.Errorf("store_expiration_loop: must be > 0, got %v", c.StoreExpirationLoop))
	}
	for i, a := range c.VirtualNodePeerAttributes {
		if a == "" {
			errs = append(errs, fmt.Errorf("virtual_node_peer_attributes[%d]: must not be empty", i))
		}
	}
	for i, a := range c.DatabaseNameAttributes {
		if a == "" {
			errs = append(errs, fmt.Errorf("database_name_attributes[%d]: must not be empty", i))
		}
	}
	if c.MetricsFlushInterval < 0 {
		errs = append(errs, fmt.Errorf("metrics_flush_interval: must be >= 0, got %v", c.MetricsFlushInterval))
	}
	return errors.Join(errs...)
}

func (c *Config) bounds() []float64 {
	if len(c.LatencyHistogramBuckets) == 0 {
		return slices.Clone(defaultBuckets)
	}
	out := make([]float64, len(c.LatencyHistogramBuckets))
	for i, b := range c.LatencyHistogramBuckets {
		out[i] = b.Seconds()
	}
	return out
}

// defaultBuckets are contrib's and Tempo's default bounds, in seconds.
var defaultBuckets = []float64{0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1, 1.4, 2, 5, 10, 15}
