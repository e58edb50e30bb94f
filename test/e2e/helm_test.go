//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/fraiseql/otelcol-fraiseql/internal/datasets"
)

// The Helm values of deploy/helm/ render with the upstream opentelemetry-collector chart
// (0.170.0, from ../shared/charts, internal/datasets), the rendered objects have the properties docs/deploy.md
// promises, the collector config each one embeds is the shipped configs/<role>.yaml, and
// the built binary validates it under the container's environment.
func TestHelmValues(t *testing.T) {
	// ../shared/charts (or $FRAISEQL_DATA): skipped with where to get it, failed under
	// CHARTS_REQUIRED (CI).
	chart := datasets.Dir(t, datasets.Charts)
	helm := mustEnv(t, "HELM")
	bin := mustEnv(t, "OTELCOL_BINARY")

	for _, tc := range []struct {
		role, kind string
		check      func(t *testing.T, r *rendered, pod map[string]any, c *container)
	}{
		{"agent", "DaemonSet", checkAgent},
		{"gateway", "StatefulSet", checkGateway},
		{"pgstats", "Deployment", checkScraper},
	} {
		t.Run(tc.role, func(t *testing.T) {
			values := filepath.Join(repoRoot(t), "deploy", "helm", tc.role+"-values.yaml")
			cmd := exec.Command(helm, "template", "fraiseql-"+tc.role, chart, "--namespace", "observability", "-f", values)
			cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("helm template %s: %v\n%s", values, err, stderr.String())
			}
			r := parseRendered(t, out)

			workloads := r.all(tc.kind)
			if len(workloads) != 1 {
				t.Fatalf("want one %s, got %d (kinds: %v)", tc.kind, len(workloads), r.kinds())
			}
			w := workloads[0]
			pod := mget(w, "spec", "template", "spec")
			containers, _ := pod["containers"].([]any)
			if len(containers) != 1 {
				t.Fatalf("want one container, got %d", len(containers))
			}
			c := newContainer(containers[0].(map[string]any))

			// Our image, our binary, the chart's config file.
			if img, _ := c.raw["image"].(string); !strings.Contains(img, "otelcol-fraiseql") {
				t.Errorf("image %q is not ours", img)
			}
			if cmdv := fmt.Sprint(c.raw["command"]); cmdv != "[/otelcol-fraiseql]" {
				t.Errorf("command %s, want [/otelcol-fraiseql]", cmdv)
			}
			// GOMEMLIMIT from the memory limit; the memory_limiter follows the same limit.
			if c.env["GOMEMLIMIT"] == "" || mget(c.raw, "resources", "limits")["memory"] == nil {
				t.Errorf("GOMEMLIMIT %q with memory limit %v: want both", c.env["GOMEMLIMIT"], mget(c.raw, "resources", "limits")["memory"])
			}
			// Hardened container.
			sc := mget(c.raw, "securityContext")
			if sc["allowPrivilegeEscalation"] != false || sc["readOnlyRootFilesystem"] != true ||
				fmt.Sprint(mget(sc, "capabilities")["drop"]) != "[ALL]" {
				t.Errorf("securityContext not hardened: %v", sc)
			}
			if fmt.Sprint(mget(pod, "securityContext", "seccompProfile")["type"]) != "RuntimeDefault" {
				t.Errorf("pod seccompProfile: %v", mget(pod, "securityContext"))
			}
			// Every file the config reads from the environment (*_FILE) is on a mounted volume,
			// and the storage directory is a volume (not the read-only root filesystem).
			for k, v := range c.env {
				if strings.HasSuffix(k, "_FILE") && c.mountFor(v) == nil {
					t.Errorf("%s=%s is on no volume mount", k, v)
				}
			}
			if c.mountFor(c.env["FRAISEQL_STORAGE_DIR"]+"/x") == nil {
				t.Errorf("FRAISEQL_STORAGE_DIR %q is not a volume", c.env["FRAISEQL_STORAGE_DIR"])
			}

			// The embedded config is the shipped one.
			relay := r.relay(t)
			var got, want any
			if err := yaml.Unmarshal([]byte(relay), &got); err != nil {
				t.Fatal(err)
			}
			shipped, err := os.ReadFile(filepath.Join(repoRoot(t), "configs", tc.role+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal(shipped, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("the config in %s is not configs/%s.yaml: run deploy/helm/sync-configs.sh", filepath.Base(values), tc.role)
			}

			// The built binary validates it under the container's environment (downward-API
			// values replaced by a placeholder; FRAISEQL_HOST_ROOT, which validation stats,
			// by a directory that exists here).
			cfg := filepath.Join(t.TempDir(), "relay.yaml")
			if err := os.WriteFile(cfg, []byte(relay), 0o600); err != nil {
				t.Fatal(err)
			}
			vc := exec.Command(bin, "validate", "--config", cfg)
			vc.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}
			for k, v := range c.env {
				if k == "FRAISEQL_HOST_ROOT" {
					v = t.TempDir()
				}
				vc.Env = append(vc.Env, k+"="+v)
			}
			if o, err := vc.CombinedOutput(); err != nil {
				t.Fatalf("the %s config does not validate under the pod's environment: %v\n%s", tc.role, err, o)
			}

			tc.check(t, r, pod, c)
		})
	}
}

func checkAgent(t *testing.T, r *rendered, pod map[string]any, c *container) {
	// node name from the downward API, not HOSTNAME (the pod's name)
	if c.fieldRef["FRAISEQL_NODE_NAME"] != "spec.nodeName" {
		t.Errorf("FRAISEQL_NODE_NAME comes from %q, want fieldRef spec.nodeName", c.fieldRef["FRAISEQL_NODE_NAME"])
	}
	// host metrics read the node through a read-only hostPath / at FRAISEQL_HOST_ROOT
	root := c.env["FRAISEQL_HOST_ROOT"]
	m := c.mountAt(root)
	if root == "" || m == nil || m["readOnly"] != true || hostPath(pod, m["name"]) != "/" {
		t.Errorf("FRAISEQL_HOST_ROOT=%q: want a read-only mount of hostPath /, got %v", root, m)
	}
	// queue and file-log offsets on the node (hostPath), so they outlive the pod
	sm := c.mountAt(c.env["FRAISEQL_STORAGE_DIR"])
	if sm == nil || hostPath(pod, sm["name"]) == "" {
		t.Errorf("FRAISEQL_STORAGE_DIR %q is not a hostPath volume", c.env["FRAISEQL_STORAGE_DIR"])
	}
	// log files the agent tails are mounted
	glob := c.env["FRAISEQL_LOG_GLOB"]
	if glob == "" || c.mountFor(glob) == nil {
		t.Errorf("FRAISEQL_LOG_GLOB %q is on no mount", glob)
	}
	if len(r.all("HorizontalPodAutoscaler")) != 0 {
		t.Error("an agent DaemonSet has no HPA")
	}
}

func checkGateway(t *testing.T, r *rendered, pod map[string]any, c *container) {
	sts := r.all("StatefulSet")[0]
	podLabels := mget(sts, "spec", "template", "metadata", "labels")
	// a PVC per replica, mounted as the storage directory
	vcts, _ := mget(sts, "spec")["volumeClaimTemplates"].([]any)
	sm := c.mountAt(c.env["FRAISEQL_STORAGE_DIR"])
	if len(vcts) != 1 || sm == nil || mget(vcts[0].(map[string]any), "metadata")["name"] != sm["name"] {
		t.Errorf("want a volumeClaimTemplate mounted at FRAISEQL_STORAGE_DIR %q; templates %v, mount %v", c.env["FRAISEQL_STORAGE_DIR"], vcts, sm)
	}
	// stable distinct instance id per replica
	if c.fieldRef["FRAISEQL_INSTANCE_ID"] != "metadata.name" {
		t.Errorf("FRAISEQL_INSTANCE_ID from %q, want fieldRef metadata.name", c.fieldRef["FRAISEQL_INSTANCE_ID"])
	}
	// the k8s resolver over a headless Service that selects the gateway pods on port 4417
	if c.env["FRAISEQL_GATEWAY_K8S_RESOLVER"] != "true" || c.env["FRAISEQL_GATEWAY_DNS_RESOLVER"] != "false" {
		t.Errorf("resolver env: k8s=%q dns=%q", c.env["FRAISEQL_GATEWAY_K8S_RESOLVER"], c.env["FRAISEQL_GATEWAY_DNS_RESOLVER"])
	}
	svc := r.named("Service", c.env["FRAISEQL_GATEWAY_K8S_SERVICE"])
	if svc == nil {
		t.Fatalf("no Service %q for the k8s resolver", c.env["FRAISEQL_GATEWAY_K8S_SERVICE"])
	}
	if mget(svc, "spec")["clusterIP"] != "None" {
		t.Errorf("Service %s is not headless", c.env["FRAISEQL_GATEWAY_K8S_SERVICE"])
	}
	if !subset(mget(svc, "spec", "selector"), podLabels) {
		t.Errorf("headless Service selector %v does not select the pods %v", mget(svc, "spec", "selector"), podLabels)
	}
	if !strings.Contains(fmt.Sprint(mget(svc, "spec")["ports"]), "port:4417") {
		t.Errorf("headless Service has no port 4417: %v", mget(svc, "spec")["ports"])
	}
	// RBAC: the pods' service account may get/list/watch EndpointSlices
	sa := pod["serviceAccountName"]
	granted := false
	for _, rb := range append(r.all("RoleBinding"), r.all("ClusterRoleBinding")...) {
		subjects, _ := rb["subjects"].([]any)
		for _, s := range subjects {
			if s.(map[string]any)["name"] != sa {
				continue
			}
			ref := mget(rb, "roleRef")
			role := r.named(fmt.Sprint(ref["kind"]), fmt.Sprint(ref["name"]))
			rules, _ := role["rules"].([]any)
			for _, rule := range rules {
				s := fmt.Sprint(rule)
				if strings.Contains(s, "discovery.k8s.io") && strings.Contains(s, "endpointslices") &&
					strings.Contains(s, "get") && strings.Contains(s, "list") && strings.Contains(s, "watch") {
					granted = true
				}
			}
		}
	}
	if !granted {
		t.Errorf("service account %v may not get/list/watch endpointslices", sa)
	}
	// PodDisruptionBudget over the same pods
	pdbs := r.all("PodDisruptionBudget")
	if len(pdbs) != 1 || !subset(mget(pdbs[0], "spec", "selector", "matchLabels"), podLabels) {
		t.Errorf("want one PodDisruptionBudget selecting the gateway pods, got %v", pdbs)
	} else if mget(pdbs[0], "spec")["maxUnavailable"] == nil && mget(pdbs[0], "spec")["minAvailable"] == nil {
		t.Error("PodDisruptionBudget sets neither maxUnavailable nor minAvailable")
	}
	// HPA on the StatefulSet, at least 3 replicas, a scale-down stabilisation window
	hpas := r.all("HorizontalPodAutoscaler")
	if len(hpas) != 1 {
		t.Fatalf("want one HPA, got %d", len(hpas))
	}
	h := mget(hpas[0], "spec")
	if mget(h, "scaleTargetRef")["kind"] != "StatefulSet" || toInt(h["minReplicas"]) < 3 {
		t.Errorf("HPA target %v min %v", h["scaleTargetRef"], h["minReplicas"])
	}
	if w := toInt(mget(h, "behavior", "scaleDown")["stabilizationWindowSeconds"]); w < 300 {
		t.Errorf("HPA scale-down stabilisation window %ds, want >= 300", w)
	}
	// non-root
	if mget(pod, "securityContext")["runAsNonRoot"] != true {
		t.Errorf("gateway pod not runAsNonRoot: %v", mget(pod, "securityContext"))
	}
	// tier 2 secure: TLS on, not insecure
	if c.env["FRAISEQL_TIER2_TLS_ENABLED"] == "false" || c.env["FRAISEQL_TIER2_INSECURE"] == "true" {
		t.Errorf("tier 2 is not TLS: %v", c.env)
	}
}

func checkScraper(t *testing.T, r *rendered, pod map[string]any, c *container) {
	d := r.all("Deployment")[0]
	if toInt(mget(d, "spec")["replicas"]) != 1 {
		t.Errorf("the scraper runs %v replicas, want exactly 1", mget(d, "spec")["replicas"])
	}
	if mget(d, "spec", "strategy")["type"] != "Recreate" {
		t.Errorf("strategy %v, want Recreate (never two scrapers at once)", mget(d, "spec", "strategy"))
	}
	if len(r.all("HorizontalPodAutoscaler")) != 0 {
		t.Error("the scraper must not autoscale")
	}
	sm := c.mountAt(c.env["FRAISEQL_STORAGE_DIR"])
	var claim string
	if sm != nil {
		for _, v := range podVolumes(pod) {
			if v["name"] == sm["name"] {
				claim = fmt.Sprint(mget(v, "persistentVolumeClaim")["claimName"])
			}
		}
	}
	if claim == "" || r.named("PersistentVolumeClaim", claim) == nil {
		t.Errorf("FRAISEQL_STORAGE_DIR is not on a rendered PersistentVolumeClaim (%q)", claim)
	}
	if mget(pod, "securityContext")["runAsNonRoot"] != true {
		t.Errorf("scraper pod not runAsNonRoot: %v", mget(pod, "securityContext"))
	}
}

// rendered holds the objects of a `helm template` run.
type rendered struct{ objs []map[string]any }

func parseRendered(t *testing.T, out []byte) *rendered {
	t.Helper()
	r := &rendered{}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var o map[string]any
		err := dec.Decode(&o)
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("helm output is not YAML: %v", err)
		}
		if o != nil {
			r.objs = append(r.objs, o)
		}
	}
	return r
}

func (r *rendered) all(kind string) []map[string]any {
	var out []map[string]any
	for _, o := range r.objs {
		if o["kind"] == kind {
			out = append(out, o)
		}
	}
	return out
}

func (r *rendered) named(kind, name string) map[string]any {
	for _, o := range r.all(kind) {
		if mget(o, "metadata")["name"] == name {
			return o
		}
	}
	return nil
}

func (r *rendered) kinds() []string {
	var out []string
	for _, o := range r.objs {
		out = append(out, fmt.Sprint(o["kind"]))
	}
	return out
}

// relay is the collector config of the chart's ConfigMap.
func (r *rendered) relay(t *testing.T) string {
	t.Helper()
	cms := r.all("ConfigMap")
	for _, cm := range cms {
		if s, ok := mget(cm, "data")["relay"].(string); ok {
			return s
		}
	}
	t.Fatalf("no ConfigMap with a relay key among %d", len(cms))
	return ""
}

type container struct {
	raw      map[string]any
	env      map[string]string // literal values
	fieldRef map[string]string // downward-API field paths
	mounts   []map[string]any
}

func newContainer(raw map[string]any) *container {
	c := &container{raw: raw, env: map[string]string{}, fieldRef: map[string]string{}}
	envs, _ := raw["env"].([]any)
	for _, e := range envs {
		m := e.(map[string]any)
		name := fmt.Sprint(m["name"])
		if v, ok := m["value"]; ok {
			c.env[name] = fmt.Sprint(v)
		} else if p := mget(m, "valueFrom", "fieldRef")["fieldPath"]; p != nil {
			c.fieldRef[name] = fmt.Sprint(p)
			c.env[name] = "downward-api-" + fmt.Sprint(p)
		}
	}
	ms, _ := raw["volumeMounts"].([]any)
	for _, m := range ms {
		c.mounts = append(c.mounts, m.(map[string]any))
	}
	return c
}

// mountFor returns the mount whose path contains the file path p.
func (c *container) mountFor(p string) map[string]any {
	for _, m := range c.mounts {
		mp := strings.TrimSuffix(fmt.Sprint(m["mountPath"]), "/")
		if strings.HasPrefix(p, mp+"/") {
			return m
		}
	}
	return nil
}

func (c *container) mountAt(p string) map[string]any {
	for _, m := range c.mounts {
		if fmt.Sprint(m["mountPath"]) == p {
			return m
		}
	}
	return nil
}

func podVolumes(pod map[string]any) []map[string]any {
	var out []map[string]any
	vs, _ := pod["volumes"].([]any)
	for _, v := range vs {
		out = append(out, v.(map[string]any))
	}
	return out
}

func hostPath(pod map[string]any, volume any) string {
	for _, v := range podVolumes(pod) {
		if v["name"] == volume {
			if p, ok := mget(v, "hostPath")["path"].(string); ok {
				return p
			}
		}
	}
	return ""
}

// mget walks nested maps; a missing key gives an empty map.
func mget(m map[string]any, path ...string) map[string]any {
	cur := m
	for _, p := range path {
		next, ok := cur[p].(map[string]any)
		if !ok {
			return map[string]any{}
		}
		cur = next
	}
	return cur
}

func subset(sel, labels map[string]any) bool {
	if len(sel) == 0 {
		return false
	}
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func toInt(v any) int {
	switch x := v.(type) {
	case int:
		return x
	case int64:
		return int(x)
	case float64:
		return int(x)
	}
	return 0
}
