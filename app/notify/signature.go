package notify

import (
	"strings"

	"kemitraan/app/platform/config"
)

// Signature ends every message the same way: the Dinas's name and how to
// reach it (telephone, WhatsApp, e-mail, website), the parts it has.
func Signature(o config.Office) string {
	var reach []string
	if o.Telephone != "" {
		reach = append(reach, "Telepon "+o.Telephone)
	}
	if o.WhatsApp != "" {
		reach = append(reach, "WhatsApp +"+strings.TrimPrefix(o.WhatsApp, "+"))
	}
	if o.Email != "" {
		reach = append(reach, o.Email)
	}
	s := "Hormat kami,\n" + o.FullName()
	if len(reach) > 0 {
		s += "\n" + strings.Join(reach, " · ")
	}
	if o.Website != "" {
		s += "\n" + o.Website
	}
	return s + "\n"
}
