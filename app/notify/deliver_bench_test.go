package notify_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kemitraan/app/notify"
	"kemitraan/app/platform/dbtest"
)

// BenchmarkOutboxDrain: the outbox draining 10,000 queued WhatsApp messages
// to a fake Cloud API that answers in 50 ms, against a baseline that sends
// the same messages straight to the same fake with the same concurrency
// and no database. Rounds alternate baseline and outbox (A B A B); the
// medians and their ratio are reported.
//
//	DATABASE_URL=… go test -run '^$' -bench OutboxDrain -benchtime 1x ./app/notify/
//	BENCH_MESSAGES=10000 BENCH_ROUNDS=3 (the defaults)
func BenchmarkOutboxDrain(b *testing.B) {
	messages, rounds := envInt("BENCH_MESSAGES", 10_000), envInt("BENCH_ROUNDS", 3)
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		fmt.Fprintf(w, `{"messages":[{"id":"wamid.%d"}]}`, calls.Add(1))
	}))
	defer srv.Close()
	wa := waSender(srv.URL)
	wa.Client = srv.Client()
	wa.Client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	ctx := context.Background()
	db := dbtest.New(b)
	msgs := make([]notify.Message, messages)
	for i := range msgs {
		msgs[i] = waMessage("62812" + strconv.Itoa(10_000_000+i))
	}
	var direct, outbox []float64 // messages per second
	for range b.N {
		for round := 0; round < rounds; round++ {
			start := time.Now()
			var wg sync.WaitGroup
			work := make(chan notify.Message)
			for range notify.SendWorkers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for m := range work {
						if _, err := wa.Send(ctx, m); err != nil {
							b.Error(err)
						}
					}
				}()
			}
			for _, m := range msgs {
				work <- m
			}
			close(work)
			wg.Wait()
			direct = append(direct, float64(messages)/time.Since(start).Seconds())

			if err := db.Exec(`TRUNCATE outbox`).Error; err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			if err := notify.Enqueue(ctx, db, now, msgs...); err != nil {
				b.Fatal(err)
			}
			start = time.Now()
			d, err := notify.Deliver(ctx, db, notify.Channels{notify.ChannelWhatsApp: wa}, notify.Policy{}, now)
			if err != nil || d.Sent != messages {
				b.Fatalf("delivered %+v, %v", d, err)
			}
			outbox = append(outbox, float64(messages)/time.Since(start).Seconds())
		}
	}
	b.ReportMetric(median(direct), "direct-msg/s")
	b.ReportMetric(median(outbox), "outbox-msg/s")
	b.ReportMetric(median(outbox)/median(direct), "ratio")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func envInt(name string, fallback int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return fallback
}
