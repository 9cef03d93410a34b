package api

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/cmptest"
	"kemitraan/app/platform/config"
)

func (s *testServer) nibOf(ikm int64) string {
	s.t.Helper()
	var nib string
	if err := s.db.Raw("SELECT nib FROM ikms WHERE id = ?", ikm).Row().Scan(&nib); err != nil {
		s.t.Fatal(err)
	}
	return nib
}

// importFile sends content as the multipart field "file" to the import.
func (s *testServer) importFile(c caller, query string, content []byte, headers ...string) response {
	s.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, _ := w.CreateFormFile("file", "pembelian.csv")
	part.Write(content)
	w.Close()
	h := append([]string{"Content-Type", w.FormDataContentType(), "Authorization", "Bearer " + c.token}, headers...)
	return s.do(http.MethodPost, "/api/v1/purchases/import"+query, &body, h...)
}

type lineError struct {
	Line   int
	Field  string
	Reason string
}

func lineErrors(p map[string]any) []lineError {
	var out []lineError
	for _, e := range p["errors"].([]any) {
		m := e.(map[string]any)
		line, _ := m["line"].(float64)
		out = append(out, lineError{int(line), m["field"].(string), m["reason"].(string)})
	}
	return out
}

func TestImportPurchasesFromCSV(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	business := s.newBusiness("factory")
	company := s.asCompany(business)
	withMail, without := s.newIKM(), s.newIKM()
	s.setIKMEmail(withMail, "ikm@contoh.id")
	agreement := s.approvedAgreement(business, withMail)
	var agreementNumber string
	s.db.Raw("SELECT number FROM agreements WHERE id = ?", agreement).Scan(&agreementNumber)

	// Indonesian headers, ';' as a spreadsheet set to Indonesian writes it.
	csv := "\ufeffNomor Faktur;NIB IKM;Tanggal Pembelian;Tanggal Bayar;Uraian;Jumlah Barang;Nilai;Nomor Perjanjian\n" +
		fmt.Sprintf("F-001;%s;2025-03-01;2025-03-05;Besek bambu;100;750000;%s\n", s.nibOf(withMail), agreementNumber) +
		fmt.Sprintf("F-002;%s;02/03/2025;;\"Keripik; 50 bungkus\";50;500000;\n", s.nibOf(withMail)) +
		";;;;;;;\n" + // a blank row is skipped
		fmt.Sprintf("F-003;%s;2025-03-03;;Dodol;;1250000;\n", s.nibOf(without))

	dry := decode[importResponse](s.importFile(company, "?dry_run=true", []byte(csv)), http.StatusOK)
	wantDry := importResponse{Format: "csv", DryRun: true, Rows: 3, Created: 0, TotalAmount: 2_500_000}
	if diff := cmp.Diff(wantDry, dry,
		cmptest.Only[importResponse]("Format", "DryRun", "Rows", "Created", "TotalAmount")); diff != "" {
		t.Fatalf("dry run (-want +got):\n%s", diff)
	}
	if got := s.written(); got != (written{}) {
		t.Fatalf("a dry run wrote %+v", got)
	}

	res := decode[importResponse](s.importFile(company, "", []byte(csv)), http.StatusCreated)
	wantRes := importResponse{Rows: 3, Created: 3, TotalAmount: 2_500_000}
	if diff := cmp.Diff(wantRes, res, cmptest.Only[importResponse]("Rows", "Created", "TotalAmount")); diff != "" {
		t.Fatalf("import (-want +got):\n%s", diff)
	}
	if res.FirstID == nil || *res.LastID-*res.FirstID != 2 {
		t.Fatalf("import ids %v..%v, want three in a row", res.FirstID, res.LastID)
	}
	var rows []struct {
		InvoiceNumber string
		IKMID         int64 `gorm:"column:ikm_id"`
		AgreementID   *int64
		PurchaseDate  time.Time
		Quantity      int64
		Amount        int64
		Source        string
		Status        string
	}
	s.db.Raw("SELECT * FROM purchases ORDER BY id").Scan(&rows)
	if len(rows) != 3 {
		t.Errorf("stored %d purchases, want 3: %+v", len(rows), rows)
	} else {
		// The fields each row is checked on.
		want := []map[string]any{
			{"InvoiceNumber": "F-001", "AgreementID": &agreement, "Source": "import", "Status": "reported"},
			{"PurchaseDate": "2025-03-02", "Quantity": int64(50)},
			{"Quantity": int64(1), "IKMID": without, "Amount": int64(1_250_000)},
		}
		got := []map[string]any{
			{"InvoiceNumber": rows[0].InvoiceNumber, "AgreementID": rows[0].AgreementID, "Source": rows[0].Source,
				"Status": rows[0].Status},
			{"PurchaseDate": rows[1].PurchaseDate.Format(time.DateOnly), "Quantity": rows[1].Quantity},
			{"Quantity": rows[2].Quantity, "IKMID": rows[2].IKMID, "Amount": rows[2].Amount},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stored purchases (-want +got):\n%s", diff)
		}
	}
	w := s.written()
	if w.links != 3 || w.outbox != 1 || w.audits != 1 {
		t.Errorf("written %+v: want a link per purchase, one e-mail (one IKM has an address), one audit event", w)
	}
	var mail string
	s.db.Raw("SELECT body FROM outbox").Scan(&mail)
	if strings.Count(mail, "/k/") != 2 || !strings.Contains(mail, "F-001") ||
		!strings.Contains(mail, "F-002") || strings.Contains(mail, "Dodol") {
		t.Errorf("e-mail lists the wrong purchases:\n%s", mail)
	}
	// The links of an import work like any other.
	officer := s.as(actor.RoleOfficer)
	link := "/api/v1/confirmations/" + s.linkToken(officer, *res.LastID)
	if r := s.do(http.MethodPost, link, strings.NewReader(`{"decision":"confirm"}`), "Content-Type", "application/json"); r.Code != 200 {
		t.Errorf("confirm an imported purchase: %d %s", r.Code, r.Body.String())
	}

	// The same file again: every row is now a duplicate.
	p := s.importFile(company, "", []byte(csv)).problem(http.StatusUnprocessableEntity)
	if p["code"] != "import_rejected" || p["bad_rows"] != float64(3) {
		t.Errorf("second import: %v", p)
	}
	if errs := lineErrors(p); len(errs) != 3 || errs[0] != (lineError{2, "Nomor Faktur", "nomor faktur ini sudah pernah dilaporkan oleh usaha Anda"}) {
		t.Errorf("errors %+v", errs)
	}
}

func TestImportReportsEveryBadRowAndStoresNothing(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	business := s.newBusiness("factory")
	company := s.asCompany(business)
	ikm, inactive := s.newIKM(), s.newIKM()
	s.setIKMStatus(inactive, "inactive")
	existing := s.report(company, purchaseBody(ikm))
	foreign := s.approvedAgreement(s.newBusiness("hotel"), ikm)
	var foreignNumber string
	s.db.Raw("SELECT number FROM agreements WHERE id = ?", foreign).Scan(&foreignNumber)
	before := s.written()
	nib := s.nibOf(ikm)

	lines := []string{
		"invoice_number,ikm_nib,purchase_date,paid_date,description,quantity,amount,agreement_number",
		"G-01," + nib + ",2025-03-01,,Baik,1,100000,",                            // 2: good
		"G-02,9999999999999,2025-03-01,,Tidak terdaftar,1,100000,",               // 3: unknown IKM
		"G-03," + s.nibOf(inactive) + ",2025-03-01,,Tidak aktif,1,100000,",       // 4: inactive IKM
		"G-01," + nib + ",2025-03-02,,Ganda,1,100000,",                           // 5: duplicate of line 2
		existing.InvoiceNumber + "," + nib + ",2025-03-01,,Sudah ada,1,100,",     // 6: already reported
		"G-06," + nib + ",2025-03-01,,Nilai,1,-5,",                               // 7: negative
		"G-07," + nib + ",2025-03-01,,Nilai,1,1.500.000,",                        // 8: not a whole number
		"G-08," + nib + ",2025-04-01,,Masa depan,1,100000,",                      // 9: future
		"G-09," + nib + ",2025-03-05,2025-03-01,Bayar dulu,1,100000,",            // 10: paid before purchase
		"G-10," + nib + ",2025-03-01,,Perjanjian lain,1,100000," + foreignNumber, // 11: another business's agreement
		"G-11,123,2025-03-01,,,1,100000000000,",                                  // 12: bad NIB, no description, absurd amount
	}
	p := s.importFile(company, "", []byte(strings.Join(lines, "\r\n"))).problem(http.StatusUnprocessableEntity)
	if p["bad_rows"] != float64(10) || p["rows"] != float64(11) {
		t.Errorf("counts %v / %v", p["bad_rows"], p["rows"])
	}
	got := map[lineError]bool{}
	for _, e := range lineErrors(p) {
		got[lineError{e.Line, e.Field, ""}] = true
		if e.Reason == "" {
			t.Errorf("no reason for %+v", e)
		}
	}
	for _, want := range []lineError{
		{3, "ikm_nib", ""}, {4, "ikm_nib", ""}, {5, "invoice_number", ""}, {6, "invoice_number", ""},
		{7, "amount", ""}, {8, "amount", ""}, {9, "purchase_date", ""}, {10, "paid_date", ""},
		{11, "agreement_number", ""}, {12, "ikm_nib", ""}, {12, "description", ""}, {12, "amount", ""},
	} {
		if !got[want] {
			t.Errorf("no error for line %d column %s in %+v", want.Line, want.Field, lineErrors(p))
		}
	}
	if got[lineError{2, "invoice_number", ""}] {
		t.Error("the first of two duplicate invoices is blamed too")
	}
	if got := s.written(); got != before {
		t.Errorf("a rejected import wrote %+v, want %+v", got, before)
	}

	for _, tt := range []struct {
		name, content string
		field         string
	}{
		{"empty file", "", "file"},
		{"header only", "invoice_number,ikm_nib,purchase_date,description,amount\n", "file"},
		{"missing column", "invoice_number,ikm_nib,purchase_date,description\nA," + nib + ",2025-03-01,x\n", "amount"},
		{"unknown column", "invoice_number,ikm_nib,purchase_date,description,amount,harga\n", "harga"},
		{"broken quotes", "invoice_number,ikm_nib,purchase_date,description,amount\nA," + nib + ",2025-03-01,\"x,1\n", "file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := s.importFile(company, "", []byte(tt.content)).problem(http.StatusUnprocessableEntity)
			if f := fields(p); !slices.Contains(f, tt.field) {
				t.Errorf("fields %v, want %s", f, tt.field)
			}
			if got := s.written(); got != before {
				t.Errorf("wrote %+v", got)
			}
		})
	}
}

func TestImportXLSXRawBodyAndIdempotency(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	business := s.newBusiness("factory")
	erp := s.asToken(business)
	ikm := s.newIKM()

	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	f.SetSheetRow(sheet, "A1", &[]any{"invoice_number", "ikm_nib", "purchase_date", "description", "amount"})
	for i := range 3 {
		f.SetSheetRow(sheet, fmt.Sprintf("A%d", i+2), &[]any{fmt.Sprintf("X-%d", i), s.nibOf(ikm),
			time.Date(2025, 3, 1+i, 0, 0, 0, 0, time.UTC), "Kain batik", 400_000 + i})
	}
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	f.SetCellStyle(sheet, "C2", "C4", style)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	xlsx := buf.Bytes()

	send := func(key string, content []byte) response {
		return s.do(http.MethodPost, "/api/v1/purchases/import", bytes.NewReader(content),
			"Content-Type", xlsxMIME, "Authorization", "Bearer "+erp.token, "Idempotency-Key", key)
	}
	first := send("impor-1", xlsx)
	res := decode[importResponse](first, http.StatusCreated)
	if res.Format != "xlsx" || res.Created != 3 || res.TotalAmount != 1_200_003 {
		t.Fatalf("xlsx import %+v", res)
	}
	var dates []string
	s.db.Raw("SELECT to_char(purchase_date, 'YYYY-MM-DD') FROM purchases ORDER BY id").Scan(&dates)
	if !slices.Equal(dates, []string{"2025-03-01", "2025-03-02", "2025-03-03"}) {
		t.Errorf("dates %v", dates)
	}
	var sources []string
	s.db.Raw("SELECT DISTINCT source FROM purchases").Scan(&sources)
	if !slices.Equal(sources, []string{"erp"}) {
		t.Errorf("sources %v", sources)
	}
	again := send("impor-1", xlsx)
	if again.Code != http.StatusCreated || again.Body.String() != first.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay %d %s", again.Code, again.Body.String())
	}
	if n := s.count("SELECT count(*) FROM purchases"); n != 3 {
		t.Errorf("%d purchases after a replayed import", n)
	}
	other := []byte("invoice_number,ikm_nib,purchase_date,description,amount\nY-1," + s.nibOf(ikm) + ",2025-03-01,x,5\n")
	if p := send("impor-1", other).problem(http.StatusUnprocessableEntity); p["code"] != "idempotency_key_reused" {
		t.Errorf("reused key: %v", p)
	}
	raw := s.do(http.MethodPost, "/api/v1/purchases/import", bytes.NewReader(other),
		"Content-Type", "text/csv", "Authorization", "Bearer "+erp.token)
	if r := decode[importResponse](raw, http.StatusCreated); r.Created != 1 {
		t.Errorf("raw CSV body %+v", r)
	}
	// A dry run stores nothing, so it neither claims its key nor is replayed:
	// the same key then serves the real import.
	fresh := []byte("invoice_number,ikm_nib,purchase_date,description,amount\nZ-1," + s.nibOf(ikm) + ",2025-03-01,x,7\n")
	for range 2 {
		dry := s.do(http.MethodPost, "/api/v1/purchases/import?dry_run=true", bytes.NewReader(fresh),
			"Content-Type", "text/csv", "Authorization", "Bearer "+erp.token, "Idempotency-Key", "impor-kering")
		r := decode[importResponse](dry, http.StatusOK)
		if diff := cmp.Diff(importResponse{DryRun: true, Created: 0, Rows: 1}, r,
			cmptest.Only[importResponse]("DryRun", "Created", "Rows")); diff != "" {
			t.Errorf("keyed dry run (-want +got):\n%s", diff)
		}
		if replayed := dry.Header().Get("Idempotent-Replayed"); replayed != "" {
			t.Errorf("keyed dry run replayed %q", replayed)
		}
	}
	stored := s.do(http.MethodPost, "/api/v1/purchases/import", bytes.NewReader(fresh),
		"Content-Type", "text/csv", "Authorization", "Bearer "+erp.token, "Idempotency-Key", "impor-kering")
	if r := decode[importResponse](stored, http.StatusCreated); r.DryRun || r.Created != 1 || stored.Header().Get("Idempotent-Replayed") != "" {
		t.Errorf("import after keyed dry runs %+v", r)
	}
	s.do(http.MethodPost, "/api/v1/purchases/import", bytes.NewReader(other),
		"Content-Type", "application/json", "Authorization", "Bearer "+erp.token).problem(http.StatusUnsupportedMediaType)
	s.do(http.MethodPost, "/api/v1/purchases/import", bytes.NewReader([]byte("PK\x03\x04rusak")),
		"Content-Type", xlsxMIME, "Authorization", "Bearer "+erp.token).problem(http.StatusUnprocessableEntity)
}

func TestImportLimits(t *testing.T) {
	t.Parallel()
	s := newTestServerWith(t, nil, clock.NewFixed(purchaseNow), func(c *config.Config) {
		c.Procurement.ImportMaxRows = 2
		c.Procurement.ImportMaxBytes = 4096
	})
	company := s.asCompany(s.newBusiness("factory"))
	nib := s.nibOf(s.newIKM())
	three := "invoice_number,ikm_nib,purchase_date,description,amount\n"
	for i := range 3 {
		three += fmt.Sprintf("L-%d,%s,2025-03-01,x,1000\n", i, nib)
	}
	p := s.importFile(company, "", []byte(three)).problem(http.StatusUnprocessableEntity)
	if errs := lineErrors(p); len(errs) != 1 || errs[0].Line != 4 || errs[0].Field != "file" {
		t.Errorf("row limit: %+v", errs)
	}
	// Past the limit (plus the multipart envelope's allowance) in one row.
	big := "invoice_number,ikm_nib,purchase_date,description,amount\nB-1," + nib + ",2025-03-01," +
		strings.Repeat("y", 80_000) + ",1000\n"
	s.importFile(company, "", []byte(big)).problem(http.StatusRequestEntityTooLarge)
	if n := s.count("SELECT count(*) FROM purchases"); n != 0 {
		t.Errorf("%d purchases stored past a limit", n)
	}
}

// An import with more bad rows than one answer lists names the first ones
// in line order and says how many errors it left out.
func TestImportSaysHowManyErrorsItLeftOut(t *testing.T) {
	t.Parallel()
	s, _ := newPurchaseServer(t)
	company := s.asCompany(s.newBusiness("factory"))
	nib := s.nibOf(s.newIKM())
	var csv strings.Builder
	csv.WriteString("invoice_number,ikm_nib,purchase_date,description,quantity,amount\n")
	for i := range 1200 {
		fmt.Fprintf(&csv, "F-%04d,%s,2025-03-01,Besek,1,seratus ribu\n", i, nib)
	}
	p := s.importFile(company, "", []byte(csv.String())).problem(http.StatusUnprocessableEntity)
	got := lineErrors(p)
	if len(got) != 1000 || got[0].Line != 2 || got[999].Line != 1001 {
		t.Fatalf("%d errors listed, lines %d..%d, want the first 1000 (lines 2..1001)", len(got), got[0].Line, got[len(got)-1].Line)
	}
	want := map[string]any{"bad_rows": float64(1200), "errors_omitted": float64(200), "errors_truncated": true}
	gotCounts := map[string]any{"bad_rows": p["bad_rows"], "errors_omitted": p["errors_omitted"],
		"errors_truncated": p["errors_truncated"]}
	if diff := cmp.Diff(want, gotCounts); diff != "" {
		t.Errorf("problem members (-want +got):\n%s", diff)
	}
	if !strings.Contains(text(p, "detail"), "200 kesalahan lain") {
		t.Errorf("detail %q", text(p, "detail"))
	}
}
