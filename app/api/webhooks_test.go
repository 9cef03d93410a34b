package api

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
)

// TestWhatsAppWebhook: the handshake answers only the right token; a call
// with a wrong signature changes nothing; a signed call records a message's
// delivery (read, not back to delivered), another's failure with WhatsApp's
// reason, and stops WhatsApp messages to an IKM that replied BERHENTI.
func TestWhatsAppWebhook(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, nil, clock.NewFixed(purchaseNow), func(c *config.Config) {
		c.WhatsApp.AppSecret, c.WhatsApp.VerifyToken = "rahasia-aplikasi", "token-jabat"
	})
	send := func(method, target string, body []byte, signature string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, target, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if signature != "" {
			req.Header.Set("X-Hub-Signature-256", signature)
		}
		rec := httptest.NewRecorder()
		s.e.ServeHTTP(rec, req)
		return rec
	}
	sign := func(body []byte) string {
		mac := hmac.New(sha256.New, []byte("rahasia-aplikasi"))
		mac.Write(body)
		return "sha256=" + hex.EncodeToString(mac.Sum(nil))
	}
	if r := send(http.MethodGet, "/api/v1/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=token-jabat&hub.challenge=1158201444", nil, ""); r.Code != 200 || r.Body.String() != "1158201444" {
		t.Errorf("handshake: %d %q", r.Code, r.Body.String())
	}
	if r := send(http.MethodGet, "/api/v1/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=salah&hub.challenge=1", nil, ""); r.Code != http.StatusForbidden {
		t.Errorf("handshake with a wrong token: %d", r.Code)
	}

	ikm := s.newIKM()
	for _, q := range []string{
		`UPDATE ikms SET phone = '+6281234500001', whatsapp_consent_at = now() WHERE id = ` + strconv.FormatInt(ikm, 10),
		`INSERT INTO outbox (kind, channel, recipient, subject, body, status, attempts, next_attempt_at, created_at, sent_at, provider_message_id)
		 VALUES ('purchase.confirmation_request', 'whatsapp', '6281234500001', '', '', 'sent', 1, now(), now(), now(), 'wamid.A'),
		        ('purchase.confirmation_request', 'whatsapp', '6281234500009', '', '', 'sent', 1, now(), now(), now(), 'wamid.B')`,
	} {
		if err := s.db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
		"messaging_product":"whatsapp",
		"statuses":[{"id":"wamid.A","status":"read","timestamp":"1742450400","recipient_id":"6281234500001"},
		            {"id":"wamid.A","status":"delivered","timestamp":"1742450300","recipient_id":"6281234500001"},
		            {"id":"wamid.B","status":"failed","timestamp":"1742450400","recipient_id":"6281234500009",
		             "errors":[{"code":131026,"title":"Message undeliverable"}]}],
		"messages":[{"from":"6281234500001","id":"wamid.C","timestamp":"1742450500","type":"text","text":{"body":" Berhenti "}}]}}]}]}`)
	if r := send(http.MethodPost, "/api/v1/webhooks/whatsapp", body, sign(append([]byte("x"), body...))); r.Code != http.StatusUnauthorized {
		t.Fatalf("a wrong signature: %d %s", r.Code, r.Body.String())
	}
	if n := s.count(`SELECT count(*) FROM outbox WHERE delivery_status IS NOT NULL OR status <> 'sent'`); n != 0 {
		t.Fatal("a call with a wrong signature changed the outbox")
	}
	if r := send(http.MethodPost, "/api/v1/webhooks/whatsapp", body, sign(body)); r.Code != http.StatusOK {
		t.Fatalf("a signed call: %d %s", r.Code, r.Body.String())
	}
	var a, b struct {
		Status, LastError string
		DeliveryStatus    *string
	}
	s.db.Raw(`SELECT status, last_error, delivery_status FROM outbox WHERE provider_message_id = 'wamid.A'`).Scan(&a)
	s.db.Raw(`SELECT status, last_error, delivery_status FROM outbox WHERE provider_message_id = 'wamid.B'`).Scan(&b)
	if a.Status != "sent" || a.DeliveryStatus == nil || *a.DeliveryStatus != "read" {
		t.Errorf("the read message: %+v", a)
	}
	if b.Status != "failed" || b.LastError != "whatsapp: Message undeliverable (kode 131026)" {
		t.Errorf("the undeliverable message: %+v", b)
	}
	if n := s.count(`SELECT count(*) FROM ikms WHERE id = ? AND whatsapp_consent_at IS NULL`, ikm); n != 1 {
		t.Error("BERHENTI did not stop WhatsApp messages")
	}
	if n := s.count(`SELECT count(*) FROM audit_events WHERE action = 'ikm.whatsapp_stop' AND entity_id = ?`, strconv.FormatInt(ikm, 10)); n != 1 {
		t.Errorf("%d audit events of the stop", n)
	}
	// Off without an app secret.
	off := newTestServer(t, nil)
	req := httptest.NewRequest(http.MethodPost, "/api/v1/webhooks/whatsapp", bytes.NewReader(body))
	rec := httptest.NewRecorder()
	off.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		t.Errorf("the webhook without a secret: %d", rec.Code)
	}
}
