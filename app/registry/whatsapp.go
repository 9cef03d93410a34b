package registry

import (
	"regexp"
	"strings"
	"time"
)

// An IKM is reachable on WhatsApp when it has an Indonesian mobile number
// and agreed to WhatsApp messages. This is the one statement of that rule:
// the registry checks consent against it, and the notices that choose a
// channel ask it, in Go or in SQL.

// mobilePattern is an Indonesian mobile number as the registry stores it.
var mobilePattern = regexp.MustCompile(`^\+628[0-9]{7,12}$`)

// IsMobile reports whether a stored phone number is a mobile one.
func IsMobile(phone string) bool { return mobilePattern.MatchString(phone) }

// WhatsAppNumber is the number WhatsApp is sent to for an IKM with phone
// and consent, or "" when it cannot be reached there.
func WhatsAppNumber(phone string, consentAt *time.Time) string {
	if consentAt == nil || !IsMobile(phone) {
		return ""
	}
	return strings.TrimPrefix(phone, "+")
}

// WhatsAppNumberSQL is WhatsAppNumber over the SQL expressions phone and
// consent: the number, or NULL.
func WhatsAppNumberSQL(phone, consent string) string {
	return "CASE WHEN " + consent + " IS NOT NULL AND " + phone + " ~ '" + mobilePattern.String() + "' THEN substr(" +
		phone + ", 2) END"
}
