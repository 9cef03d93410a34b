package procurement

import (
	"strings"
	"time"

	"kemitraan/app/notify"
	"kemitraan/app/registry"
)

// The channel a request to confirm takes: WhatsApp for an IKM with a mobile
// number that agreed to WhatsApp messages (when the channel is on), else
// e-mail where it has an address, else none — the purchase then waits in
// the officers' queue, to be passed on by hand with a click-to-chat link.

// routeSQL are the channel and the recipient of a request to an IKM whose
// phone, consent and e-mail the three SQL expressions are.
func (s *Service) routeSQL(phone, consent, email string) (channel, recipient string) {
	if !s.cfg.WhatsApp {
		return "'" + notify.ChannelEmail + "'", email
	}
	wa := registry.WhatsAppNumberSQL(phone, consent)
	return "CASE WHEN " + wa + " IS NOT NULL THEN '" + notify.ChannelWhatsApp + "' ELSE '" + notify.ChannelEmail + "' END",
		"coalesce(" + wa + ", " + email + ")"
}

// route is routeSQL for an IKM already read; recipient "" means no message.
func (s *Service) route(ikm ikmRow) (channel, recipient string) {
	if n := registry.WhatsAppNumber(ikm.Phone, ikm.WhatsAppConsentAt); s.cfg.WhatsApp && n != "" {
		return notify.ChannelWhatsApp, n
	}
	if ikm.Email != nil {
		return notify.ChannelEmail, strings.TrimSpace(*ikm.Email)
	}
	return notify.ChannelEmail, ""
}

// StaleMessages say when a message has lost its reason before it left: a
// request to confirm when none of the purchases it asks about still awaits
// the IKM's answer, a payment reminder when every purchase it names is paid.
var StaleMessages = map[string]notify.Stale{
	KindConfirmationRequest: {
		When: `CASE WHEN o.payload ? 'purchase_id'
			THEN NOT EXISTS (SELECT 1 FROM purchases p WHERE p.id = (o.payload->>'purchase_id')::bigint AND p.status = 'reported')
			ELSE NOT EXISTS (SELECT 1 FROM purchases p WHERE p.ikm_id = (o.payload->>'ikm_id')::bigint
				AND p.business_id = (o.payload->>'business_id')::bigint AND p.status = 'reported') END`,
		Reason: "pembelian sudah dijawab, ditarik atau diputuskan petugas sebelum pesan ini terkirim",
	},
	KindPaymentReminder: {
		When: `NOT EXISTS (SELECT 1 FROM payment_reminders r JOIN purchases p ON p.id = r.purchase_id
			WHERE p.business_id = (o.payload->>'business_id')::bigint AND r.stage = o.payload->>'stage'
			  AND r.sent_at = (o.payload->>'sent_at')::timestamptz AND p.paid_on IS NULL)`,
		Reason: "semua pembelian yang diingatkan sudah dibayar sebelum pengingat ini terkirim",
	},
}

// whatsAppDeadline writes a confirmation deadline as a template parameter:
// "17 Maret 2025 pukul 10.00 WIB".
func whatsAppDeadline(t time.Time, date string) string {
	return date + " pukul " + t.Format("15.04") + " WIB"
}
