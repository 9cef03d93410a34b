package registry_test

import (
	"slices"
	"testing"
	"time"

	"kemitraan/app/platform/fault"
	"kemitraan/app/registry"
)

// TestWhatsAppConsent: an IKM's agreement to WhatsApp messages is kept with
// the time it was first given, through edits that keep it and through a
// re-import; unticked (by the IKM or an officer, or "tidak" in a file) it
// stops; it needs a mobile number.
func TestWhatsAppConsent(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := validIKM("8120000000801")
	in.WhatsAppConsent = true
	i := f.ikm(in)
	if i.WhatsAppConsentAt == nil || !i.WhatsAppConsentAt.Equal(now) {
		t.Fatalf("consent at %v, want %v", i.WhatsAppConsentAt, now)
	}
	f.clk.Set(now.Add(48 * time.Hour))
	in.Products = "Batik cap"
	if i, _ = f.svc.UpdateIKM(officer, i.ID, in); i.WhatsAppConsentAt == nil || !i.WhatsAppConsentAt.Equal(now) {
		t.Fatalf("after an edit that keeps it: %v, want the first time %v", i.WhatsAppConsentAt, now)
	}
	stop := false
	if i, _ = f.svc.UpdateIKMProfile(officer, i.ID, registry.IKMProfileInput{WhatsAppConsent: &stop}); i.WhatsAppConsentAt != nil {
		t.Fatalf("stopped, the consent is %v", i.WhatsAppConsentAt)
	}
	if ev := f.events("ikm", i.ID); !slices.Equal(ev, []string{"ikm.create", "ikm.update", "ikm.profile_update"}) {
		t.Errorf("audit events %v", ev)
	}
	landline := validIKM("8120000000802")
	landline.Phone, landline.WhatsAppConsent = "021 890 1234", true
	if _, err := f.svc.CreateIKM(officer, landline); !slices.Equal(fieldsOf(t, err, fault.KindInvalid), []string{"whatsapp_consent"}) {
		t.Errorf("consent without a mobile number: %v", err)
	}

	// By file: "ya" gives it, a second "ya" keeps its first time, "tidak"
	// stops it.
	file := func(v string) []byte {
		return []byte("nib,nama,sektor,kecamatan,telepon,whatsapp\n8120000000803,Dodol Uji,makanan,3216120,0813-1000-0003," + v + "\n")
	}
	if _, err := f.svc.ImportIKMs(officer, registry.ImportFile{Data: file("ya")}, false); err != nil {
		t.Fatal(err)
	}
	list, err := f.svc.ListIKMs(officer, registry.IKMFilter{Q: "8120000000803"})
	if err != nil || len(list.Items) != 1 || list.Items[0].WhatsAppConsentAt == nil {
		t.Fatalf("imported %+v %v", list.Items, err)
	}
	first := *list.Items[0].WhatsAppConsentAt
	f.clk.Set(now.Add(96 * time.Hour))
	if _, err := f.svc.ImportIKMs(officer, registry.ImportFile{Data: file("ya")}, false); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.GetIKM(officer, list.Items[0].ID)
	if got.WhatsAppConsentAt == nil || !got.WhatsAppConsentAt.Equal(first) {
		t.Errorf("re-imported: %v, want the first time %v", got.WhatsAppConsentAt, first)
	}
	if _, err := f.svc.ImportIKMs(officer, registry.ImportFile{Data: file("tidak")}, false); err != nil {
		t.Fatal(err)
	}
	if got, _ = f.svc.GetIKM(officer, got.ID); got.WhatsAppConsentAt != nil {
		t.Errorf("after tidak: %v", got.WhatsAppConsentAt)
	}
	if _, err := f.svc.ImportIKMs(officer, registry.ImportFile{Data: file("mungkin")}, false); err == nil {
		t.Error("a consent that is neither ya nor tidak was imported")
	}
}
