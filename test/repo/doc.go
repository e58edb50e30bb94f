// Package repo holds fast checks of the repository's build files: the Dockerfile, the ocb
// manifest and go.mod. They need no binary and no services; `make test-unit` runs them
// (test/ is its own Go module, so `cd test && go test ./...`).
package repo
