package api

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"kemitraan/app/compliance"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/services"
)

// newWhatsAppServer is a test server with the WhatsApp channel on (its
// default templates), on clk.
func newWhatsAppServer(t *testing.T, clk clock.Clock) *testServer {
	t.Helper()
	return newTestServerWith(t, nil, clk, func(c *config.Config) {
		c.WhatsApp.BaseURL, c.WhatsApp.PhoneNumberID, c.WhatsApp.AccessToken = "https://graph.contoh.test/v21.0", "1098765", "rahasia"
	})
}

// agreeToWhatsApp gives the IKM a mobile number and its consent.
func (s *testServer) agreeToWhatsApp(ikm int64, phone string) {
	s.t.Helper()
	if err := s.db.Exec(`UPDATE ikms SET phone = ?, whatsapp_consent_at = now() WHERE id = ?`, phone, ikm).Error; err != nil {
		s.t.Fatal(err)
	}
}

// TestConfirmationRequestsTakeTheIKMsChannel: an IKM that agreed to
// WhatsApp and has a mobile number is asked there (the template's
// parameters carry its link); one that did not is asked by e-mail; one with
// neither gets nothing (its purchase waits in the officers' queue). A
// request whose purchase was answered before it left is cancelled, not
// sent.
func TestConfirmationRequestsTakeTheIKMsChannel(t *testing.T) {
	t.Parallel()
	s := newWhatsAppServer(t, clock.NewFixed(purchaseNow))
	company := s.asCompany(s.newBusiness("hotel"))
	agreed, mailOnly, unreachable, answered := s.newIKM(), s.newIKM(), s.newIKM(), s.newIKM()
	for id, phone := range map[int64]string{agreed: "+6281234500001", mailOnly: "+6281234500002",
		unreachable: "+6281234500003", answered: "+6281234500004"} {
		if err := s.db.Exec(`UPDATE ikms SET phone = ? WHERE id = ?`, phone, id).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := s.db.Exec(`UPDATE ikms SET whatsapp_consent_at = ?, email = 'punya@contoh.id' WHERE id = ?`, purchaseNow, agreed).Error; err != nil {
		t.Fatal(err)
	}
	s.setIKMEmail(mailOnly, "surel@contoh.id")
	s.setIKMEmail(answered, "dijawab@contoh.id")
	wa := s.report(company, purchaseBody(agreed))
	s.report(company, purchaseBody(mailOnly))
	s.report(company, purchaseBody(unreachable))
	gone := s.report(company, purchaseBody(answered))
	var rows []struct {
		Channel, Recipient string
	}
	if err := s.db.Raw(`SELECT channel, recipient FROM outbox ORDER BY id`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].Channel != "whatsapp" || rows[0].Recipient != "6281234500001" ||
		rows[1].Channel != "email" || rows[1].Recipient != "surel@contoh.id" || rows[2].Recipient != "dijawab@contoh.id" {
		t.Fatalf("outbox %+v, want WhatsApp to the IKM that agreed, e-mail to the others with an address, nothing else", rows)
	}
	// The IKM answers in the app before the request leaves.
	s.call(s.asIKM(answered), http.MethodPost, "/api/v1/purchases/"+strconv.FormatInt(gone.ID, 10)+"/confirm", nil).
		problemOrOK(t, http.StatusOK)

	sent := s.deliver()
	if len(sent) != 2 {
		t.Fatalf("%d messages sent, want 2: %+v", len(sent), sent)
	}
	byTo := map[string]int{}
	for i, m := range sent {
		byTo[m.Recipient] = i
	}
	m := sent[byTo["6281234500001"]]
	link := "/k/" + s.linkToken(s.as(actor.RoleOfficer), wa.ID)
	if m.Channel != "whatsapp" || len(m.Params) != 5 || !strings.HasPrefix(m.Params[0], "IKM Uji ") ||
		m.Params[2] != "Rp1.500.000" || m.Params[3] != "3 April 2025 pukul 10.00 WIB" || !strings.HasSuffix(m.Params[4], link) {
		t.Errorf("WhatsApp message %+v, want the template's parameters ending with the link %s", m, link)
	}
	var status, reason string
	if err := s.db.Raw(`SELECT status, cancel_reason FROM outbox WHERE recipient = 'dijawab@contoh.id'`).Row().Scan(&status, &reason); err != nil {
		t.Fatal(err)
	}
	if status != "cancelled" || !strings.Contains(reason, "sudah dijawab") {
		t.Errorf("the answered purchase's request: %s %q, want cancelled with why", status, reason)
	}
}

// TestRemindersReachTheIKMsChannel: an IKM that agreed to WhatsApp is
// reminded there, with the template's parameters; another by e-mail.
func TestRemindersReachTheIKMsChannel(t *testing.T) {
	t.Parallel()
	clk := clock.NewFixed(purchaseNow)
	s := newWhatsAppServer(t, clk)
	if _, err := compliance.LoadRuleFiles(context.Background(), s.db, "../../config/rules", time.Now()); err != nil {
		t.Fatal(err)
	}
	hotel := s.newBusiness("hotel")
	s.registeredLongAgo(hotel)
	if err := s.db.Exec(`UPDATE businesses SET contact_email = 'hotel@contoh.id' WHERE id = ?`, hotel).Error; err != nil {
		t.Fatal(err)
	}
	company := s.asCompany(hotel)
	agreed, mailed := s.newIKM(), s.newIKM()
	s.agreeToWhatsApp(agreed, "+6281234500001")
	s.setIKMEmail(mailed, "surel@contoh.id")
	var answered int64
	for _, ikm := range []int64{agreed, mailed} {
		p := s.report(company, purchaseBody(ikm))
		answered = p.ID
		// Still awaiting the IKM when the reminders go.
		if err := s.db.Exec(`UPDATE purchases SET confirm_by = '2025-04-20' WHERE id = ?`, p.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	clk.Set(time.Date(2025, 4, 8, 0, 0, 0, 0, time.UTC)) // 07.00 WIB, seven days before the 15 April deadline
	if run := s.call(s.as(actor.RoleAdmin), http.MethodPost, "/api/v1/jobs/remind/run", nil); !strings.Contains(run.Body.String(), `"outcome":"succeeded"`) {
		t.Fatalf("remind: %d %s", run.Code, run.Body.String())
	}
	var rows []struct {
		Channel, Recipient string
		Params             string
	}
	if err := s.db.Raw(`SELECT channel, recipient, array_to_string(params, '|') AS params FROM outbox
		WHERE kind = 'reminder.confirmation' ORDER BY channel, recipient`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Channel != "email" || rows[0].Recipient != "surel@contoh.id" || rows[0].Params != "" ||
		rows[1].Channel != "whatsapp" || rows[1].Recipient != "6281234500001" ||
		!strings.HasSuffix(rows[1].Params, "|1|Rp1.500.000|Triwulan I 2025|"+s.cfg.HTTP.PublicURL+"/ikm") {
		t.Errorf("reminders %+v", rows)
	}

	// Before they leave, the e-mailed IKM answers and the hotel submits its
	// report: those two reminders are cancelled, with why; the other goes.
	s.call(s.asIKM(mailed), http.MethodPost, "/api/v1/purchases/"+strconv.FormatInt(answered, 10)+"/confirm", nil).
		problemOrOK(t, http.StatusOK)
	// (A fresh session: the first one ended while the clock moved on.)
	s.call(s.asCompany(hotel), http.MethodPost, reportPath(hotel, "2025-Q1"), nil).problemOrOK(t, http.StatusCreated)
	sent := s.deliver()
	var reasons []string
	if err := s.db.Raw(`SELECT kind || ': ' || cancel_reason FROM outbox WHERE status = 'cancelled' AND kind LIKE 'reminder.%'
		ORDER BY kind`).Scan(&reasons).Error; err != nil {
		t.Fatal(err)
	}
	want := []string{"reminder.confirmation: tidak ada lagi pembelian yang menunggu konfirmasi IKM ini",
		"reminder.report: laporan berkala sudah disampaikan sebelum pengingat ini terkirim"}
	if !slices.Equal(reasons, want) {
		t.Errorf("cancelled %q, want %q", reasons, want)
	}
	for _, m := range sent {
		if m.Recipient == "surel@contoh.id" || m.Recipient == "hotel@contoh.id" {
			t.Errorf("a stale reminder went: %+v", m)
		}
	}
}

// TestImportedPurchasesReachTheIKMsChannel: an import asks an IKM that
// agreed to WhatsApp by one template message per purchase, rendered with
// its own link when it is sent; an IKM with only e-mail gets one e-mail
// listing its purchases.
func TestImportedPurchasesReachTheIKMsChannel(t *testing.T) {
	t.Parallel()
	s := newWhatsAppServer(t, clock.NewFixed(purchaseNow))
	company := s.asCompany(s.newBusiness("hotel"))
	agreed, mailed := s.newIKM(), s.newIKM()
	s.agreeToWhatsApp(agreed, "+6281234500001")
	s.setIKMEmail(mailed, "surel@contoh.id")
	var nibA, nibM string
	s.db.Raw("SELECT nib FROM ikms WHERE id = ?", agreed).Scan(&nibA)
	s.db.Raw("SELECT nib FROM ikms WHERE id = ?", mailed).Scan(&nibM)
	file := "invoice_number,ikm_nib,purchase_date,description,amount\n" +
		"IMP-1," + nibA + ",2025-03-10,Kue kering,150000\n" +
		"IMP-2," + nibA + ",2025-03-11,Dodol,250000\n" +
		"IMP-3," + nibM + ",2025-03-12,Besek,350000\n"
	s.importFile(company, "", []byte(file)).problemOrOK(t, http.StatusCreated)
	sent := s.deliver()
	var wa, mail []string
	for _, m := range sent {
		switch m.Channel {
		case "whatsapp":
			if m.Recipient != "6281234500001" || len(m.Params) != 5 || !strings.Contains(m.Params[4], "/k/") {
				t.Errorf("WhatsApp message %+v", m)
			}
			wa = append(wa, m.Params[2]+" "+m.Params[4])
		default:
			mail = append(mail, m.Recipient)
			if !strings.Contains(m.Body, "IMP-3") || strings.Contains(m.Body, "IMP-1") {
				t.Errorf("e-mail %+v", m)
			}
		}
	}
	if len(wa) != 2 || wa[0] == wa[1] || len(mail) != 1 || mail[0] != "surel@contoh.id" {
		t.Errorf("WhatsApp %q, e-mail %q: want one message per purchase, each with its own link, and one e-mail", wa, mail)
	}
}

// TestWithoutWhatsAppConsentIsNotEnough: with the channel off, an IKM that
// agreed to WhatsApp is asked by e-mail; in production with no e-mail
// channel the server says so loudly at start.
func TestWithoutWhatsAppConsentIsNotEnough(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, nil, clock.NewFixed(purchaseNow), nil) // WhatsApp off
	company := s.asCompany(s.newBusiness("hotel"))
	ikm := s.newIKM()
	if err := s.db.Exec(`UPDATE ikms SET phone = '+6281234500001', whatsapp_consent_at = now(), email = 'ikm@contoh.id'
		WHERE id = ?`, ikm).Error; err != nil {
		t.Fatal(err)
	}
	s.report(company, purchaseBody(ikm))
	var channel, recipient string
	if err := s.db.Raw(`SELECT channel, recipient FROM outbox`).Row().Scan(&channel, &recipient); err != nil {
		t.Fatal(err)
	}
	if channel != "email" || recipient != "ikm@contoh.id" {
		t.Errorf("with WhatsApp off: %s to %s, want e-mail", channel, recipient)
	}

	var logs bytes.Buffer
	cfg := config.Default()
	cfg.Env = "production"
	if _, err := services.New(cfg, s.db, slog.New(slog.NewTextHandler(&logs, nil)), clock.System{}, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "reach nobody") {
		t.Errorf("no loud warning at start:\n%s", logs.String())
	}
}
