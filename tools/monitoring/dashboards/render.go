package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Render builds a dashboard and serialises it the way it is committed: indented JSON with a
// trailing newline, panel ids numbered in order (the SDK leaves them unset).
func Render(s Spec) ([]byte, error) {
	d, err := s.Build()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.File, err)
	}
	if err := applyDocs(&d); err != nil {
		return nil, fmt.Errorf("%s: %w", s.File, err)
	}
	var id uint32
	for i := range d.Panels {
		if p := d.Panels[i].Panel; p != nil {
			id++
			p.Id = ptr(id)
		}
		if r := d.Panels[i].RowPanel; r != nil {
			id++
			r.Id = id
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("%s: %w", s.File, err)
	}
	return buf.Bytes(), nil
}

func ptr[T any](v T) *T { return &v }
