package sanction_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/files"
	"kemitraan/app/sanction"
)

// citation is the shipped rule set's legal basis as a letter prints it.
const citation = "Pasal 15 Peraturan Bupati Bekasi Nomor 12 Tahun 2024 tentang Kemitraan Usaha Besar dengan Industri Kecil dan Menengah"

// signWith gives the fixture's reviewer a signer profile.
func (f *fixture) signWith(position, rank, nip any) {
	f.t.Helper()
	if err := f.db.Exec(`UPDATE users SET position = ?, rank = ?, nip = ? WHERE id = ?`,
		position, rank, nip, actor.From(f.reviewer).UserID).Error; err != nil {
		f.t.Fatal(err)
	}
}

// industrialCase is a queued case of an industrial estate with two
// findings: Q1 2025 short on every metric (half an outlet slot of two)
// with its report on time, and Q4 2024 without a report.
func (f *fixture) industrialCase() int64 {
	f.t.Helper()
	biz := dbtest.AddBusiness(f.t, f.db, dbtest.Business{Name: "PT Kawasan Industri Jababeka Raya", Category: "industrial_estate",
		Email: "kepatuhan@kawasan.co.id", Address: "Jl. Jababeka Raya Blok A, Cikarang Utara"})
	cs := f.id(`INSERT INTO sanction_cases (business_id, stage, rung, rule_set_id, opened_at, updated_at)
		VALUES (?, 'queued', 0, ?, '2025-04-16', now()) RETURNING id`, biz, f.ruleSet)
	for _, p := range []struct {
		period, start, end, report string
		realisedValue              int64
		realisedIKM                int
		realisedSlots              float64
	}{
		{"2024-Q4", "2024-10-01", "2024-12-31", "missing", 100_000_000, 5, 2},
		{"2025-Q1", "2025-01-01", "2025-03-31", "on_time", 40_000_000, 2, 0.5},
	} {
		eval := f.id(`INSERT INTO evaluations (business_id, period, period_start, period_end, rule_set_id, category,
				target_purchase_value, target_ikm_count, target_outlet_slots, realised_purchase_value, realised_ikm_count,
				realised_outlet_slots, status, report_status, computed_at)
			VALUES (?, ?, ?, ?, ?, 'industrial_estate', 100000000, 5, 2, ?, ?, ?, 'non_compliant', ?, now()) RETURNING id`,
			biz, p.period, p.start, p.end, f.ruleSet, p.realisedValue, p.realisedIKM, p.realisedSlots, p.report)
		f.id(`INSERT INTO sanction_findings (case_id, business_id, evaluation_id, period, status, target_purchase_value,
				target_ikm_count, target_outlet_slots, realised_purchase_value, realised_ikm_count, realised_outlet_slots,
				report_status, found_at)
			VALUES (?, ?, ?, ?, 'non_compliant', 100000000, 5, 2, ?, ?, ?, ?, now()) RETURNING id`,
			cs, biz, eval, p.period, p.realisedValue, p.realisedIKM, p.realisedSlots, p.report)
	}
	return cs
}

// letterPDF is an issued letter's PDF.
func (f *fixture) letterPDF(id int64) []byte {
	f.t.Helper()
	var pdf []byte
	if err := f.db.Raw(`SELECT pdf FROM sanction_letters WHERE id = ?`, id).Row().Scan(&pdf); err != nil {
		f.t.Fatal(err)
	}
	return pdf
}

func mustContain(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the letter does not say %q", w)
		}
	}
}

func mustNotContain(t *testing.T, text string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(text, w) {
			t.Errorf("the letter says %q", w)
		}
	}
}

// TestWarningLetterIsSignable reads an SP1 back from its PDF: the
// letterhead with the office's contact, the number, the legal basis with
// the Perbup's number, year and article, the shortfalls of each period in
// rupiah, counts and slots, the deadline and the portal page to answer at,
// the reviewer's reason, the signer's position, rank and NIP, the copy list
// and a footer a reader can use; table cells wrap instead of running into
// one another.
func TestWarningLetterIsSignable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.signWith("Kepala Bidang Pengembangan Industri", "Pembina Tingkat I (IV/b)", "197001011995032001")
	cs := f.industrialCase()
	reason := "Realisasi pembelian dan slot tempat usaha jauh di bawah target dua triwulan berturut-turut."
	res, err := f.svc.Decide(f.reviewer, cs, sanction.DecisionInput{Decision: sanction.Warn, Reason: reason})
	if err != nil {
		t.Fatal(err)
	}
	var code string
	f.db.Raw(`SELECT verification_code FROM sanction_letters WHERE id = ?`, res.Letter.ID).Scan(&code)
	runs := readPDF(t, f.letterPDF(res.Letter.ID))
	text := pdfText(runs)

	mustContain(t, text,
		// The letterhead.
		"PEMERINTAH KABUPATEN BEKASI", "DINAS PERINDUSTRIAN", "Cikarang Pusat",
		"Telepon (021) 89970001", "Pos-el disperin@bekasikab.go.id", "Laman disperin.bekasikab.go.id",
		// Number, date, subject, addressee.
		"Nomor : "+res.Letter.Number, "Cikarang, 2 Mei 2025", "Teguran Tertulis Pertama (SP1)",
		"Pimpinan PT Kawasan Industri Jababeka Raya",
		// The legal basis, from the rule set.
		"Berdasarkan "+citation+", usaha besar wajib bermitra",
		// The findings, period by period.
		"Triwulan IV 2024", "Triwulan I 2025", "Rp100.000.000 Rp40.000.000 Rp60.000.000", "5 IKM 2 IKM 3 IKM",
		"2 slot 0,5 slot 1,5 slot", "2 slot 2 slot -", "tidak ada tidak memenuhi",
		// The reason, what to do, by when and where.
		"Pertimbangan: "+reason,
		fmt.Sprintf("paling lambat tanggal 17 Mei 2025 melalui portal perusahaan aplikasi Kemitraan pada alamat: "+
			"http://127.0.0.1:8080/perusahaan/kasus/%d Apabila", cs),
		"teguran tertulis berikutnya akan diterbitkan",
		// The signature block.
		"a.n. Kepala Dinas Perindustrian Kabupaten Bekasi Kepala Bidang Pengembangan Industri,",
		"Ir. Siti Rahayu, M.T. Pembina Tingkat I (IV/b) NIP 19700101 199503 2 001",
		// The copy list.
		"Tembusan: 1. Bupati Bekasi (sebagai laporan); 2. Kepala Dinas Penanaman Modal dan PTSP Kabupaten Bekasi; 3. Arsip.",
		// Verification and the footer.
		"Kode verifikasi: "+sanction.FormatVerificationCode(code),
		"Surat Nomor "+res.Letter.Number+" - kode verifikasi "+sanction.FormatVerificationCode(code)+" - halaman 1 dari ",
	)
	mustNotContain(t, text, "kasus #", "0,00", "2,00", "KONSEP", "{nb}")
	if !strings.Contains(text, "halaman 2 dari 2") && !strings.Contains(text, "halaman 1 dari 1") {
		t.Error("the footer does not count the pages")
	}

	// Nothing is drawn over anything else; the report row's "disampaikan
	// tepat waktu" wraps inside its cell, and the row grows for it.
	if o := overlaps(t, runs); len(o) > 0 {
		t.Errorf("text drawn over other text: %v", o)
	}
	var first, second *pdfRun
	for i, r := range runs {
		switch r.Text {
		case "disampaikan tepat waktu":
			t.Error("the report cell did not wrap")
		case "disampaikan tepat":
			first = &runs[i]
		case "waktu":
			second = &runs[i]
		}
	}
	if first == nil || second == nil || first.Y-second.Y < 10 {
		t.Errorf("the report cell's lines: %+v over %+v", first, second)
	}
}

// TestLetterWithoutProfileOrLegalBasis: a rule set older than its legal
// basis falls back to naming the Perbup; a signer without a profile signs
// by name above a dotted NIP line; the head of the office signs without
// "a.n."; a configured logo heads the letter.
func TestLetterWithoutProfileOrLegalBasis(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.db.Exec(`UPDATE rule_sets SET body = body - 'legal_basis'`)
	cs := f.caseIn(sanction.StageQueued, 0, false)
	res, err := f.svc.Decide(f.reviewer, cs, sanction.DecisionInput{Decision: sanction.Warn})
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(readPDF(t, f.letterPDF(res.Letter.ID)))
	mustContain(t, text, "Berdasarkan Peraturan Bupati tentang kemitraan, usaha besar wajib",
		"a.n. Kepala Dinas Perindustrian Kabupaten Bekasi Ir. Siti Rahayu, M.T. NIP ....")
	mustNotContain(t, text, "Nomor 12", "Pertimbangan:")

	// The head of the office, and a logo.
	logo := filepath.Join(t.TempDir(), "logo.png")
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 40, 48))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(logo, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	office := config.Default().Office
	office.LogoFile = logo
	svc := sanction.New(f.db, f.clock, files.NewStore(t.TempDir(), 1<<20, f.clock), office, "http://127.0.0.1:8080")
	f.signWith("Kepala Dinas Perindustrian Kabupaten Bekasi", nil, "196801011990031002")
	res, err = svc.Decide(f.reviewer, f.caseIn(sanction.StageQueued, 0, false), sanction.DecisionInput{Decision: sanction.Warn})
	if err != nil {
		t.Fatal(err)
	}
	pdf := f.letterPDF(res.Letter.ID)
	text = pdfText(readPDF(t, pdf))
	mustContain(t, text, "Kepala Dinas Perindustrian Kabupaten Bekasi, Ir. Siti Rahayu, M.T. NIP 19680101 199003 1 002")
	mustNotContain(t, text, "a.n.")
	if n := bytes.Count(pdf, []byte("/Subtype /Image")); n != 2 {
		t.Errorf("%d images, want the logo and the QR code", n)
	}

	// A logo that went missing after start-up stops the decision, whole.
	office.LogoFile = filepath.Join(t.TempDir(), "hilang.png")
	svc = sanction.New(f.db, f.clock, files.NewStore(t.TempDir(), 1<<20, f.clock), office, "http://127.0.0.1:8080")
	letters := f.count(`SELECT count(*) FROM sanction_letters`)
	if _, err := svc.Decide(f.reviewer, f.caseIn(sanction.StageQueued, 0, false), sanction.DecisionInput{Decision: sanction.Warn}); err == nil {
		t.Error("a letter was issued without its logo")
	}
	if f.count(`SELECT count(*) FROM sanction_letters`) != letters {
		t.Error("a failed letter was stored")
	}
}

// TestRecommendationLetter: the recommendation cites the legal basis, the
// reason, and copies the business and the archive.
func TestRecommendationLetter(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cs := f.caseIn(sanction.StageLapsed, 3, false)
	res, err := f.svc.Decide(f.reviewer, cs, sanction.DecisionInput{Decision: sanction.Recommend,
		Reason: "Tidak ada tanggapan atas SP3."})
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(readPDF(t, f.letterPDF(res.Letter.ID)))
	mustContain(t, text, "sebagaimana diatur dalam "+citation, "Pertimbangan: Tidak ada tanggapan atas SP3.",
		"Tembusan: 1. PT Contoh Abadi (NIB", "2. Arsip.")
	mustNotContain(t, text, "Bupati Bekasi (sebagai laporan)")
}

// tableDigests is a digest of every table's rows, to show that nothing at
// all changed.
func (f *fixture) tableDigests() map[string]string {
	f.t.Helper()
	var tables []string
	f.db.Raw(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
		AND table_type = 'BASE TABLE' ORDER BY 1`).Scan(&tables)
	if len(tables) < 10 {
		f.t.Fatalf("tables %v", tables)
	}
	out := map[string]string{}
	for _, tbl := range tables {
		var digest string
		// tbl comes from the catalogue, not from input.
		f.db.Raw(fmt.Sprintf(`SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '')
			FROM %q t`, tbl)).Scan(&digest)
		out[tbl] = digest
	}
	return out
}

// TestPreviewLetter: the draft of a decision's letter is that letter,
// marked as a draft on every page, without a number or verification code;
// it takes no letter number and writes nothing, and refuses what Decide
// refuses with the same fault.
func TestPreviewLetter(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.signWith("Kepala Bidang Pengembangan Industri", "Pembina Tingkat I (IV/b)", "197001011995032001")
	cs := f.industrialCase()
	in := sanction.DecisionInput{Decision: sanction.Warn, Reason: "Dua triwulan di bawah target."}

	before := f.tableDigests()
	draft, err := f.svc.PreviewLetter(f.reviewer, cs, in)
	if err != nil {
		t.Fatal(err)
	}
	if after := f.tableDigests(); !maps.Equal(before, after) {
		for tbl := range after {
			if before[tbl] != after[tbl] {
				t.Errorf("the preview changed %s", tbl)
			}
		}
	}
	runs := readPDF(t, draft)
	text := pdfText(runs)
	mustContain(t, text, "KONSEP — BELUM DITERBITKAN", "Nomor : 500/SP1/DISPERIN/2025/.... (belum diberikan",
		"Berdasarkan "+citation, "Pertimbangan: Dua triwulan di bawah target.", "paling lambat tanggal 17 Mei 2025",
		fmt.Sprintf("/perusahaan/kasus/%d", cs), "Kepala Bidang Pengembangan Industri,", "NIP 19700101 199503 2 001",
		"Tembusan: 1. Bupati Bekasi", "dicetak saat surat diterbitkan")
	mustNotContain(t, text, "/0001", "Kode verifikasi:", "Surat Nomor")
	pages := 0
	for _, r := range runs {
		if r.Rotated && r.Text == "KONSEP" {
			pages++
		}
		if r.Page > pages+1 {
			break
		}
	}
	if last := runs[len(runs)-1].Page; pages != last {
		t.Errorf("the draft mark is across %d of %d pages", pages, last)
	}
	if bytes.Contains(draft, []byte("/Subtype /Image")) {
		t.Error("the draft carries a QR code")
	}

	// Issued, the letter says what the draft said, with its number and
	// code in place of the draft's marks.
	res, err := f.svc.Decide(f.reviewer, cs, in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(res.Letter.Number, "/2025/0001") {
		t.Errorf("the preview used a letter number: the letter is %s", res.Letter.Number)
	}
	drafted := pdfLines(runs)
	for _, line := range pdfLines(readPDF(t, f.letterPDF(res.Letter.ID))) {
		if strings.Contains(line, res.Letter.Number) || strings.Contains(line, "verifikasi") || strings.Contains(line, "memindai") {
			continue
		}
		if !slices.Contains(drafted, line) {
			t.Errorf("the draft lacks the letter's line %q", line)
		}
	}

	// The faults are Decide's.
	stranger := dbtest.AddBusiness(t, f.db, dbtest.Business{Name: "PT Lain", Category: "hotel"})
	other := actor.With(context.Background(), actor.Actor{UserID: 99, Role: actor.RoleCompany, BusinessID: stranger})
	queued := f.caseIn(sanction.StageQueued, 0, false)
	responded := f.caseIn(sanction.StageResponded, 1, false)
	for _, tc := range []struct {
		name string
		ctx  context.Context
		cs   int64
		in   sanction.DecisionInput
	}{
		{"not allowed in the stage", f.reviewer, queued, sanction.DecisionInput{Decision: sanction.Recommend}},
		{"ladder not done", f.reviewer, f.caseIn(sanction.StageLapsed, 1, false), sanction.DecisionInput{Decision: sanction.Recommend}},
		{"already warned", f.reviewer, cs, in},
		{"no reason", f.reviewer, responded, sanction.DecisionInput{Decision: sanction.RejectResponse}},
		{"unknown decision", f.reviewer, queued, sanction.DecisionInput{Decision: "escalate"}},
		{"another company's case", other, queued, sanction.DecisionInput{Decision: sanction.Warn}},
		{"no such case", f.reviewer, 999999, sanction.DecisionInput{Decision: sanction.Warn}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.tableDigests()
			_, previewErr := f.svc.PreviewLetter(tc.ctx, tc.cs, tc.in)
			_, decideErr := f.svc.Decide(tc.ctx, tc.cs, tc.in)
			pf, ok1 := fault.As(previewErr)
			df, ok2 := fault.As(decideErr)
			if !ok1 || !ok2 || pf.Kind != df.Kind || pf.Code != df.Code || pf.Detail != df.Detail ||
				fmt.Sprint(pf.Fields) != fmt.Sprint(df.Fields) {
				t.Errorf("preview %v, decide %v: want the same fault", previewErr, decideErr)
			}
			if !maps.Equal(before, f.tableDigests()) {
				t.Error("a refused preview or decision wrote something")
			}
		})
	}
	if _, err := f.svc.PreviewLetter(other, queued, sanction.DecisionInput{Decision: sanction.Warn}); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("another company's case: %v", err)
	}

	// A decision on an objection drafts the letter on that objection and
	// leaves the objection undecided.
	draft, err = f.svc.PreviewLetter(f.reviewer, responded, sanction.DecisionInput{Decision: sanction.AcceptResponse,
		Reason: "Pembelian telah dikonfirmasi IKM."})
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, pdfText(readPDF(t, draft)), "Pemberitahuan Penerimaan Keberatan", "Catatan: Pembelian telah dikonfirmasi IKM.",
		"Nomor : 500/TRM/DISPERIN/2025/....")
	if n := f.count(`SELECT count(*) FROM sanction_responses WHERE case_id = ? AND decision IS NULL`, responded); n != 1 {
		t.Errorf("%d undecided responses after the preview", n)
	}
}
