// Package repo holds fast checks of the repository's build files: the Dockerfile, the ocb
// manifest and go.mod. They need no binary and no services, so they run in `go test ./...`.
package repo
