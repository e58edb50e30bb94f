package repo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// No Docker engine runs on the CI machine, so the image's properties are checked on the
// Dockerfile itself, parsed with BuildKit's own parser.
func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	f, err := os.Open(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("Dockerfile does not parse: %v", err)
	}

	// Split into stages; the final stage is what ships.
	var stages [][]*parser.Node
	for _, n := range res.AST.Children {
		if strings.EqualFold(n.Value, "from") {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			continue // ARGs before the first FROM
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], n)
	}
	if len(stages) < 2 {
		t.Fatalf("want a certificates stage and a final stage, got %d stage(s)", len(stages))
	}
	final := stages[len(stages)-1]
	if got := final[0].Next.Value; got != "scratch" {
		t.Errorf("final stage is FROM %q, want scratch", got)
	}

	var (
		user, entrypoint, cmd *parser.Node
		exposed               []string
		copies                []*parser.Node
	)
	for _, n := range final {
		switch strings.ToLower(n.Value) {
		case "user":
			user = n
		case "entrypoint":
			entrypoint = n
		case "cmd":
			cmd = n
		case "expose":
			for a := n.Next; a != nil; a = a.Next {
				exposed = append(exposed, a.Value)
			}
			if len(n.PrevComment) == 0 {
				t.Errorf("EXPOSE %s at line %d has no comment above it saying what the port is", n.Next.Value, n.StartLine)
			}
		case "copy":
			copies = append(copies, n)
		}
	}

	if user == nil {
		t.Fatal("final stage has no USER: the image would run as root")
	}
	uid := strings.SplitN(user.Next.Value, ":", 2)[0]
	if uid == "0" || uid == "root" || uid == "" {
		t.Errorf("USER %q runs as root", user.Next.Value)
	}
	if user.Next.Value != "10001:10001" {
		t.Errorf("USER %q, want 10001:10001", user.Next.Value)
	}

	if entrypoint == nil || !entrypoint.Attributes["json"] {
		t.Fatal("ENTRYPOINT must be in exec (JSON) form")
	}
	if got := entrypoint.Next.Value; got != "/otelcol-fraiseql" {
		t.Errorf("ENTRYPOINT runs %q, want /otelcol-fraiseql", got)
	}
	if cmd == nil || !cmd.Attributes["json"] {
		t.Fatal("CMD must be in exec (JSON) form")
	}
	var cmdArgs []string
	for a := cmd.Next; a != nil; a = a.Next {
		cmdArgs = append(cmdArgs, a.Value)
	}
	if len(cmdArgs) != 2 || cmdArgs[0] != "--config" {
		t.Fatalf("CMD %q, want [--config <path>]", cmdArgs)
	}
	configPath := cmdArgs[1]

	// The binary is copied with mode 755 to the path ENTRYPOINT runs, and the config CMD names
	// is copied from a file that exists in configs/.
	var binaryCopied, configCopied bool
	for _, c := range copies {
		var args []string
		for a := c.Next; a != nil; a = a.Next {
			args = append(args, a.Value)
		}
		if len(args) != 2 {
			continue
		}
		src, dst := args[0], args[1]
		if dst == entrypoint.Next.Value {
			binaryCopied = true
			if !containsFlag(c.Flags, "--chmod=755") {
				t.Errorf("binary COPY at line %d lacks --chmod=755 (flags %v)", c.StartLine, c.Flags)
			}
			// make docker writes the linux binary there (DOCKER_BIN), whatever the host.
			if src != "_build/linux-${TARGETARCH}/otelcol-fraiseql" {
				t.Errorf("binary copied from %q, want make docker's linux binary _build/linux-${TARGETARCH}/otelcol-fraiseql", src)
			}
		}
		if dst == configPath {
			configCopied = true
			if !strings.HasPrefix(src, "configs/") {
				t.Errorf("default config copied from %q, want a file under configs/", src)
			}
			if _, err := os.Stat(filepath.Join(root, src)); err != nil {
				t.Errorf("default config %s does not exist: %v", src, err)
			}
		}
	}
	if !binaryCopied {
		t.Error("no COPY puts the binary at the ENTRYPOINT path")
	}
	if !configCopied {
		t.Errorf("no COPY puts a default config at %s", configPath)
	}

	for _, want := range []string{"4317", "4318", "13133"} {
		if !containsFlag(exposed, want) {
			t.Errorf("port %s is not EXPOSEd (exposed: %v)", want, exposed)
		}
	}
}

func containsFlag(list []string, want string) bool {
	for _, s := range list {
		if s == want {
			return true
		}
	}
	return false
}
