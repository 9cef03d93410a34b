package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// result is one measured run, the JSON line loadgen prints.
type result struct {
	Label       string  `json:"label"`
	Round       int     `json:"round"`
	Concurrency int     `json:"concurrency"`
	DurationS   float64 `json:"duration_s"` // the measured window
	ElapsedS    float64 `json:"elapsed_s"`  // the window and the wait for requests still in flight
	Requests    int     `json:"requests"`   // started within the window
	OK          int     `json:"ok"`         // 2xx answers
	// RPS is the 2xx answers received within the window, per second of it.
	RPS float64 `json:"rps"`
	// Errors are non-2xx answers and failures without an answer other than
	// the client-side timeout (refused or reset connections).
	Errors   int            `json:"errors"`
	Timeouts int            `json:"timeouts"`
	Statuses map[string]int `json:"statuses"` // by HTTP status, "timeout" and "transport"
	// Latencies cover every request started in the window, answered or
	// not; a timed-out one counts at its timeout.
	P50Ms float64 `json:"p50_ms"`
	P99Ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
	// The server's VmHWM (peak resident set since it started) and VmRSS
	// after the run, from /proc/PID/status.
	PeakRSSKB int64  `json:"peak_rss_kb,omitempty"`
	RSSKB     int64  `json:"rss_kb,omitempty"`
	RSSError  string `json:"rss_error,omitempty"`
	// Timeline counts answers by the second of the window they came in.
	Timeline []second `json:"timeline"`
	// FirstError is the start of the first failed answer, to tell why.
	FirstError string `json:"first_error,omitempty"`
}

type second struct {
	OK       int `json:"ok"`
	Failed   int `json:"failed"` // non-2xx and transport failures
	Timeouts int `json:"timeouts"`
}

func summarise(o options, outs []outcome, elapsed time.Duration) result {
	r := result{Label: o.label, Round: o.round, Concurrency: o.conns, DurationS: o.duration.Seconds(),
		ElapsedS: elapsed.Seconds(), Requests: len(outs), Statuses: map[string]int{}}
	lat := make([]time.Duration, 0, len(outs))
	okInWindow := 0
	r.Timeline = make([]second, int(elapsed/time.Second)+1)
	for _, out := range outs {
		lat = append(lat, out.latency)
		sec := &r.Timeline[min(int(out.at/time.Second), len(r.Timeline)-1)]
		key := out.kind
		if out.status != 0 {
			key = strconv.Itoa(out.status)
		}
		r.Statuses[key]++
		switch {
		case out.status >= 200 && out.status < 300:
			r.OK++
			sec.OK++
			if out.at <= o.duration {
				okInWindow++
			}
			continue
		case out.kind == "timeout":
			r.Timeouts++
			sec.Timeouts++
		default:
			r.Errors++
			sec.Failed++
		}
		if r.FirstError == "" {
			r.FirstError = strings.TrimSpace(key + " " + out.body)
		}
	}
	r.RPS = float64(okInWindow) / o.duration.Seconds()
	slices.Sort(lat)
	r.P50Ms, r.P99Ms = ms(percentile(lat, 50)), ms(percentile(lat, 99))
	if len(lat) > 0 {
		r.MaxMs = ms(lat[len(lat)-1])
	}
	return r
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 · n)
	return sorted[max(rank, 1)-1]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// rss reads a process's peak and current resident set size, in kB.
func rss(pid int) (peak, current int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status %s: %w", pid, name, err)
		}
		if name == "VmHWM" {
			peak = kb
		} else {
			current = kb
		}
	}
	return peak, current, sc.Err()
}
