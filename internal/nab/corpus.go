package nab

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Profile is one NAB cost matrix.
type Profile struct {
	TPWeight float64 `json:"tpWeight"`
	FNWeight float64 `json:"fnWeight"`
	FPWeight float64 `json:"fpWeight"`
	TNWeight float64 `json:"tnWeight"`
}

// ProfileNames lists NAB's three profiles in their usual order.
var ProfileNames = []string{"standard", "reward_low_FP_rate", "reward_low_FN_rate"}

// Window is an inclusive [Start, End] pair of timestamps (Unix nanoseconds).
type Window struct {
	Start, End int64
}

// Series is one data file: a timestamp and a value per row, in row order.
type Series struct {
	Timestamps []int64
	Values     []float64
}

const tsLayout = "2006-01-02 15:04:05"

// ParseTimestamp parses NAB's "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC) into Unix nanoseconds.
func ParseTimestamp(s string) (int64, error) {
	s = strings.TrimSpace(s)
	layout := tsLayout
	if i := strings.IndexByte(s, '.'); i >= 0 {
		layout = tsLayout + "." + strings.Repeat("0", len(s)-i-1)
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return 0, err
	}
	return t.UnixNano(), nil
}

// LoadProfiles reads DIR/config/profiles.json.
func LoadProfiles(dir string) (map[string]Profile, error) {
	b, err := os.ReadFile(filepath.Join(dir, "config", "profiles.json"))
	if err != nil {
		return nil, err
	}
	var raw map[string]struct {
		CostMatrix Profile `json:"CostMatrix"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("profiles.json: %w", err)
	}
	out := make(map[string]Profile, len(raw))
	for k, v := range raw {
		out[k] = v.CostMatrix
	}
	for _, n := range ProfileNames {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("profiles.json: profile %q missing", n)
		}
	}
	return out, nil
}

// LoadWindows reads DIR/labels/combined_windows.json: file name
// ("category/file.csv") to its windows, in file order.
func LoadWindows(dir string) (map[string][]Window, error) {
	b, err := os.ReadFile(filepath.Join(dir, "labels", "combined_windows.json"))
	if err != nil {
		return nil, err
	}
	var raw map[string][][2]string
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("combined_windows.json: %w", err)
	}
	out := make(map[string][]Window, len(raw))
	for name, ws := range raw {
		list := make([]Window, 0, len(ws))
		for _, w := range ws {
			s, err := ParseTimestamp(w[0])
			if err != nil {
				return nil, fmt.Errorf("combined_windows.json %s: %w", name, err)
			}
			e, err := ParseTimestamp(w[1])
			if err != nil {
				return nil, fmt.Errorf("combined_windows.json %s: %w", name, err)
			}
			list = append(list, Window{Start: s, End: e})
		}
		out[name] = list
	}
	return out, nil
}

// SortedNames returns the keys of a windows map in lexical order.
func SortedNames(w map[string][]Window) []string {
	names := make([]string, 0, len(w))
	for n := range w {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ReadCSV reads a NAB CSV with a "timestamp" column and the named value
// column (e.g. "value" for data, "anomaly_score" for results).
func ReadCSV(path, column string) (Series, error) {
	f, err := os.Open(path)
	if err != nil {
		return Series{}, err
	}
	defer f.Close()
	return parseCSV(f, column, path)
}

func parseCSV(r io.Reader, column, name string) (Series, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	if !sc.Scan() {
		return Series{}, fmt.Errorf("%s: empty file", name)
	}
	header := strings.Split(strings.TrimSpace(sc.Text()), ",")
	tsCol, valCol := -1, -1
	for i, h := range header {
		switch h {
		case "timestamp":
			tsCol = i
		case column:
			valCol = i
		}
	}
	if tsCol < 0 || valCol < 0 {
		return Series{}, fmt.Errorf("%s: need columns timestamp and %s, got %v", name, column, header)
	}
	var s Series
	line := 1
	for sc.Scan() {
		line++
		txt := strings.TrimSpace(sc.Text())
		if txt == "" {
			continue
		}
		fields := strings.Split(txt, ",")
		if len(fields) <= tsCol || len(fields) <= valCol {
			return Series{}, fmt.Errorf("%s:%d: short row", name, line)
		}
		ts, err := ParseTimestamp(fields[tsCol])
		if err != nil {
			return Series{}, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		v, err := strconv.ParseFloat(fields[valCol], 64)
		if err != nil {
			return Series{}, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		s.Timestamps = append(s.Timestamps, ts)
		s.Values = append(s.Values, v)
	}
	if err := sc.Err(); err != nil {
		return Series{}, fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

// DataPath is the data CSV of a file name in the windows JSON.
func DataPath(dir, name string) string {
	return filepath.Join(dir, "data", filepath.FromSlash(name))
}

// ResultsPath is NAB's results CSV of detector det for a file name,
// results/<det>/<category>/<det>_<file>.csv.
func ResultsPath(dir, det, name string) string {
	cat, file := filepath.Split(filepath.FromSlash(name))
	return filepath.Join(dir, "results", det, cat, det+"_"+file)
}
