// Package e2e tests the built distribution binary: every collector config under configs/
// validates, the binary lists the components of the manifest, and a smoke run on
// configs/local.yaml takes traces, metrics and logs from telemetrygen to its file output.
//
// The tests carry the `e2e` build tag and are run by `make test-e2e`, which builds the binary
// and sets OTELCOL_BINARY and TELEMETRYGEN. Under the tag a missing variable fails the test.
package e2e
