module github.com/fraiseql/otelcol-fraiseql

go 1.26
