package notify

import (
	"strings"

	"kemitraan/app/platform/config"
)

// OfficeName is the Dinas as every message names it: "Dinas Perindustrian
// Kabupaten Bekasi".
func OfficeName(o config.Office) string {
	return strings.TrimSpace(titleCase(o.Name) + " " + titleCase(strings.TrimPrefix(o.Government, "PEMERINTAH ")))
}

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
	s := "Hormat kami,\n" + OfficeName(o)
	if len(reach) > 0 {
		s += "\n" + strings.Join(reach, " · ")
	}
	if o.Website != "" {
		s += "\n" + o.Website
	}
	return s + "\n"
}

func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}
