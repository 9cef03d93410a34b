package api

import (
	"crypto/subtle"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/notify"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
)

// WhatsApp's webhook: the subscription handshake, then the calls with the
// delivery status of the messages WhatsApp took and the replies people
// write. Every call's signature is checked against whatsapp.app_secret;
// while that is empty the webhook answers 404.

func (s *Server) webhookRoutes() []route {
	const tag = "webhook"
	return []route{
		{method: http.MethodGet, path: "/api/v1/webhooks/whatsapp", handler: s.whatsAppHandshake,
			doc: openapi.Doc{Summary: "Jabat tangan langganan webhook WhatsApp", Tag: tag,
				Query: struct {
					Mode      string `query:"hub.mode" doc:"subscribe"`
					Token     string `query:"hub.verify_token" doc:"whatsapp.verify_token"`
					Challenge string `query:"hub.challenge" doc:"Dikembalikan apa adanya bila token cocok"`
				}{},
				Produces: []string{"text/plain"}, Errors: []int{http.StatusForbidden, http.StatusNotFound},
				Description: "Dipanggil Meta saat webhook didaftarkan; menjawab hub.challenge bila hub.verify_token benar."}},
		{method: http.MethodPost, path: "/api/v1/webhooks/whatsapp", handler: s.whatsAppWebhook,
			doc: openapi.Doc{Summary: "Status pengiriman dan balasan dari WhatsApp", Tag: tag,
				Produces: []string{"text/plain"}, Errors: []int{http.StatusUnauthorized, http.StatusNotFound},
				Description: "Bertanda tangan X-Hub-Signature-256. Status delivered/read/failed diperbarui pada pesan outbox; balasan BERHENTI menghentikan pesan WhatsApp ke nomor itu."}},
	}
}

func (s *Server) whatsAppHandshake(c echo.Context) error {
	w := s.cfg.WhatsApp
	if !w.Webhook() {
		return fault.NotFound("not_found", "Halaman tidak ditemukan.")
	}
	if c.QueryParam("hub.mode") != "subscribe" || w.VerifyToken == "" ||
		subtle.ConstantTimeCompare([]byte(c.QueryParam("hub.verify_token")), []byte(w.VerifyToken.Value())) != 1 {
		return &fault.Error{Kind: fault.KindForbidden, Code: "webhook_token_wrong", Detail: "Token verifikasi webhook tidak cocok."}
	}
	return c.String(http.StatusOK, c.QueryParam("hub.challenge"))
}

func (s *Server) whatsAppWebhook(c echo.Context) error {
	w := s.cfg.WhatsApp
	if !w.Webhook() {
		return fault.NotFound("not_found", "Halaman tidak ditemukan.")
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return unreadable("body")
	}
	if !notify.ValidSignature(w.AppSecret.Value(), body, c.Request().Header.Get("X-Hub-Signature-256")) {
		return &fault.Error{Kind: fault.KindUnauthenticated, Code: "webhook_signature_wrong",
			Detail: "Tanda tangan webhook tidak sah; tidak ada yang diubah."}
	}
	events, err := notify.ParseWhatsAppWebhook(body)
	if err != nil {
		return fault.Invalid(fault.Field("body", "bukan JSON webhook WhatsApp"))
	}
	ctx := actor.With(c.Request().Context(), actor.SystemActor)
	if _, err := s.outbox.ApplyStatuses(ctx, events.Statuses, s.clock.Now()); err != nil {
		return err
	}
	if _, err := s.registry.StopWhatsApp(ctx, events.Stops); err != nil {
		return err
	}
	return c.String(http.StatusOK, "OK") // WhatsApp wants a 200
}
