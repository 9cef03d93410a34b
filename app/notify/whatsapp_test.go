package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"kemitraan/app/notify"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/dbtest"
)

// fakeCloudAPI is a local WhatsApp Cloud API: it checks each request's path,
// token, template, language and parameters, and answers with the status
// answer gives for it.
type fakeCloudAPI struct {
	t      *testing.T
	mu     sync.Mutex
	got    []map[string]any
	answer func(n int) (status int, header map[string]string, body string)
}

func (f *fakeCloudAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v21.0/1098765/messages" {
		f.t.Errorf("request %s %s", r.Method, r.URL.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer rahasia-akses" {
		f.t.Errorf("authorization %q", got)
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.t.Errorf("body: %v", err)
	}
	f.mu.Lock()
	f.got = append(f.got, body)
	n := len(f.got)
	f.mu.Unlock()
	status, header, answer := f.answer(n)
	for k, v := range header {
		w.Header().Set(k, v)
	}
	w.WriteHeader(status)
	fmt.Fprint(w, answer)
}

func waSender(url string) *notify.WhatsAppSender {
	return notify.NewWhatsAppSender(config.WhatsApp{BaseURL: url + "/v21.0", PhoneNumberID: "1098765",
		AccessToken: "rahasia-akses", Language: "id",
		Templates: map[string]string{"purchase.confirmation_request": "konfirmasi_pembelian"}})
}

func waMessage(to string) notify.Message {
	return notify.Message{Kind: "purchase.confirmation_request", Channel: notify.ChannelWhatsApp, Recipient: to,
		Params: []string{"Batik Sukatani", "PT Hotel Kencana", "Rp1.500.000", "17 Maret 2025 pukul 10.00 WIB",
			"https://kemitraan.example/k/abc"}}
}

// TestWhatsAppSender: the template request as the Cloud API takes it, and
// each answer read right: 200 gives the message's id, 429 is retried after
// its Retry-After, 500 is retried, 400 is not.
func TestWhatsAppSender(t *testing.T) {
	t.Parallel()
	fake := &fakeCloudAPI{t: t, answer: func(n int) (int, map[string]string, string) {
		switch n {
		case 1:
			return 200, nil, `{"messaging_product":"whatsapp","contacts":[{"wa_id":"6281234567890"}],"messages":[{"id":"wamid.HBgM1"}]}`
		case 2:
			return 429, map[string]string{"Retry-After": "30"}, `{"error":{"message":"Rate limit hit","code":130429}}`
		case 3:
			return 500, nil, `{"error":{"message":"Service temporarily unavailable","code":131000}}`
		}
		return 400, nil, `{"error":{"message":"Template name does not exist in the translation","code":132001}}`
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	s := waSender(srv.URL)
	ctx := context.Background()
	r, err := s.Send(ctx, waMessage("+6281234567890"))
	if err != nil || r.ID != "wamid.HBgM1" {
		t.Fatalf("200: %+v %v", r, err)
	}
	want := map[string]any{"messaging_product": "whatsapp", "to": "6281234567890", "type": "template",
		"template": map[string]any{"name": "konfirmasi_pembelian", "language": map[string]any{"code": "id"},
			"components": []any{map[string]any{"type": "body", "parameters": []any{
				map[string]any{"type": "text", "text": "Batik Sukatani"}, map[string]any{"type": "text", "text": "PT Hotel Kencana"},
				map[string]any{"type": "text", "text": "Rp1.500.000"}, map[string]any{"type": "text", "text": "17 Maret 2025 pukul 10.00 WIB"},
				map[string]any{"type": "text", "text": "https://kemitraan.example/k/abc"}}}}}}
	if got, _ := json.Marshal(fake.got[0]); string(got) != mustJSON(t, want) {
		t.Errorf("request\n got %s\nwant %s", got, mustJSON(t, want))
	}
	var se *notify.SendError
	if _, err := s.Send(ctx, waMessage("6281234567890")); !errors.As(err, &se) || se.Permanent || se.RetryAfter != 30*time.Second {
		t.Errorf("429: %v, want a retry after 30 s", err)
	}
	if _, err := s.Send(ctx, waMessage("6281234567890")); !errors.As(err, &se) || se.Permanent {
		t.Errorf("500: %v, want a retry", err)
	}
	if _, err := s.Send(ctx, waMessage("6281234567890")); !errors.As(err, &se) || !se.Permanent {
		t.Errorf("400: %v, want a permanent failure", err)
	}
	if _, err := s.Send(ctx, waMessage("081234567890")); !errors.As(err, &se) || !se.Permanent || len(fake.got) != 4 {
		t.Errorf("a number not in 62… form: %v (requests %d)", err, len(fake.got))
	}
	other := waMessage("6281234567890")
	other.Kind = "case.warn"
	if _, err := s.Send(ctx, other); !errors.As(err, &se) || !se.Permanent || len(fake.got) != 4 {
		t.Errorf("a kind without a template: %v", err)
	}
}

// TestOutboxDeliversByWhatsApp: the outbox hands WhatsApp messages to the
// Cloud API and e-mails to their sender, and keeps WhatsApp's message id.
func TestOutboxDeliversByWhatsApp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	fake := &fakeCloudAPI{t: t, answer: func(n int) (int, map[string]string, string) {
		return 200, nil, fmt.Sprintf(`{"messages":[{"id":"wamid.%d"}]}`, n)
	}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	if err := notify.Enqueue(ctx, db, t0, waMessage("6281234567890"), msg("a@contoh.id")); err != nil {
		t.Fatal(err)
	}
	mail := &recorder{}
	d, err := notify.Deliver(ctx, db, notify.Channels{notify.ChannelEmail: mail, notify.ChannelWhatsApp: waSender(srv.URL)},
		notify.Policy{}, t0)
	if err != nil || d.Sent != 2 {
		t.Fatalf("delivered %+v, %v", d, err)
	}
	got := rows(t, db)
	if got[0].Channel != "whatsapp" || got[0].ProviderMessageID == nil || *got[0].ProviderMessageID != "wamid.1" {
		t.Errorf("the WhatsApp message: %+v", got[0])
	}
	if len(mail.sent) != 1 || mail.sent[0].Recipient != "a@contoh.id" || len(fake.got) != 1 {
		t.Fatalf("e-mails %+v, WhatsApp requests %d", mail.sent, len(fake.got))
	}
	// The parameters went through the outbox as they were written.
	tmpl, _ := json.Marshal(fake.got[0]["template"])
	if want := `"parameters":[{"text":"Batik Sukatani","type":"text"},{"text":"PT Hotel Kencana","type":"text"}`; !strings.Contains(string(tmpl), want) {
		t.Errorf("template %s, want %s…", tmpl, want)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
