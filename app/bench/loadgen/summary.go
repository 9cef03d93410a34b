package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
)

// summarize reads the JSON lines of interleaved runs and prints each run,
// the medians per server and level, and the targets of the write path
// compared with the bare baseline. A missed target is reported, not an
// error: only a tool failure is.
func summarize(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("summarize", flag.ContinueOnError)
	subject := fs.String("subject", "kemitraan", "label of the server under test")
	baseline := fs.String("baseline", "bare", "label of the baseline server")
	minThroughput := fs.Float64("min-throughput", 0.5, "target: subject/baseline requests per second at least this")
	maxP99 := fs.Float64("max-p99", 3, "target: subject/baseline p99 latency at most this")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var runs []result
	for _, path := range fs.Args() {
		rs, err := readResults(path)
		if err != nil {
			return err
		}
		runs = append(runs, rs...)
	}
	if len(runs) == 0 {
		return fmt.Errorf("no runs to summarise in %v", fs.Args())
	}
	slices.SortStableFunc(runs, func(a, b result) int { return a.Concurrency - b.Concurrency })

	fmt.Fprintln(stdout, "Each run (servers started fresh for every run, interleaved):")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "conns\tround\tserver\treq/s\tp50 ms\tp99 ms\tmax ms\terrors\ttimeouts\tpeak RSS MB\tRSS MB\t\tanswers")
	for _, r := range runs {
		fmt.Fprintf(tw, "%d\t%d\t%s\t%.0f\t%.1f\t%.1f\t%.0f\t%d\t%d\t%s\t%s\t\t%s\n", r.Concurrency, r.Round, r.Label,
			r.RPS, r.P50Ms, r.P99Ms, r.MaxMs, r.Errors, r.Timeouts, mb(r.PeakRSSKB), mb(r.RSSKB), statuses(r.Statuses))
	}
	tw.Flush()
	for _, r := range runs {
		if r.FirstError != "" {
			fmt.Fprintf(stdout, "  first failure, %s at %d connections, round %d: %s\n", r.Label, r.Concurrency, r.Round, oneLine(r.FirstError))
		}
	}

	type key struct {
		conns int
		label string
	}
	groups := map[key][]result{}
	var levels []int
	for _, r := range runs {
		k := key{r.Concurrency, r.Label}
		groups[k] = append(groups[k], r)
		if !slices.Contains(levels, r.Concurrency) {
			levels = append(levels, r.Concurrency)
		}
	}
	med := map[key]median{}
	fmt.Fprintln(stdout, "\nMedians over the rounds (errors and timeouts: summed over the rounds):")
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "conns\tserver\trounds\treq/s\tp50 ms\tp99 ms\tmax ms\terrors\ttimeouts\tpeak RSS MB\tRSS MB\t")
	for _, conns := range levels {
		for _, label := range labels(runs, conns, *subject, *baseline) {
			m := medianOf(groups[key{conns, label}])
			med[key{conns, label}] = m
			fmt.Fprintf(tw, "%d\t%s\t%d\t%.0f\t%.1f\t%.1f\t%.0f\t%d\t%d\t%s\t%s\t\n", conns, label, m.rounds,
				m.rps, m.p50, m.p99, m.max, m.errors, m.timeouts, mb(m.peakRSS), mb(m.rss))
		}
	}
	tw.Flush()

	fmt.Fprintf(stdout, "\nTargets (%s against %s, ratios of the medians):\n", *subject, *baseline)
	tw = tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, conns := range levels {
		s, okS := med[key{conns, *subject}]
		b, okB := med[key{conns, *baseline}]
		if !okS || !okB {
			fmt.Fprintf(tw, "%d conns\tno %s or no %s runs to compare\t\t\n", conns, *subject, *baseline)
			continue
		}
		tput, p99 := ratio(s.rps, b.rps), ratio(s.p99, b.p99)
		fmt.Fprintf(tw, "%d conns\tthroughput %s/%s\t%.2f\t(target ≥ %g)\t%s\n", conns, *subject, *baseline, tput, *minThroughput,
			verdict(tput >= *minThroughput))
		fmt.Fprintf(tw, "%d conns\tp99 latency %s/%s\t%.2f\t(target ≤ %g)\t%s\n", conns, *subject, *baseline, p99, *maxP99,
			verdict(b.p99 > 0 && p99 <= *maxP99))
		fmt.Fprintf(tw, "%d conns\t%s errors, timeouts\t%d, %d\t(target 0, 0)\t%s\n", conns, *subject, s.errors, s.timeouts,
			verdict(s.errors == 0 && s.timeouts == 0))
	}
	return tw.Flush()
}

func readResults(path string) ([]result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []result
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var r result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// labels lists the servers measured at a level, subject and baseline first.
func labels(runs []result, conns int, first ...string) []string {
	var out []string
	for _, r := range runs {
		if r.Concurrency == conns && !slices.Contains(out, r.Label) {
			out = append(out, r.Label)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return rank(a, first) - rank(b, first) })
	return out
}

func rank(label string, first []string) int {
	if i := slices.Index(first, label); i >= 0 {
		return i
	}
	return len(first)
}

type median struct {
	rounds             int
	rps, p50, p99, max float64
	peakRSS, rss       int64
	errors, timeouts   int
}

func medianOf(rs []result) median {
	m := median{rounds: len(rs)}
	pick := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		n := len(v)
		if n%2 == 1 {
			return v[n/2]
		}
		return (v[n/2-1] + v[n/2]) / 2
	}
	m.rps = pick(func(r result) float64 { return r.RPS })
	m.p50 = pick(func(r result) float64 { return r.P50Ms })
	m.p99 = pick(func(r result) float64 { return r.P99Ms })
	m.max = pick(func(r result) float64 { return r.MaxMs })
	m.peakRSS = int64(pick(func(r result) float64 { return float64(r.PeakRSSKB) }))
	m.rss = int64(pick(func(r result) float64 { return float64(r.RSSKB) }))
	for _, r := range rs {
		m.errors += r.Errors
		m.timeouts += r.Timeouts
	}
	return m
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "MISS"
}

func mb(kb int64) string {
	if kb == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(kb)/1024)
}

func statuses(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s×%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 200 {
		s = string(r[:200]) + "…"
	}
	return s
}
