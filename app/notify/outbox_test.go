package notify_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"kemitraan/app/notify"
	"kemitraan/app/platform/dbtest"
)

type recorder struct {
	mu   sync.Mutex
	sent []notify.Message
	fail error
}

func (r *recorder) Send(_ context.Context, m notify.Message) (notify.Receipt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return notify.Receipt{}, r.fail
	}
	r.sent = append(r.sent, m)
	return notify.Receipt{ID: fmt.Sprintf("terima-%d", len(r.sent))}, nil
}

// deliver runs Deliver with no policy and returns what it sent and how
// many attempts failed.
func deliver(ctx context.Context, db *gorm.DB, s notify.Sender, now time.Time) (sent, failed int, err error) {
	d, err := notify.Deliver(ctx, db, s, notify.Policy{}, now)
	return d.Sent, d.Failed, err
}

type outboxRow struct {
	ID                int64
	Recipient         string
	Channel           string
	Status            string
	ProviderMessageID *string
	CancelReason      string
	Attempts          int
	NextAttemptAt     time.Time
	LastError         string
	SentAt            *time.Time
}

func rows(t *testing.T, db *gorm.DB) []outboxRow {
	t.Helper()
	var out []outboxRow
	if err := db.Table("outbox").Order("id").Find(&out).Error; err != nil {
		t.Fatal(err)
	}
	return out
}

var t0 = time.Date(2025, 3, 10, 2, 0, 0, 0, time.UTC)

func msg(to string) notify.Message {
	return notify.Message{Kind: "test.notice", Recipient: to, Subject: "Pemberitahuan", Body: "Halo,\nini pesan uji.",
		Payload: map[string]any{"purchase_id": 7}}
}

func TestNothingLeavesForARolledBackChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := notify.Enqueue(ctx, tx, t0, msg("a@contoh.id")); err != nil {
			return err
		}
		return errors.New("the change failed")
	})
	if err == nil {
		t.Fatal("transaction should have failed")
	}
	if got := rows(t, db); len(got) != 0 {
		t.Fatalf("outbox has %d rows after a rollback", len(got))
	}
	rec := &recorder{}
	sent, failed, err := deliver(ctx, db, rec, t0.Add(time.Hour))
	if err != nil || sent != 0 || failed != 0 || len(rec.sent) != 0 {
		t.Fatalf("deliver after rollback: sent %d failed %d err %v", sent, failed, err)
	}
}

func TestDeliverSendsCommittedMessagesOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	err := db.Transaction(func(tx *gorm.DB) error {
		return notify.Enqueue(ctx, tx, t0, msg("a@contoh.id"), msg(""), msg("b@contoh.id"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := rows(t, db); len(got) != 2 {
		t.Fatalf("%d rows, want 2 (the message without a recipient is skipped)", len(got))
	}
	rec := &recorder{}
	// Not yet due before it was written.
	if sent, _, _ := deliver(ctx, db, rec, t0.Add(-time.Minute)); sent != 0 {
		t.Fatalf("sent %d before the messages were due", sent)
	}
	sent, failed, err := deliver(ctx, db, rec, t0)
	if err != nil || sent != 2 || failed != 0 {
		t.Fatalf("sent %d failed %d err %v", sent, failed, err)
	}
	// Sent a few at a time, so in any order.
	to := map[string]notify.Message{}
	for _, m := range rec.sent {
		to[m.Recipient] = m
	}
	if a, ok := to["a@contoh.id"]; !ok || a.Payload["purchase_id"] != float64(7) || len(to) != 2 {
		t.Errorf("sent %+v", rec.sent)
	}
	for _, r := range rows(t, db) {
		if r.Status != "sent" || r.SentAt == nil || r.Attempts != 1 || r.ProviderMessageID == nil || r.Channel != "email" {
			t.Errorf("row %+v, want sent once by e-mail with the channel's id", r)
		}
	}
	if sent, _, _ := deliver(ctx, db, rec, t0.Add(time.Hour)); sent != 0 || len(rec.sent) != 2 {
		t.Fatalf("second run sent %d more", sent)
	}
}

func TestFailedAttemptsBackOffThenGiveUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	if err := notify.Enqueue(ctx, db, t0, msg("a@contoh.id")); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{fail: errors.New("connection refused")}
	now := t0
	for attempt := 1; attempt <= notify.MaxAttempts; attempt++ {
		sent, failed, err := deliver(ctx, db, rec, now)
		if err != nil || sent != 0 || failed != 1 {
			t.Fatalf("attempt %d: sent %d failed %d err %v", attempt, sent, failed, err)
		}
		r := rows(t, db)[0]
		wantStatus := "pending"
		if attempt == notify.MaxAttempts {
			wantStatus = "failed"
		}
		if r.Attempts != attempt || r.Status != wantStatus || r.LastError != "connection refused" {
			t.Fatalf("attempt %d: row %+v", attempt, r)
		}
		if want := now.Add(notify.Backoff(attempt)); !r.NextAttemptAt.Equal(want) {
			t.Fatalf("attempt %d: next attempt %v, want %v", attempt, r.NextAttemptAt, want)
		}
		// Nothing is retried before its time.
		if _, failed, _ := deliver(ctx, db, rec, r.NextAttemptAt.Add(-time.Second)); failed != 0 {
			t.Fatalf("attempt %d: retried early", attempt)
		}
		now = r.NextAttemptAt
	}
	rec.fail = nil
	if sent, failed, _ := deliver(ctx, db, rec, now.Add(24*time.Hour)); sent != 0 || failed != 0 {
		t.Fatalf("a failed message was tried again: sent %d failed %d", sent, failed)
	}
}

func TestBackoffDoublesUpToTheCap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		want time.Duration
	}{{1, time.Minute}, {2, 2 * time.Minute}, {3, 4 * time.Minute}, {9, 256 * time.Minute}, {20, notify.MaxDelay}}
	for _, tt := range tests {
		if got := notify.Backoff(tt.n); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.n, got, tt.want)
		}
	}
}

// fakeSMTP accepts one message on loopback and hands back what it received.
func fakeSMTP(t *testing.T) (addr string, got <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	out := make(chan string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(conn)
		reply := func(s string) { fmt.Fprintf(conn, "%s\r\n", s) }
		reply("220 fake ESMTP")
		var transcript strings.Builder
		inData := false
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if inData {
				if line == ".\r\n" {
					inData = false
					reply("250 queued")
					continue
				}
				transcript.WriteString(line)
				continue
			}
			transcript.WriteString(line)
			switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
			case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
				reply("250 fake")
			case cmd == "DATA":
				inData = true
				reply("354 go ahead")
			case cmd == "QUIT":
				reply("221 bye")
				out <- transcript.String()
				return
			default:
				reply("250 ok")
			}
		}
	}()
	return ln.Addr().String(), out
}

func TestSMTPSenderSpeaksSMTP(t *testing.T) {
	t.Parallel()
	addr, got := fakeSMTP(t)
	from, _ := mail.ParseAddress("Dinas Perindustrian <noreply@disperin.example>")
	s := &notify.SMTPSender{Addr: addr, From: from, Timeout: 5 * time.Second}
	m := msg("ikm@contoh.id")
	m.Subject = "Konfirmasi pembelian — Rp1.500.000"
	r, err := s.Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	transcript := <-got
	if r.ID == "" || !strings.Contains(transcript, "Message-ID: "+r.ID) {
		t.Errorf("receipt %q is not the message's Message-ID", r.ID)
	}
	for _, want := range []string{
		"MAIL FROM:<noreply@disperin.example>", "RCPT TO:<ikm@contoh.id>",
		"Subject: =?utf-8?q?", "Content-Type: text/plain; charset=utf-8", "ini pesan uji.",
	} {
		if !strings.Contains(transcript, want) {
			t.Errorf("transcript lacks %q:\n%s", want, transcript)
		}
	}
	var se *notify.SendError
	if _, err := s.Send(context.Background(), msg("bukan alamat")); !errors.As(err, &se) || !se.Permanent {
		t.Errorf("a malformed recipient: %v, want a permanent failure", err)
	}
}

// A long error cut to fit must stay valid text: PostgreSQL refuses a split
// UTF-8 character, which would roll back the whole batch and send its
// delivered messages again on the next run.
func TestLongErrorIsCutOnACharacter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	if err := notify.Enqueue(ctx, db, t0, msg("a@contoh.id")); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{fail: errors.New("x" + strings.Repeat("é", 1000))}
	sent, failed, err := deliver(ctx, db, rec, t0)
	if err != nil || sent != 0 || failed != 1 {
		t.Fatalf("sent %d failed %d err %v", sent, failed, err)
	}
	r := rows(t, db)[0]
	if r.Attempts != 1 {
		t.Errorf("attempts %d, want 1", r.Attempts)
	}
	if !strings.HasPrefix(r.LastError, "xé") || len(r.LastError) > 1000 || !utf8.ValidString(r.LastError) {
		t.Errorf("last_error of %d bytes (valid UTF-8 %v), want at most 1000 bytes of valid UTF-8 starting \"xé\": %q",
			len(r.LastError), utf8.ValidString(r.LastError), r.LastError)
	}
}
