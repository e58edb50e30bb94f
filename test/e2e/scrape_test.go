//go:build e2e

package e2e

import (
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// sample is one sample of a Prometheus exposition: histogram and summary families come out
// as their _bucket (with le), _sum and _count (or quantile) series, as in a query.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// scrapeSamples reads every sample of a Prometheus text endpoint with the Prometheus text
// parser; an exposition it cannot parse is an error.
func scrapeSamples(url string) ([]sample, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	vec, err := expfmt.ExtractSamples(&expfmt.DecodeOptions{}, slices.Collect(maps.Values(families))...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	out := make([]sample, 0, len(vec))
	for _, s := range vec {
		labels := make(map[string]string, len(s.Metric))
		for k, v := range s.Metric {
			if k != model.MetricNameLabel {
				labels[string(k)] = string(v)
			}
		}
		out = append(out, sample{name: string(s.Metric[model.MetricNameLabel]), labels: labels, value: float64(s.Value)})
	}
	return out, nil
}

// findSample returns the value of the one sample of name whose labels include want.
func findSample(samples []sample, name string, want map[string]string) (float64, bool) {
	for _, s := range samples {
		if s.name == name && hasLabels(s, want) {
			return s.value, true
		}
	}
	return 0, false
}

// hasLabels reports whether s carries every label of want with its value.
func hasLabels(s sample, want map[string]string) bool {
	for k, v := range want {
		if s.labels[k] != v {
			return false
		}
	}
	return true
}
