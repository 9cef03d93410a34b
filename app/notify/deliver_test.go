package notify_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"kemitraan/app/notify"
	"kemitraan/app/platform/dbtest"
)

// TestStatusSaysWhatHappened: logged (development) is not sent; a
// permanent failure is not retried; a channel's Retry-After is honoured; a
// message for a channel that is not configured fails for good, with why.
func TestStatusSaysWhatHappened(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	wa := msg("6281234567890")
	wa.Channel = notify.ChannelWhatsApp
	if err := notify.Enqueue(ctx, db, t0, msg("a@contoh.id"), wa); err != nil {
		t.Fatal(err)
	}
	log := notify.LogSender{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	d, err := notify.Deliver(ctx, db, notify.Channels{notify.ChannelEmail: log}, notify.Policy{}, t0)
	if err != nil || d.Logged != 1 || d.Sent != 0 || d.Failed != 1 {
		t.Fatalf("delivered %+v, %v", d, err)
	}
	got := rows(t, db)
	if got[0].Status != "logged" || got[0].SentAt == nil {
		t.Errorf("the logged message: %+v", got[0])
	}
	if got[1].Status != "failed" || got[1].Channel != "whatsapp" || got[1].LastError != "saluran whatsapp belum dikonfigurasi" {
		t.Errorf("the message for an unconfigured channel: %+v", got[1])
	}

	db = dbtest.New(t)
	if err := notify.Enqueue(ctx, db, t0, msg("a@contoh.id"), msg("b@contoh.id")); err != nil {
		t.Fatal(err)
	}
	// a@ is refused for good, b@ is asked to wait ten minutes.
	sender := senderFunc(func(m notify.Message) (notify.Receipt, error) {
		if m.Recipient == "a@contoh.id" {
			return notify.Receipt{}, notify.Permanent(errors.New("400 nomor tidak terdaftar"))
		}
		return notify.Receipt{}, notify.RetryAfter(errors.New("429 terlalu banyak"), 10*time.Minute)
	})
	if d, err := notify.Deliver(ctx, db, sender, notify.Policy{}, t0); err != nil || d.Failed != 2 {
		t.Fatalf("delivered %+v, %v", d, err)
	}
	got = rows(t, db)
	if got[0].Status != "failed" || got[0].Attempts != 1 {
		t.Errorf("a permanent failure: %+v, want failed after one attempt", got[0])
	}
	if got[1].Status != "pending" || !got[1].NextAttemptAt.Equal(t0.Add(10*time.Minute)) {
		t.Errorf("a 429: %+v, want pending until %v", got[1], t0.Add(10*time.Minute))
	}
}

// TestStaleMessagesAreCancelled: a message whose kind says its reason is
// gone is cancelled, with why, and never handed to a channel.
func TestStaleMessagesAreCancelled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	gone := msg("a@contoh.id")
	gone.Payload = map[string]any{"purchase_id": 8}
	if err := notify.Enqueue(ctx, db, t0, msg("b@contoh.id"), gone); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	policy := notify.Policy{Stale: map[string]notify.Stale{"test.notice": {
		When: "(o.payload->>'purchase_id')::int = 8", Reason: "pembelian sudah dijawab"}}}
	d, err := notify.Deliver(ctx, db, rec, policy, t0)
	if err != nil || d.Sent != 1 || d.Cancelled != 1 {
		t.Fatalf("delivered %+v, %v", d, err)
	}
	if len(rec.sent) != 1 || rec.sent[0].Recipient != "b@contoh.id" {
		t.Errorf("sent %+v", rec.sent)
	}
	got := rows(t, db)
	if got[1].Status != "cancelled" || got[1].CancelReason != "pembelian sudah dijawab" || got[1].SentAt != nil {
		t.Errorf("the stale message: %+v", got[1])
	}
}

// TestAStoppedSenderNeverSendsTwice: a batch a sender claimed and never
// recorded (it was killed between sending and recording) is marked failed
// with why after the lease, not sent again.
func TestAStoppedSenderNeverSendsTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	if err := notify.Enqueue(ctx, db, t0, msg("a@contoh.id"), msg("b@contoh.id")); err != nil {
		t.Fatal(err)
	}
	// The first sender claimed a@ and stopped.
	if err := db.Exec(`UPDATE outbox SET status = 'sending', claimed_at = ? WHERE recipient = 'a@contoh.id'`, t0).Error; err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	// Within the lease the claim stands: it may still be running.
	if d, err := notify.Deliver(ctx, db, rec, notify.Policy{}, t0.Add(time.Minute)); err != nil || d.Sent != 1 || d.Abandoned != 0 {
		t.Fatalf("within the lease: %+v, %v", d, err)
	}
	d, err := notify.Deliver(ctx, db, rec, notify.Policy{}, t0.Add(notify.ClaimLease))
	if err != nil || d.Abandoned != 1 || d.Sent != 0 {
		t.Fatalf("after the lease: %+v, %v", d, err)
	}
	if len(rec.sent) != 1 || rec.sent[0].Recipient != "b@contoh.id" {
		t.Errorf("sent %+v: the abandoned message went again", rec.sent)
	}
	if r := rows(t, db)[0]; r.Status != "failed" || !strings.Contains(r.LastError, "tidak dikirim ulang") {
		t.Errorf("the abandoned message: %+v", r)
	}
}

// TestNoLockIsHeldWhileSending: while a channel is talked to, another
// connection can lock the message's row at once (NOWAIT): delivery keeps
// no transaction open over the network.
func TestNoLockIsHeldWhileSending(t *testing.T) {
	t.Parallel()
	dbtest.NeedsTwoConnections(t)
	ctx := context.Background()
	db := dbtest.New(t)
	if err := notify.Enqueue(ctx, db, t0, msg("a@contoh.id")); err != nil {
		t.Fatal(err)
	}
	side := dbtest.Beside(t, db)
	var during error
	sender := senderFunc(func(m notify.Message) (notify.Receipt, error) {
		tx, err := side.Begin()
		if err != nil {
			during = err
			return notify.Receipt{}, nil
		}
		defer tx.Rollback()
		var status string
		during = tx.QueryRow(`SELECT status FROM outbox WHERE recipient = $1 FOR UPDATE NOWAIT`, m.Recipient).Scan(&status)
		if during == nil && status != "sending" {
			during = errors.New("status " + status + " while sending, want sending")
		}
		return notify.Receipt{ID: "x"}, nil
	})
	if d, err := notify.Deliver(ctx, db, sender, notify.Policy{}, t0); err != nil || d.Sent != 1 {
		t.Fatalf("delivered %+v, %v", d, err)
	}
	if during != nil {
		t.Fatalf("the row was locked (or not claimed) while sending: %v", during)
	}
}

type senderFunc func(notify.Message) (notify.Receipt, error)

func (f senderFunc) Send(_ context.Context, m notify.Message) (notify.Receipt, error) { return f(m) }
