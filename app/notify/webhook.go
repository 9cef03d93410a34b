package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"kemitraan/app/platform/database"
)

// WhatsApp's webhook: the Cloud API calls it with the delivery status of
// the messages it took (delivered, read, failed) and with what people
// write back. A reply BERHENTI stops WhatsApp messages to its sender.

// ValidSignature reports whether header (X-Hub-Signature-256:
// "sha256=<hex>") is the HMAC-SHA256 of body under the app secret.
func ValidSignature(secret string, body []byte, header string) bool {
	got, ok := strings.CutPrefix(header, "sha256=")
	if !ok || secret == "" {
		return false
	}
	sig, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return hmac.Equal(sig, mac.Sum(nil))
}

// WhatsAppStatus is what WhatsApp says of one message it took.
type WhatsAppStatus struct {
	ID     string    // the message's id, as its send answered
	Status string    // sent, delivered, read or failed
	At     time.Time // when
	Error  string    // why it failed
}

// WhatsAppEvents are the statuses and the stops one webhook call carries.
type WhatsAppEvents struct {
	Statuses []WhatsAppStatus
	Stops    []string // numbers (62…) that replied BERHENTI
}

type webhookBody struct {
	Object string `json:"object"`
	Entry  []struct {
		Changes []struct {
			Value struct {
				Statuses []struct {
					ID        string `json:"id"`
					Status    string `json:"status"`
					Timestamp string `json:"timestamp"`
					Errors    []struct {
						Code  int    `json:"code"`
						Title string `json:"title"`
					} `json:"errors"`
				} `json:"statuses"`
				Messages []struct {
					From string `json:"from"`
					Type string `json:"type"`
					Text struct {
						Body string `json:"body"`
					} `json:"text"`
				} `json:"messages"`
			} `json:"value"`
		} `json:"changes"`
	} `json:"entry"`
}

// stopWords are the replies that stop WhatsApp messages.
var stopWords = map[string]bool{"BERHENTI": true, "STOP": true}

// ParseWhatsAppWebhook reads a webhook call's body.
func ParseWhatsAppWebhook(body []byte) (WhatsAppEvents, error) {
	var b webhookBody
	var out WhatsAppEvents
	if err := json.Unmarshal(body, &b); err != nil {
		return out, fmt.Errorf("notify: webhook body: %w", err)
	}
	for _, e := range b.Entry {
		for _, ch := range e.Changes {
			for _, st := range ch.Value.Statuses {
				s := WhatsAppStatus{ID: st.ID, Status: st.Status}
				if secs, err := strconv.ParseInt(st.Timestamp, 10, 64); err == nil {
					s.At = time.Unix(secs, 0).UTC()
				}
				if len(st.Errors) > 0 {
					s.Error = fmt.Sprintf("whatsapp: %s (kode %d)", st.Errors[0].Title, st.Errors[0].Code)
				}
				if s.ID != "" {
					out.Statuses = append(out.Statuses, s)
				}
			}
			for _, m := range ch.Value.Messages {
				if m.Type == "text" && stopWords[strings.ToUpper(strings.Trim(strings.TrimSpace(m.Text.Body), ".!"))] && m.From != "" {
					out.Stops = append(out.Stops, m.From)
				}
			}
		}
	}
	return out, nil
}

// ApplyStatuses records what WhatsApp said of the messages it took:
// delivered or read (never going back from read to delivered), or failed
// with its reason. A status for a message the outbox does not know is
// ignored. It returns how many messages changed.
func (q *Queue) ApplyStatuses(ctx context.Context, statuses []WhatsAppStatus, now time.Time) (int64, error) {
	// One status per message, the furthest it went: a call may carry a
	// message's delivered and read together.
	rank := map[string]int{"delivered": 1, "read": 2, "failed": 3}
	last := map[string]WhatsAppStatus{}
	var order []string
	for _, s := range statuses {
		if rank[s.Status] == 0 {
			continue
		}
		prev, seen := last[s.ID]
		if !seen {
			order = append(order, s.ID)
		}
		if !seen || rank[s.Status] > rank[prev.Status] {
			last[s.ID] = s
		}
	}
	var ids, kinds, errs []string
	var ats []time.Time
	for _, id := range order {
		s := last[id]
		at := s.At
		if at.IsZero() {
			at = now.UTC()
		}
		ids, kinds, errs, ats = append(ids, s.ID), append(kinds, s.Status), append(errs, database.Text(s.Error, 1000)), append(ats, at)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	res := q.db.WithContext(ctx).Exec(`UPDATE outbox o SET
			status = CASE WHEN f.kind = 'failed' THEN 'failed' ELSE o.status END,
			last_error = CASE WHEN f.kind = 'failed' THEN f.err ELSE o.last_error END,
			delivery_status = CASE WHEN f.kind = 'failed' THEN o.delivery_status
				WHEN f.kind = 'read' OR o.delivery_status = 'read' THEN 'read' ELSE 'delivered' END,
			delivery_updated_at = f.at
		FROM unnest(?::text[], ?::text[], ?::text[], ?::timestamptz[]) AS f(id, kind, err, at)
		WHERE o.provider_message_id = f.id AND o.channel = 'whatsapp' AND o.status = 'sent'`,
		database.Array(ids), database.Array(kinds), database.Array(errs), database.Array(ats))
	if res.Error != nil {
		return 0, fmt.Errorf("notify: whatsapp statuses: %w", res.Error)
	}
	return res.RowsAffected, nil
}
