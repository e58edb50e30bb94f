package lint

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

type target struct {
	RefID      string `json:"refId"`
	Expr       string `json:"expr"`
	Query      string `json:"query"`
	QueryType  string `json:"queryType"`
	Exemplar   bool   `json:"exemplar"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
}

type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	Description string `json:"description"`
	Links       []struct {
		Title string `json:"title"`
		URL   string `json:"url"`
	} `json:"links"`
	Targets     []target `json:"targets"`
	Panels      []panel  `json:"panels"`
	FieldConfig *struct {
		Defaults struct {
			Unit string `json:"unit"`
		} `json:"defaults"`
	} `json:"fieldConfig"`
}

type board struct {
	File        string
	UID         string  `json:"uid"`
	Title       string  `json:"title"`
	Panels      []panel `json:"panels"`
	Annotations struct {
		List []struct {
			Name string `json:"name"`
			Expr string `json:"expr"`
		} `json:"list"`
	} `json:"annotations"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

// allPanels flattens rows (collapsed rows nest their panels).
func (b board) allPanels() []panel {
	var out []panel
	for _, p := range b.Panels {
		out = append(out, p)
		out = append(out, p.Panels...)
	}
	return out
}

func loadBoards(t *testing.T) []board {
	t.Helper()
	files, _ := filepath.Glob(repo("configs", "grafana", "dashboards", "*.json"))
	var out []board
	for _, f := range files {
		var b board
		if err := json.Unmarshal(readFile(t, f), &b); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		b.File = filepath.Base(f)
		out = append(out, b)
	}
	return out
}
