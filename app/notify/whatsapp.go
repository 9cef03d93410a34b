package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"kemitraan/app/platform/config"
)

// WhatsAppSender sends template messages through the WhatsApp Business
// Platform's Cloud API: POST {base}/{phone number id}/messages with a bearer
// token, the kind's approved template, its language and the message's
// parameters as the body's. WhatsApp answers a template it accepted with
// the message's id.
type WhatsAppSender struct {
	BaseURL       string
	PhoneNumberID string
	Token         string
	Language      string
	Templates     map[string]string // by kind
	Client        *http.Client
}

// NewWhatsAppSender is the sender cfg describes, or nil when WhatsApp is off.
func NewWhatsAppSender(cfg config.WhatsApp) *WhatsAppSender {
	if !cfg.Enabled() {
		return nil
	}
	return &WhatsAppSender{BaseURL: strings.TrimRight(cfg.BaseURL, "/"), PhoneNumberID: cfg.PhoneNumberID,
		Token: cfg.AccessToken.Value(), Language: cfg.Language, Templates: cfg.Templates,
		Client: &http.Client{Timeout: 30 * time.Second}}
}

// Template is the template of a kind, or "" when the kind has none (its
// messages go by e-mail).
func (w *WhatsAppSender) Template(kind string) string {
	if w == nil {
		return ""
	}
	return w.Templates[kind]
}

type waRequest struct {
	Product  string     `json:"messaging_product"`
	To       string     `json:"to"`
	Type     string     `json:"type"`
	Template waTemplate `json:"template"`
}

type waTemplate struct {
	Name       string        `json:"name"`
	Language   waLanguage    `json:"language"`
	Components []waComponent `json:"components,omitempty"`
}

type waLanguage struct {
	Code string `json:"code"`
}

type waComponent struct {
	Type       string    `json:"type"`
	Parameters []waParam `json:"parameters"`
}

type waParam struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type waAnswer struct {
	Messages []struct {
		ID string `json:"id"`
	} `json:"messages"`
	Error *struct {
		Message string `json:"message"`
		Code    int    `json:"code"`
	} `json:"error"`
}

// Send sends m as its kind's template to m.Recipient (62…). 429 and 5xx
// are tried again (after the Retry-After WhatsApp gives); any other 4xx
// cannot succeed on retry and fails for good.
func (w *WhatsAppSender) Send(ctx context.Context, m Message) (Receipt, error) {
	name := w.Template(m.Kind)
	if name == "" {
		return Receipt{}, Permanent(fmt.Errorf("whatsapp: tidak ada templat untuk %s", m.Kind))
	}
	to := strings.TrimPrefix(m.Recipient, "+")
	if !digitsOnly(to) || !strings.HasPrefix(to, "62") {
		return Receipt{}, Permanent(fmt.Errorf("whatsapp: nomor %q bukan nomor 62…", m.Recipient))
	}
	req := waRequest{Product: "whatsapp", To: to, Type: "template",
		Template: waTemplate{Name: name, Language: waLanguage{Code: w.Language}}}
	if len(m.Params) > 0 {
		c := waComponent{Type: "body"}
		for _, p := range m.Params {
			c.Parameters = append(c.Parameters, waParam{Type: "text", Text: p})
		}
		req.Template.Components = []waComponent{c}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return Receipt{}, Permanent(err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, w.BaseURL+"/"+w.PhoneNumberID+"/messages", bytes.NewReader(body))
	if err != nil {
		return Receipt{}, Permanent(err)
	}
	hr.Header.Set("Authorization", "Bearer "+w.Token)
	hr.Header.Set("Content-Type", "application/json")
	res, err := w.Client.Do(hr)
	if err != nil {
		return Receipt{}, fmt.Errorf("whatsapp: %w", err)
	}
	defer res.Body.Close()
	var answer waAnswer
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	_ = json.Unmarshal(raw, &answer)
	if res.StatusCode/100 == 2 {
		if len(answer.Messages) == 0 || answer.Messages[0].ID == "" {
			return Receipt{}, errors.New("whatsapp: jawaban tanpa id pesan")
		}
		return Receipt{ID: answer.Messages[0].ID}, nil
	}
	why := fmt.Errorf("whatsapp: %s", res.Status)
	if answer.Error != nil {
		why = fmt.Errorf("whatsapp: %s: %s (kode %d)", res.Status, answer.Error.Message, answer.Error.Code)
	}
	switch {
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500:
		return Receipt{}, RetryAfter(why, retryAfter(res.Header.Get("Retry-After")))
	default:
		return Receipt{}, Permanent(why)
	}
}

// retryAfter reads a Retry-After in seconds (0 when absent or a date: the
// backoff then decides).
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
