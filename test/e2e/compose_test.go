//go:build e2e

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// deploy/compose/ cannot run here (no Docker engine), so it is checked statically: the file
// parses, every image is pinned by a version tag, every bind-mounted file or directory exists,
// and every collector config a service mounts validates with the built binary under that
// service's environment.

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
}

// version tag: a digest, or a tag other than latest that contains a digit.
var pinnedImage = regexp.MustCompile(`^[a-z0-9./_-]+(:[A-Za-z0-9._-]*[0-9][A-Za-z0-9._-]*|:dev|@sha256:[0-9a-f]{64})$`)

func loadCompose(t *testing.T) (string, composeFile) {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "deploy", "compose")
	b, err := os.ReadFile(filepath.Join(dir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("deploy/compose/compose.yaml does not parse: %v", err)
	}
	if len(c.Services) == 0 {
		t.Fatal("deploy/compose/compose.yaml: no services")
	}
	return dir, c
}

func TestComposeImagesPinned(t *testing.T) {
	_, c := loadCompose(t)
	for name, s := range c.Services {
		if s.Image == "" {
			t.Errorf("service %s: no image (a build needs an image name and tag too)", name)
			continue
		}
		if !pinnedImage.MatchString(s.Image) || strings.HasSuffix(s.Image, ":latest") {
			t.Errorf("service %s: image %q is not pinned to a version tag", name, s.Image)
		}
		// :dev is only for images this repository builds.
		if strings.HasSuffix(s.Image, ":dev") && s.Build == nil && !builtElsewhere(c, s.Image) {
			t.Errorf("service %s: image %q is a local build but no service builds it", name, s.Image)
		}
	}
}

func builtElsewhere(c composeFile, image string) bool {
	for _, s := range c.Services {
		if s.Image == image && s.Build != nil {
			return true
		}
	}
	return false
}

func TestComposeMountsExist(t *testing.T) {
	dir, c := loadCompose(t)
	for name, s := range c.Services {
		for _, v := range s.Volumes {
			src := strings.SplitN(v, ":", 2)[0]
			if !strings.HasPrefix(src, ".") && !strings.HasPrefix(src, "/") {
				if _, ok := c.Volumes[src]; !ok {
					t.Errorf("service %s: named volume %q is not declared under volumes:", name, src)
				}
				continue
			}
			if _, err := os.Stat(filepath.Join(dir, src)); err != nil {
				t.Errorf("service %s: mounted %s does not exist: %v", name, src, err)
			}
		}
	}
}

// Every collector service's --config file validates with the binary, under the service's
// environment (and nothing of this machine's).
func TestComposeCollectorConfigsValidate(t *testing.T) {
	bin := mustEnv(t, "OTELCOL_BINARY")
	dir, c := loadCompose(t)
	names := make([]string, 0, len(c.Services))
	for n := range c.Services {
		names = append(names, n)
	}
	sort.Strings(names)
	checked := 0
	for _, name := range names {
		s := c.Services[name]
		if !strings.HasPrefix(s.Image, "otelcol-fraiseql:") {
			continue
		}
		inContainer := ""
		for i, a := range s.Command {
			if a == "--config" && i+1 < len(s.Command) {
				inContainer = s.Command[i+1]
			}
		}
		if inContainer == "" {
			t.Errorf("service %s: collector without --config", name)
			continue
		}
		host := ""
		for _, v := range s.Volumes {
			parts := strings.Split(v, ":")
			if len(parts) >= 2 && parts[1] == inContainer {
				host = filepath.Join(dir, parts[0])
			}
		}
		if host == "" {
			t.Errorf("service %s: its config %s is not a mounted file", name, inContainer)
			continue
		}
		checked++
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(bin, "validate", "--config", host)
			cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}
			for k, v := range s.Environment {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s (service %s) does not validate: %v\n%s", host, name, err, out)
			}
		})
	}
	if checked < 2 {
		t.Fatalf("expected an agent and a gateway collector service, checked %d", checked)
	}
}

// Loki's limits validation accepts only label matchers as a retention_stream selector; a line
// filter (e.g. `|= ""`) makes Loki refuse the runtime config.
func TestLokiRetentionSelectorsArePlainMatchers(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "configs", "loki", "runtime.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rt struct {
		Overrides map[string]struct {
			RetentionStream []struct {
				Selector string `yaml:"selector"`
			} `yaml:"retention_stream"`
		} `yaml:"overrides"`
	}
	if err := yaml.Unmarshal(b, &rt); err != nil {
		t.Fatal(err)
	}
	matcher := `\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"(?:[^"\\]|\\.)*"\s*`
	plain := regexp.MustCompile(`^\{` + matcher + `(,` + matcher + `)*\}$`)
	n := 0
	for tenant, o := range rt.Overrides {
		for _, r := range o.RetentionStream {
			n++
			if !plain.MatchString(r.Selector) {
				t.Errorf("tenant %s: retention selector %q is not plain label matchers", tenant, r.Selector)
			}
		}
	}
	if n == 0 {
		t.Fatal("no retention_stream selector found in configs/loki/runtime.yaml")
	}
}
