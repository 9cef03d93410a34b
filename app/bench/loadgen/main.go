// Command loadgen is a bounded, closed-loop load generator for
// POST /api/v1/purchases: c workers, each sending its next purchase (a fresh
// invoice number) as soon as the previous one is answered, over c reused
// keep-alive connections, for a fixed duration. Every request has a
// client-side timeout, so a frozen server costs at most duration + timeout.
// It prints its figures as one JSON line on stdout; scripts/bench-write and
// scripts/fault-drill run it.
//
//	loadgen -url http://127.0.0.1:8080/api/v1/purchases -token kmt_… -c 16 -duration 15s -ikm-id 3,4 -prefix R1
//	loadgen summarize results.jsonl      # the table of scripts/bench-write
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "summarize" {
		err = summarize(os.Args[2:], os.Stdout)
	} else {
		err = load(os.Args[1:], os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

type options struct {
	url      string
	token    string
	conns    int
	duration time.Duration
	warmup   time.Duration
	timeout  time.Duration
	ikmIDs   []int64
	ikmNIBs  []string
	prefix   string
	date     string
	acked    string
	pid      int
	label    string
	round    int
	timeline bool
}

func parseOptions(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.StringVar(&o.url, "url", "", "the POST /api/v1/purchases URL")
	fs.StringVar(&o.token, "token", "", "ERP API token, sent as Authorization: Bearer")
	fs.IntVar(&o.conns, "c", 16, "connections: concurrent workers, one request in flight each")
	fs.DurationVar(&o.duration, "duration", 15*time.Second, "how long to measure")
	fs.DurationVar(&o.warmup, "warmup", 0, "load sent before measuring and left out of the figures")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "client-side limit of one request, answer included")
	ids := fs.String("ikm-id", "", "IKM ids to buy from, comma-separated, used in turn")
	nibs := fs.String("ikm-nib", "", "IKM NIBs to buy from (instead of -ikm-id), comma-separated")
	fs.StringVar(&o.prefix, "prefix", "", "invoice number prefix, unique per run so every request inserts")
	fs.StringVar(&o.date, "date", "2025-03-10", "purchase_date of every purchase")
	fs.StringVar(&o.acked, "acked", "", "file to write the invoice number of every 2xx answer to, one a line")
	fs.IntVar(&o.pid, "pid", 0, "server process whose peak and current RSS to report after the run")
	fs.StringVar(&o.label, "label", "", "name of the server, echoed in the output")
	fs.IntVar(&o.round, "round", 0, "round number, echoed in the output")
	fs.BoolVar(&o.timeline, "timeline", false, "also print the answers of each second to stderr")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.ikmIDs, err = parseIDs(*ids); err != nil {
		return o, err
	}
	o.ikmNIBs = splitList(*nibs)
	switch {
	case o.url == "":
		return o, errors.New("-url is required")
	case o.prefix == "":
		return o, errors.New("-prefix is required")
	case o.conns < 1:
		return o, errors.New("-c must be at least 1")
	case o.duration <= 0 || o.timeout <= 0:
		return o, errors.New("-duration and -timeout must be positive")
	case len(o.ikmIDs) == 0 && len(o.ikmNIBs) == 0:
		return o, errors.New("name the IKM with -ikm-id or -ikm-nib")
	case len(o.ikmIDs) > 0 && len(o.ikmNIBs) > 0:
		return o, errors.New("-ikm-id or -ikm-nib, not both")
	}
	return o, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func parseIDs(s string) ([]int64, error) {
	var out []int64
	for _, f := range splitList(s) {
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("-ikm-id: %q is not an id", f)
		}
		out = append(out, id)
	}
	return out, nil
}

// purchase is the body kemitraan and the bare server both take.
type purchase struct {
	IKMID         int64  `json:"ikm_id,omitempty"`
	IKMNIB        string `json:"ikm_nib,omitempty"`
	InvoiceNumber string `json:"invoice_number"`
	PurchaseDate  string `json:"purchase_date"`
	Description   string `json:"description"`
	Quantity      int64  `json:"quantity"`
	Amount        int64  `json:"amount"`
}

func (o options) body(worker, seq int, phase string) (invoice string, body []byte) {
	invoice = fmt.Sprintf("%s-%s%02d-%07d", o.prefix, phase, worker, seq)
	p := purchase{InvoiceNumber: invoice, PurchaseDate: o.date, Quantity: int64(1 + seq%50),
		Description: "Pembelian uji beban " + invoice, Amount: int64(40_000 + seq%100*1_000)}
	n := worker + seq
	if len(o.ikmIDs) > 0 {
		p.IKMID = o.ikmIDs[n%len(o.ikmIDs)]
	} else {
		p.IKMNIB = o.ikmNIBs[n%len(o.ikmNIBs)]
	}
	body, _ = json.Marshal(p) // a struct of strings and numbers always marshals
	return invoice, body
}

// outcome is one request as the client saw it.
type outcome struct {
	at      time.Duration // since the phase started, when it was answered
	latency time.Duration
	status  int    // 0 when no answer came
	kind    string // "timeout" or "transport" when status is 0
	invoice string
	body    string // the start of a non-2xx answer, for the report
}

func load(args []string, stdout io.Writer) error {
	o, err := parseOptions(args)
	if err != nil {
		return err
	}
	client := &http.Client{
		Timeout: o.timeout,
		Transport: &http.Transport{
			// One keep-alive connection per worker, reused for every request.
			MaxIdleConns: o.conns, MaxIdleConnsPerHost: o.conns, IdleConnTimeout: time.Minute,
			DialContext: (&net.Dialer{Timeout: o.timeout}).DialContext,
			// No Accept-Encoding: gzip, as most ERP clients send none; the
			// baseline compresses nothing either.
			DisableCompression: true,
		},
	}
	var acked *bufio.Writer
	if o.acked != "" {
		f, err := os.Create(o.acked)
		if err != nil {
			return err
		}
		defer f.Close()
		acked = bufio.NewWriter(f)
		defer acked.Flush()
	}
	record := func(out outcome) {
		if acked != nil && out.status >= 200 && out.status < 300 {
			fmt.Fprintln(acked, out.invoice)
		}
	}
	if o.warmup > 0 {
		run(client, o, o.warmup, "W", record)
	}
	start := time.Now()
	outcomes := run(client, o, o.duration, "M", record)
	res := summarise(o, outcomes, time.Since(start))
	if o.pid != 0 {
		res.PeakRSSKB, res.RSSKB, err = rss(o.pid)
		if err != nil {
			res.RSSError = err.Error()
		}
	}
	if acked != nil {
		if err := acked.Flush(); err != nil {
			return err
		}
	}
	what := fmt.Sprintf("%s, %d connections", o.label, o.conns)
	if o.round != 0 {
		what += fmt.Sprintf(", round %d", o.round)
	}
	fmt.Fprintf(os.Stderr, "%s: %.0f req/s, p50 %.1f ms, p99 %.1f ms, max %.0f ms, %d errors, %d timeouts; answers %s\n",
		what, res.RPS, res.P50Ms, res.P99Ms, res.MaxMs, res.Errors, res.Timeouts, statuses(res.Statuses))
	if res.FirstError != "" {
		fmt.Fprintf(os.Stderr, "  first failure: %s\n", oneLine(res.FirstError))
	}
	if o.timeline {
		for i, sec := range res.Timeline {
			fmt.Fprintf(os.Stderr, "  %3d s: %5d 2xx, %4d failed, %4d timeouts\n", i, sec.OK, sec.Failed, sec.Timeouts)
		}
	}
	return json.NewEncoder(stdout).Encode(res)
}

// run sends load for d with o.conns closed-loop workers and returns every
// request started within d, waiting for those still in flight at the end
// (each bounded by the client timeout).
func run(client *http.Client, o options, d time.Duration, phase string, record func(outcome)) []outcome {
	start := time.Now()
	end := start.Add(d)
	results := make(chan []outcome, o.conns)
	for w := range o.conns {
		go func() {
			var mine []outcome
			for seq := 0; time.Now().Before(end); seq++ {
				out := send(client, o, w, seq, phase)
				out.at = time.Since(start)
				mine = append(mine, out)
			}
			results <- mine
		}()
	}
	var all []outcome
	for range o.conns {
		mine := <-results
		all = append(all, mine...)
	}
	for _, out := range all {
		record(out)
	}
	return all
}

func send(client *http.Client, o options, worker, seq int, phase string) outcome {
	invoice, body := o.body(worker, seq, phase)
	out := outcome{invoice: invoice}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, o.url, bytes.NewReader(body))
	if err != nil {
		out.kind = "transport"
		out.body = err.Error()
		return out
	}
	req.Header.Set("Content-Type", "application/json")
	if o.token != "" {
		req.Header.Set("Authorization", "Bearer "+o.token)
	}
	t0 := time.Now()
	resp, err := client.Do(req)
	if err == nil {
		var head []byte
		if resp.StatusCode < 200 || resp.StatusCode >= 300 {
			head, _ = io.ReadAll(io.LimitReader(resp.Body, 300))
		}
		// Read the whole answer: the latency is until the last byte, and a
		// fully read body lets the connection be reused.
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		out.status, out.body = resp.StatusCode, string(head)
	}
	out.latency = time.Since(t0)
	if err != nil {
		out.status = 0
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			out.kind = "timeout"
		} else {
			out.kind = "transport"
		}
		out.body = err.Error()
	}
	return out
}
