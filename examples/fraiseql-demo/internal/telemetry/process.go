package telemetry

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// RegisterProcessMetrics observes process.cpu.time (cpu.mode = user | system) and
// process.memory.usage (resident set size) of this process.
func RegisterProcessMetrics(m metric.Meter) error {
	cpu, err := m.Float64ObservableCounter("process.cpu.time", metric.WithUnit("s"),
		metric.WithDescription("Total CPU seconds broken down by different CPU modes."))
	if err != nil {
		return err
	}
	mem, err := m.Int64ObservableUpDownCounter("process.memory.usage", metric.WithUnit("By"),
		metric.WithDescription("The amount of physical memory in use (resident set size)."))
	if err != nil {
		return err
	}
	user := metric.WithAttributes(attribute.String("cpu.mode", "user"))
	system := metric.WithAttributes(attribute.String("cpu.mode", "system"))
	_, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		var ru syscall.Rusage
		if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
			o.ObserveFloat64(cpu, float64(ru.Utime.Sec)+float64(ru.Utime.Usec)/1e6, user)
			o.ObserveFloat64(cpu, float64(ru.Stime.Sec)+float64(ru.Stime.Usec)/1e6, system)
		}
		o.ObserveInt64(mem, residentBytes())
		return nil
	}, cpu, mem)
	return err
}

// residentBytes reads the RSS from /proc/self/statm; elsewhere it falls back to the Go
// runtime's view of the memory obtained from the OS.
func residentBytes() int64 {
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		f := strings.Fields(string(b))
		if len(f) > 1 {
			if pages, err := strconv.ParseInt(f[1], 10, 64); err == nil {
				return pages * int64(os.Getpagesize())
			}
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.Sys)
}
