package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"kemitraan/app/platform/cmptest"
	"kemitraan/app/report"
)

// outputsWorld is two quarters of the compliance cycle driven through the
// API (purchases confirmed by their IKM, period reports, the evaluate job,
// a reviewer's warning), then read back as the sanction list, its exports,
// the statistics, the company dashboard and the public API.
type outputsWorld struct {
	*cycle
	i1, i2, i3, open                          int64
	alpha, beta, gamma, delta, eps, zeta, rec int64
	aUser, dUser                              caller
	alphaCase                                 int64
	otherKec, otherKecName, mainKecName       string
	hiddenPhones, hiddenEmails, ownerNames    []string
	disputeReason                             string
	names                                     map[int64]string
}

const (
	nameAlpha = "PT Alpha Baja"
	nameBeta  = "CV Beta Rasa"
	nameGamma = "Hotel Gamma Indah"
	nameDelta = "PT Delta Mandiri"
	nameEps   = "PT Epsilon Kimia"
	nameZeta  = "PT Zeta Logam"
	nameRec   = "Resto Rekomendasi Jaya"
)

func newOutputsWorld(t *testing.T) *outputsWorld {
	t.Helper()
	w := &outputsWorld{cycle: newCycle(t), names: map[int64]string{}}
	c := w.cycle
	var i1User, i2User caller
	w.i1, i1User = c.ikm("")
	w.i2, i2User = c.ikm("")
	w.i3, _ = c.ikm("")
	w.open, _ = c.ikm("")
	// Contact details: published only for the IKM that agreed to it.
	for n, id := range []int64{w.i1, w.i2, w.i3} {
		phone, email, owner := fmt.Sprintf("+62812990011%02d", n), fmt.Sprintf("rahasia%d@ikm.test", n),
			fmt.Sprintf("Ibu Rahasia Pemilik %d", n)
		c.exec(`UPDATE ikms SET phone = ?, email = ?, owner_name = ?, created_at = '2024-06-01', public_contact = false,
			sector = 'batik', products = 'Batik tulis motif bambu' WHERE id = ?`, phone, email, owner, id)
		w.hiddenPhones, w.hiddenEmails, w.ownerNames = append(w.hiddenPhones, phone), append(w.hiddenEmails, email),
			append(w.ownerNames, owner)
	}
	c.exec(`UPDATE ikms SET name = 'Anyaman Terbuka', phone = '+6281311112222', email = 'terbuka@ikm.test',
		owner_name = 'Bapak Terbuka', sector = 'anyaman', products = 'Tas anyaman pandan', public_contact = true,
		created_at = '2024-06-01' WHERE id = ?`, w.open)
	c.exec(`UPDATE ikms SET name = 'Batik Satu' WHERE id = ?`, w.i1)

	c.exec("SELECT 1")
	if err := c.db.Raw("SELECT code, name FROM kecamatan WHERE code <> '3216060' ORDER BY code LIMIT 1").
		Row().Scan(&w.otherKec, &w.otherKecName); err != nil {
		t.Fatal(err)
	}
	if err := c.db.Raw("SELECT name FROM kecamatan WHERE code = '3216060'").Row().Scan(&w.mainKecName); err != nil {
		t.Fatal(err)
	}

	var bUser, eUser, zUser, rUser caller
	named := func(category, name, email string) (int64, caller) {
		id, u := c.business(category, email)
		c.exec("UPDATE businesses SET name = ? WHERE id = ?", name, id)
		w.names[id] = name
		return id, u
	}
	w.alpha, w.aUser = named("factory", nameAlpha, "alpha@contoh.co.id")
	w.beta, bUser = named("restaurant", nameBeta, "beta@contoh.co.id")
	w.gamma, _ = named("hotel", nameGamma, "gamma@contoh.co.id")
	w.delta, w.dUser = named("factory", nameDelta, "delta@contoh.co.id")
	w.eps, eUser = named("factory", nameEps, "eps@contoh.co.id")
	w.zeta, zUser = named("factory", nameZeta, "zeta@contoh.co.id")
	w.rec, rUser = named("restaurant", nameRec, "rec@contoh.co.id")
	_ = eUser
	c.exec("UPDATE businesses SET status = 'exempt' WHERE id = ?", w.eps)
	c.exec("UPDATE businesses SET kecamatan_code = ? WHERE id = ?", w.otherKec, w.zeta)

	buy := func(u caller, ikm int64, iu caller, date string, amount int64) {
		c.at(date + " 10:00")
		c.confirm(iu, c.purchase(u, ikm, date, amount))
	}
	// 2025-Q1.
	buy(w.aUser, w.i1, i1User, "2025-02-10", 5_000_000)
	buy(bUser, w.i1, i1User, "2025-02-11", 3_000_000)
	buy(w.dUser, w.i1, i1User, "2025-02-12", 20_000_000)
	buy(w.dUser, w.i2, i2User, "2025-02-13", 10_000_000)
	buy(zUser, w.i1, i1User, "2025-02-14", 25_000_000)
	buy(zUser, w.i2, i2User, "2025-02-15", 1_000_000)
	// A purchase the IKM disputes: the dispute is nobody's business but the
	// Dinas's.
	c.at("2025-03-01 10:00")
	disputed := c.purchase(bUser, w.i2, "2025-03-01", 9_000_000)
	w.disputeReason = "Barang tidak pernah kami kirim, faktur palsu nomor 77"
	decode[purchaseResponse](c.call(i2User, http.MethodPost, fmt.Sprintf("/api/v1/purchases/%d/dispute", disputed),
		reasonRequest{Reason: w.disputeReason}), http.StatusOK)

	c.at("2025-04-05 09:00")
	for _, r := range []struct {
		u  caller
		id int64
	}{{w.aUser, w.alpha}, {bUser, w.beta}, {w.dUser, w.delta}, {rUser, w.rec}} {
		c.report(r.u, r.id, "2025-Q1")
	}
	c.at("2025-04-20 09:00")
	c.report(zUser, w.zeta, "2025-Q1") // late
	c.at("2025-04-21 08:00")
	c.runJob("evaluate", "2025-Q1")

	// The reviewer warns Alpha (SP1, answer due 7 May, never answered).
	c.at("2025-04-22 10:00")
	w.alphaCase = c.caseOf(w.alpha).ID
	c.decide(w.alphaCase, "warn", "")
	// Resto Rekomendasi went up the whole ladder: its Q1 case ends in a
	// recommendation to the licensing authority.
	c.exec(`UPDATE sanction_cases SET stage = 'recommended', outcome = 'recommended', rung = 3,
		closed_at = '2025-06-02 03:00+00', updated_at = '2025-06-02 03:00+00' WHERE business_id = ?`, w.rec)
	c.exec(`INSERT INTO sanction_decisions (case_id, decision, from_stage, to_stage, rung, reviewer_name, decided_at)
		SELECT id, 'recommend', 'lapsed', 'recommended', 3, 'Drs. Bambang Sutrisno, M.Si.', '2025-06-02 03:00+00'
		FROM sanction_cases WHERE business_id = ?`, w.rec)

	// 2025-Q2.
	buy(bUser, w.i1, i1User, "2025-05-10", 3_000_000)
	buy(w.dUser, w.i1, i1User, "2025-05-11", 20_000_000)
	buy(w.dUser, w.i2, i2User, "2025-05-12", 10_000_000)
	buy(zUser, w.i1, i1User, "2025-05-13", 25_000_000)
	buy(zUser, w.i2, i2User, "2025-05-14", 1_000_000)
	c.at("2025-07-05 09:00")
	for _, r := range []struct {
		u  caller
		id int64
	}{{w.aUser, w.alpha}, {bUser, w.beta}, {w.dUser, w.delta}, {zUser, w.zeta}, {rUser, w.rec}} {
		c.report(r.u, r.id, "2025-Q2")
	}
	c.at("2025-07-21 08:00")
	c.runJob("evaluate", "2025-Q2")
	return w
}

func (w *outputsWorld) list(query string) sanctionListResponse {
	w.t.Helper()
	return decode[sanctionListResponse](w.call(w.officer, http.MethodGet, "/api/v1/sanction-list"+query, nil), http.StatusOK)
}

func (w *outputsWorld) order(items []sanctionRowResponse) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Business.Name
	}
	return out
}

func (w *outputsWorld) row(items []sanctionRowResponse, id int64) sanctionRowResponse {
	w.t.Helper()
	for _, it := range items {
		if it.Business.ID == id {
			return it
		}
	}
	w.t.Fatalf("business %d (%s) not on the list", id, w.names[id])
	return sanctionRowResponse{}
}

func statusOf(h periodStatusResponse) string {
	if h.Status == nil {
		return "-"
	}
	return *h.Status
}

func TestOutputsAfterTwoQuarters(t *testing.T) {
	t.Parallel()
	w := newOutputsWorld(t)
	// Each part reports to its own subtest; they share the world, in order.
	run := func(name string, fn func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			outer := w.t
			w.t = t
			defer func() { w.t = outer }()
			fn(t)
		})
	}

	run("sanction list of the latest evaluated period", func(t *testing.T) {
		l := w.list("")
		if l.Period != "2025-Q2" || l.RuleSet != "bekasi-2025" {
			t.Fatalf("period %s rule set %s", l.Period, l.RuleSet)
		}
		// Largest shortfall first; Epsilon and Alpha tie (Rp25,000,000 and two
		// IKM missing) and the later business comes first.
		want := []string{nameEps, nameAlpha, nameGamma, nameRec, nameBeta}
		if got := w.order(l.Items); !slices.Equal(got, want) {
			t.Errorf("order %v, want %v", got, want)
		}
		wantSum := sanctionListSummary{Total: 5, ByStatus: listStatusCounts{Partial: 1, NonCompliant: 2, NotReported: 1, Exempt: 1},
			MissingPurchaseValue: 72_000_000, Overdue: 1}
		if diff := cmp.Diff(wantSum, l.Summary); diff != "" {
			t.Errorf("summary (-want +got):\n%s", diff)
		}
		if l.NextCursor != nil {
			t.Errorf("next cursor %q on the only page", *l.NextCursor)
		}

		a := w.row(l.Items, w.alpha)
		if a.Business.NIB == "" {
			t.Errorf("alpha has no NIB: %+v", a.Business)
		}
		wantA := sanctionRowResponse{
			Business: listBusiness{Category: "factory", KecamatanName: w.mainKecName},
			Status:   "non_compliant", ReportStatus: "on_time",
			Shortfall: shortfallResponse{
				PurchaseValue: metricResponse{Target: 25_000_000, Realised: 0, Missing: 25_000_000},
				IKMCount:      metricResponse{Target: 2, Realised: 0, Missing: 2},
				OutletSlots:   slotMetricResponse{},
			},
			Fulfilment: new(0.0),
		}
		if diff := cmp.Diff(wantA, a, cmptest.Only[sanctionRowResponse]("Business", "Status", "ReportStatus", "Shortfall", "Fulfilment"),
			cmptest.Only[listBusiness]("Category", "KecamatanName")); diff != "" {
			t.Errorf("alpha (-want +got):\n%s", diff)
		}
		wantCase := &caseSummaryResponse{ID: w.alphaCase, Stage: "warned", Rung: 1, Open: true, ResponseDue: new("2025-05-07"), Overdue: true}
		if diff := cmp.Diff(wantCase, a.Case,
			cmptest.Only[caseSummaryResponse]("ID", "Stage", "Rung", "Open", "ResponseDue", "Overdue")); diff != "" {
			t.Errorf("alpha case (-want +got):\n%s", diff)
		}
		wantDecision := &decisionSummaryResponse{Decision: "warn", Rung: 1, ReviewerName: "Drs. Bambang Sutrisno, M.Si."}
		if diff := cmp.Diff(wantDecision, a.LastDecision,
			cmptest.Only[decisionSummaryResponse]("Decision", "Rung", "ReviewerName")); diff != "" {
			t.Errorf("alpha last decision (-want +got):\n%s", diff)
		}
		var hist []string
		for _, h := range a.History {
			hist = append(hist, h.Period+":"+statusOf(h))
		}
		if want := []string{"2024-Q3:-", "2024-Q4:-", "2025-Q1:non_compliant", "2025-Q2:non_compliant"}; !slices.Equal(hist, want) ||
			a.PeriodsWanting != 2 {
			t.Errorf("alpha history %v (%d running), want %v", hist, a.PeriodsWanting, want)
		}

		g := w.row(l.Items, w.gamma)
		wantG := sanctionRowResponse{
			Status: "not_reported", ReportStatus: "missing",
			Shortfall: shortfallResponse{
				PurchaseValue: metricResponse{Missing: 15_000_000},
				IKMCount:      metricResponse{Missing: 3},
				OutletSlots:   slotMetricResponse{Target: 1, Realised: 0, Missing: 1},
			},
			Case:           &caseSummaryResponse{Stage: "queued", Overdue: false},
			LastDecision:   nil,
			PeriodsWanting: 2,
		}
		if diff := cmp.Diff(wantG, g,
			cmptest.Only[sanctionRowResponse]("Status", "ReportStatus", "Shortfall", "Case", "LastDecision", "PeriodsWanting"),
			cmptest.Only[metricResponse]("Missing"), cmptest.Only[caseSummaryResponse]("Stage", "Overdue")); diff != "" {
			t.Errorf("gamma (-want +got):\n%s", diff)
		}
		b := w.row(l.Items, w.beta)
		wantB := sanctionRowResponse{
			Status: "partial",
			Shortfall: shortfallResponse{
				PurchaseValue: metricResponse{Target: 5_000_000, Realised: 3_000_000, Missing: 2_000_000},
				IKMCount:      metricResponse{Target: 1, Realised: 1, Missing: 0},
			},
			Fulfilment:     new(0.8),
			Case:           nil,
			PeriodsWanting: 0,
		}
		if diff := cmp.Diff(wantB, b, cmptest.Only[sanctionRowResponse]("Status", "Shortfall", "Fulfilment", "Case", "PeriodsWanting"),
			cmptest.Only[shortfallResponse]("PurchaseValue", "IKMCount")); diff != "" {
			t.Errorf("beta (-want +got):\n%s", diff)
		}
		// Q1's recommendation is final; Q2's finding opened a new case.
		r := w.row(l.Items, w.rec)
		wantR := sanctionRowResponse{Case: &caseSummaryResponse{Stage: "queued", Open: true}, LastDecision: nil, PeriodsWanting: 2}
		if diff := cmp.Diff(wantR, r, cmptest.Only[sanctionRowResponse]("Case", "LastDecision", "PeriodsWanting"),
			cmptest.Only[caseSummaryResponse]("Stage", "Open")); diff != "" {
			t.Errorf("rec (-want +got):\n%s", diff)
		}
		if e := w.row(l.Items, w.eps); e.Status != "exempt" || e.Case != nil {
			t.Errorf("eps %+v", e)
		}
	})

	run("an earlier period shows how its cases ended", func(t *testing.T) {
		l := w.list("?period=2025-Q1")
		if l.Period != "2025-Q1" || l.Summary.Total != 6 {
			t.Fatalf("Q1: %s total %d: %v", l.Period, l.Summary.Total, w.order(l.Items))
		}
		z := w.row(l.Items, w.zeta)
		wantZ := sanctionRowResponse{
			Business: listBusiness{KecamatanCode: w.otherKec},
			Status:   "not_reported", ReportStatus: "late",
			Shortfall: shortfallResponse{PurchaseValue: metricResponse{Missing: 0}},
		}
		if diff := cmp.Diff(wantZ, z, cmptest.Only[sanctionRowResponse]("Business", "Status", "ReportStatus", "Shortfall"),
			cmptest.Only[listBusiness]("KecamatanCode"), cmptest.Only[shortfallResponse]("PurchaseValue"),
			cmptest.Only[metricResponse]("Missing")); diff != "" {
			t.Errorf("zeta (-want +got):\n%s", diff)
		}
		r := w.row(l.Items, w.rec)
		wantR := sanctionRowResponse{
			Case:         &caseSummaryResponse{Stage: "recommended", Open: false, Outcome: new("recommended")},
			LastDecision: &decisionSummaryResponse{Decision: "recommend"},
		}
		if diff := cmp.Diff(wantR, r, cmptest.Only[sanctionRowResponse]("Case", "LastDecision"),
			cmptest.Only[caseSummaryResponse]("Stage", "Open", "Outcome"), cmptest.Only[decisionSummaryResponse]("Decision")); diff != "" {
			t.Errorf("rec in Q1 (-want +got):\n%s", diff)
		}
		for _, it := range l.Items {
			if it.Business.ID == w.delta {
				t.Errorf("compliant Delta is on the list")
			}
		}
	})

	run("filters", func(t *testing.T) {
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"?status=partial", []string{nameBeta}},
			{"?status=non_compliant,not_reported", []string{nameAlpha, nameGamma, nameRec}},
			{"?stage=warned", []string{nameAlpha}},
			{"?stage=queued", []string{nameGamma, nameRec}},
			{"?stage=none", []string{nameEps, nameBeta}},
			{"?category=hotel", []string{nameGamma}},
			{"?category=factory&status=exempt", []string{nameEps}},
			{"?overdue=true", []string{nameAlpha}},
			{"?q=gamma", []string{nameGamma}},
			{"?kecamatan=3216060&status=partial", []string{nameBeta}},
			{"?period=2025-Q1&kecamatan=" + w.otherKec, []string{nameZeta}},
			{"?period=2025-Q1&stage=recommended", []string{nameRec}},
			{"?period=2025-Q3", []string{}},
		} {
			l := w.list(tc.query)
			if got := w.order(l.Items); !slices.Equal(got, tc.want) || l.Summary.Total != int64(len(tc.want)) {
				t.Errorf("%s: %v (total %d), want %v", tc.query, got, l.Summary.Total, tc.want)
			}
		}
	})

	run("sorting and keyset pages", func(t *testing.T) {
		for _, tc := range []struct {
			sort string
			want []string
		}{
			{"", []string{nameEps, nameAlpha, nameGamma, nameRec, nameBeta}},
			{"shortfall", []string{nameBeta, nameRec, nameGamma, nameAlpha, nameEps}},
			{"name", []string{nameBeta, nameGamma, nameAlpha, nameEps, nameRec}},
			{"-name", []string{nameRec, nameEps, nameAlpha, nameGamma, nameBeta}},
			// Alpha alone has a response deadline; the rest follow in id order.
			{"deadline", []string{nameAlpha, nameBeta, nameGamma, nameEps, nameRec}},
			{"fulfilment", []string{nameAlpha, nameGamma, nameEps, nameRec, nameBeta}},
		} {
			base := "?limit=2"
			if tc.sort != "" {
				base += "&sort=" + tc.sort
			}
			var got []string
			cursor := ""
			for pages := 0; pages < 5; pages++ {
				l := w.list(base + cursor)
				got = append(got, w.order(l.Items)...)
				if l.NextCursor == nil {
					break
				}
				if len(l.Items) != 2 {
					t.Errorf("sort %q: a page of %d before the last", tc.sort, len(l.Items))
				}
				cursor = "&cursor=" + url.QueryEscape(*l.NextCursor)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("sort %q in pages of 2: %v, want %v", tc.sort, got, tc.want)
			}
		}
	})

	run("bad parameters name the field", func(t *testing.T) {
		for _, tc := range []struct {
			query  string
			fields []string
		}{
			{"?status=compliant", []string{"status"}},
			{"?status=bogus", []string{"status"}},
			{"?stage=somewhere", []string{"stage"}},
			{"?category=farm", []string{"category"}},
			{"?kecamatan=9999999", []string{"kecamatan"}},
			{"?sort=size", []string{"sort"}},
			{"?cursor=bm90LWEtY3Vyc29y", []string{"cursor"}},
			{"?cursor=" + url.QueryEscape("WyJ4IiwwLDAsMV0"), []string{"cursor"}},
			{"?period=2025-13", []string{"period"}},
			{"?period=2025-03", []string{"period"}},
			{"?period=2019-Q1", []string{"period"}},
			{"?limit=0", []string{"limit"}},
			{"?overdue=maybe", []string{"overdue"}},
			{"?format=pdf", []string{"format"}},
			{"?format=csv&sep=tab", []string{"sep"}},
			{"?status=compliant&sort=size&period=2025-Q9", []string{"status", "sort", "period"}},
		} {
			p := w.call(w.officer, http.MethodGet, "/api/v1/sanction-list"+tc.query, nil).problem(http.StatusUnprocessableEntity)
			if got := fields(p); !slices.Equal(got, tc.fields) {
				t.Errorf("%s: fields %v, want %v (%v)", tc.query, got, tc.fields, p["errors"])
			}
		}
	})

	run("CSV export", func(t *testing.T) {
		l := w.list("")
		for _, tc := range []struct {
			name, query string
			headers     []string
			comma       rune
		}{
			{"format", "?format=csv", nil, ','},
			{"accept header", "", []string{"Accept", "text/csv"}, ','},
			{"semicolon", "?format=csv&sep=semicolon", nil, ';'},
		} {
			hs := append([]string{"Authorization", "Bearer " + w.officer.token}, tc.headers...)
			r := w.do(http.MethodGet, "/api/v1/sanction-list"+tc.query, nil, hs...)
			if r.Code != http.StatusOK || r.Header().Get("Content-Type") != "text/csv; charset=utf-8" ||
				!strings.Contains(r.Header().Get("Content-Disposition"), `filename=daftar-sanksi-2025-Q2.csv`) {
				t.Fatalf("%s: %d %q %q", tc.name, r.Code, r.Header().Get("Content-Type"), r.Header().Get("Content-Disposition"))
			}
			body := r.Body.Bytes()
			if !bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
				t.Errorf("%s: no byte order mark", tc.name)
			}
			cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF"))))
			cr.Comma = tc.comma
			records, err := cr.ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if len(records) != 6 || records[0][0] != "NIB" || records[0][8] != "Kekurangan pembelian (Rp)" {
				t.Fatalf("%s: %d records, header %v", tc.name, len(records), records[0])
			}
			col := map[string]int{}
			for i, h := range records[0] {
				col[h] = i
			}
			for i, it := range l.Items {
				if records[i+1][col["Nama usaha"]] != it.Business.Name {
					t.Errorf("%s: row %d is %s, want %s", tc.name, i+1, records[i+1][1], it.Business.Name)
				}
			}
			a := records[2] // Alpha, second by shortfall
			nib := w.row(l.Items, w.alpha).Business.NIB
			if tc.comma == ';' {
				nib = `="` + nib + `"` // Excel keeps it as text
			}
			want := map[string]string{
				"NIB": nib, "Kategori": "Pabrik", "Kecamatan": w.mainKecName,
				"Status": "Tidak patuh", "Laporan berkala": "Tepat waktu", "Target pembelian (Rp)": "25000000",
				"Realisasi pembelian (Rp)": "0", "Kekurangan pembelian (Rp)": "25000000", "Kekurangan IKM": "2",
				"Tahap kasus": "Teguran, menunggu tanggapan", "Batas tanggapan": "2025-05-07", "Lewat batas": "Ya",
				"Keputusan terakhir": "Teguran tertulis SP1", "Diputuskan oleh": "Drs. Bambang Sutrisno, M.Si.",
				"Tanggal keputusan (WIB)": "2025-04-22 10:00", "Status 2025-Q1": "Tidak patuh", "Status 2024-Q4": "",
				"Periode berturut-turut tidak patuh": "2", "Nomor kasus": fmt.Sprint(w.alphaCase),
			}
			for h, v := range want {
				if got := a[col[h]]; got != v {
					t.Errorf("%s: Alpha %q = %q, want %q", tc.name, h, got, v)
				}
			}
			beta := records[5]
			wantPct, wantSlots := "80.0", "0.00"
			if tc.comma == ';' {
				wantPct, wantSlots = "80,0%", "0,00"
			}
			if beta[col["Capaian rata-rata"]] != wantPct || beta[col["Realisasi slot tempat"]] != wantSlots {
				t.Errorf("%s: Beta fulfilment %q slots %q", tc.name, beta[col["Capaian rata-rata"]], beta[col["Realisasi slot tempat"]])
			}
		}
		// The export takes the list's filters.
		r := w.call(w.officer, http.MethodGet, "/api/v1/sanction-list?format=csv&status=partial", nil)
		records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body.Bytes(), []byte("\xEF\xBB\xBF")))).ReadAll()
		if err != nil || len(records) != 2 || records[1][1] != nameBeta {
			t.Errorf("filtered export: %v %v", err, records)
		}
		// A bad filter is a problem, not a broken file.
		w.call(w.officer, http.MethodGet, "/api/v1/sanction-list?format=csv&stage=nowhere", nil).problem(http.StatusUnprocessableEntity)
	})

	run("XLSX export", func(t *testing.T) {
		l := w.list("")
		r := w.call(w.officer, http.MethodGet, "/api/v1/sanction-list?format=xlsx", nil)
		if r.Code != http.StatusOK || r.Header().Get("Content-Type") != xlsxMIME ||
			!strings.Contains(r.Header().Get("Content-Disposition"), "daftar-sanksi-2025-Q2.xlsx") {
			t.Fatalf("%d %q %q", r.Code, r.Header().Get("Content-Type"), r.Header().Get("Content-Disposition"))
		}
		f, err := excelize.OpenReader(bytes.NewReader(r.Body.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{report.SheetList, report.SheetTotals}) {
			t.Fatalf("sheets %v", sheets)
		}
		rows, err := f.GetRows(report.SheetList, excelize.Options{RawCellValue: true})
		if err != nil || len(rows) != 7 {
			t.Fatalf("%d rows: %v", len(rows), err)
		}
		// A title row with the period, then the header row, then the list.
		if len(rows[0]) != 1 || rows[0][0] != "Daftar sanksi — Triwulan II 2025" {
			t.Errorf("title row %q", rows[0])
		}
		col := map[string]int{}
		for i, h := range rows[1] {
			col[h] = i
		}
		for i, it := range l.Items {
			if rows[i+2][col["Nama usaha"]] != it.Business.Name {
				t.Errorf("row %d is %s, want %s", i+2, rows[i+2][col["Nama usaha"]], it.Business.Name)
			}
		}
		alpha := rows[3]
		if alpha[col["Kekurangan pembelian (Rp)"]] != "25000000" || alpha[col["NIB"]] != w.row(l.Items, w.alpha).Business.NIB ||
			alpha[col["Diputuskan oleh"]] != "Drs. Bambang Sutrisno, M.Si." || alpha[col["Status"]] != "Tidak patuh" {
			t.Errorf("alpha row %v", alpha)
		}
		at := func(header string) string {
			cell, _ := excelize.CoordinatesToCellName(col[header]+1, 4)
			return cell
		}
		// Rupiah are numbers shown as rupiah, Rp with no space (excelize
		// draws English separators; Indonesian Excel shows dots); the NIB
		// stays text; the response deadline is a date.
		styleID, err := f.GetCellStyle(report.SheetList, at("Kekurangan pembelian (Rp)"))
		if err != nil {
			t.Fatal(err)
		}
		style, err := f.GetStyle(styleID)
		if err != nil || style.CustomNumFmt == nil || *style.CustomNumFmt != `[$Rp-421]#,##0;-[$Rp-421]#,##0` {
			t.Errorf("rupiah cell style %+v: %v", style, err)
		}
		if shown, _ := f.GetCellValue(report.SheetList, at("Kekurangan pembelian (Rp)")); shown != "Rp25,000,000" {
			t.Errorf("rupiah cell shows %q", shown)
		}
		if typ, _ := f.GetCellType(report.SheetList, at("Kekurangan pembelian (Rp)")); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("rupiah cell is text")
		}
		if typ, _ := f.GetCellType(report.SheetList, at("NIB")); typ != excelize.CellTypeInlineString {
			t.Errorf("NIB cell is %v, want text", typ)
		}
		if shown, _ := f.GetCellValue(report.SheetList, at("Batas tanggapan")); shown != "7 Mei 2025" ||
			alpha[col["Batas tanggapan"]] != "45784" {
			t.Errorf("response deadline %q shown as %q, want the date 7 Mei 2025", alpha[col["Batas tanggapan"]], shown)
		}
		if width, _ := f.GetColWidth(report.SheetList, "A"); width < 13 {
			t.Errorf("NIB column %v wide", width)
		}
		panes, err := f.GetPanes(report.SheetList)
		if err != nil || !panes.Freeze || panes.YSplit != 2 {
			t.Errorf("panes %+v %v", panes, err)
		}
		var filter, titles bool
		for _, dn := range f.GetDefinedName() {
			if dn.Name == "_xlnm._FilterDatabase" && strings.Contains(dn.RefersTo, "$A$2:") && strings.HasSuffix(dn.RefersTo, "$7") {
				filter = true
			}
			titles = titles || dn.Name == "_xlnm.Print_Titles" && strings.HasSuffix(dn.RefersTo, "!$2:$2")
		}
		if !filter || !titles {
			t.Errorf("autofilter %v, print titles %v: %+v", filter, titles, f.GetDefinedName())
		}
		if layout, err := f.GetPageLayout(report.SheetList); err != nil || *layout.Orientation != "landscape" || *layout.FitToWidth != 1 {
			t.Errorf("page layout %+v %v", layout, err)
		}
		totals, err := f.GetRows(report.SheetTotals, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, tr := range totals {
			if len(tr) == 2 {
				got[tr[0]] = tr[1]
			}
		}
		for k, v := range map[string]string{
			"Periode": "2025-Q2 (Triwulan II 2025)", "Jumlah usaha dalam daftar": "5", "Status: Tidak patuh": "2",
			"Status: Patuh sebagian": "1", "Laporan berkala tidak ada": "2", "Total kekurangan pembelian (Rp)": "72000000",
			"Total kekurangan IKM": "8", "Kasus terbuka": "3", "Kasus lewat batas tanggapan": "1",
		} {
			if got[k] != v {
				t.Errorf("totals %q = %q, want %q", k, got[k], v)
			}
		}
	})

	run("statistics", func(t *testing.T) {
		st := decode[statsResponse](w.call(w.reviewer, http.MethodGet, "/api/v1/stats?period=2025-Q2", nil), http.StatusOK)
		wantSt := statsResponse{
			Period: "2025-Q2", Evaluated: 7,
			ByStatus:      statusCounts{Compliant: 2, Partial: 1, NonCompliant: 2, NotReported: 1, Exempt: 1},
			Compliance:    rateResponse{Base: 6, Compliant: 2, Rate: new(0.3333)},
			Reports:       reportCountsResponse{OnTime: 5, Late: 0, Missing: 2},
			PurchaseValue: 59_000_000,
		}
		if diff := cmp.Diff(wantSt, st,
			cmptest.Only[statsResponse]("Period", "Evaluated", "ByStatus", "Compliance", "Reports", "PurchaseValue")); diff != "" {
			t.Errorf("stats (-want +got):\n%s", diff)
		}
		for _, g := range st.ByCategory {
			if g.Key != "factory" {
				continue
			}
			want := groupStatsResponse{Key: "factory", Evaluated: 4, Rate: rateResponse{Base: 3, Compliant: 2, Rate: new(0.6667)}}
			if diff := cmp.Diff(want, g, cmptest.Only[groupStatsResponse]("Key", "Evaluated", "Rate")); diff != "" {
				t.Errorf("factories (-want +got):\n%s", diff)
			}
		}
		if len(st.ByKecamatan) != 23 {
			t.Errorf("%d kecamatan", len(st.ByKecamatan))
		}
		for _, g := range st.ByKecamatan {
			if g.Key == w.otherKec && (g.Evaluated != 1 || g.Rate.Compliant != 1) {
				t.Errorf("zeta's kecamatan %+v", g)
			}
		}
		// Q2's findings: Alpha's and Gamma's extend their open cases, Resto's
		// opens a new one.
		wantCases := caseStatsResponse{Total: 3, Opened: 1, ByStage: stageCounts{Warned: 1, Queued: 2}}
		if diff := cmp.Diff(wantCases, st.Cases, cmptest.Only[caseStatsResponse]("Total", "Opened", "ByStage"),
			cmptest.Only[stageCounts]("Warned", "Queued")); diff != "" {
			t.Errorf("cases (-want +got):\n%s", diff)
		}
		ikm := st.IKM
		wantIKM := ikmStatsResponse{
			ikmPeriodResponse: ikmPeriodResponse{Registered: 4, Active: 2, PurchaseValue: 59_000_000, Share: new(0.5)},
			PerActiveIKM:      new(int64(29_500_000)),
		}
		if diff := cmp.Diff(wantIKM, ikm, cmp.AllowUnexported(ikmStatsResponse{}),
			cmptest.Only[ikmStatsResponse]("ikmPeriodResponse", "PerActiveIKM"),
			cmptest.Only[ikmPeriodResponse]("Registered", "Active", "PurchaseValue", "Share")); diff != "" {
			t.Errorf("ikm (-want +got):\n%s", diff)
		}
		if len(ikm.Series) != report.SeriesPeriods {
			t.Errorf("ikm series of %d periods, want %d", len(ikm.Series), report.SeriesPeriods)
		}
		if q1 := ikm.Series[len(ikm.Series)-2]; q1.Period != "2025-Q1" || q1.Active != 2 || q1.PurchaseValue != 64_000_000 {
			t.Errorf("Q1 in the series %+v", q1)
		}
		wantTop := []topIKMResponse{{ID: w.i1, Partners: 3}, {ID: w.i2, Partners: 2}}
		if diff := cmp.Diff(wantTop, ikm.Top, cmptest.Only[topIKMResponse]("ID", "Partners")); diff != "" {
			t.Errorf("top (-want +got):\n%s", diff)
		}

		q1 := decode[statsResponse](w.call(w.officer, http.MethodGet, "/api/v1/stats?period=2025-Q1", nil), http.StatusOK)
		wantQ1 := statsResponse{
			Cases: caseStatsResponse{Total: 4, Opened: 4, ByStage: stageCounts{Recommended: 1},
				Closed: outcomeCounts{Recommended: 1}},
			Reports: reportCountsResponse{Late: 1},
		}
		if diff := cmp.Diff(wantQ1, q1, cmptest.Only[statsResponse]("Cases", "Reports"),
			cmptest.Only[stageCounts]("Recommended"), cmptest.Only[outcomeCounts]("Recommended"),
			cmptest.Only[reportCountsResponse]("Late")); diff != "" {
			t.Errorf("Q1 cases and reports (-want +got):\n%s", diff)
		}
		w.call(w.officer, http.MethodGet, "/api/v1/stats?period=kemarin", nil).problem(http.StatusUnprocessableEntity)
	})

	run("company dashboard", func(t *testing.T) {
		// Into the third quarter: Alpha buys Rp10,000,000 from one IKM.
		i1User := w.asIKM(w.i1)
		w.at("2025-07-10 10:00")
		w.confirm(i1User, w.purchase(w.aUser, w.i1, "2025-07-10", 10_000_000))
		w.at("2025-07-21 08:00")
		d := decode[dashboardResponse](w.call(w.aUser, http.MethodGet, "/api/v1/stats/me", nil), http.StatusOK)
		wantD := dashboardResponse{
			Business: listBusinessRef{ID: w.alpha}, Period: "2025-Q3", DaysLeft: 72, ReportDue: "2025-10-15",
			Metrics: shortfallResponse{
				PurchaseValue: metricResponse{Target: 25_000_000, Realised: 10_000_000, Missing: 15_000_000},
				IKMCount:      metricResponse{Target: 2, Realised: 1, Missing: 1},
			},
			Fulfilment: new(0.45), Outlook: "non_compliant",
		}
		if diff := cmp.Diff(wantD, d,
			cmptest.Only[dashboardResponse]("Business", "Period", "DaysLeft", "ReportDue", "Metrics", "Fulfilment", "Outlook"),
			cmptest.Only[listBusinessRef]("ID"), cmptest.Only[shortfallResponse]("PurchaseValue", "IKMCount")); diff != "" {
			t.Errorf("alpha dashboard (-want +got):\n%s", diff)
		}
		wantD = dashboardResponse{
			OpenCase:       &caseSummaryResponse{ID: w.alphaCase, Stage: "warned", Overdue: true},
			LastEvaluation: &lastEvaluationResponse{Period: "2025-Q2", Status: "non_compliant"},
		}
		if diff := cmp.Diff(wantD, d, cmptest.Only[dashboardResponse]("OpenCase", "LastEvaluation"),
			cmptest.Only[caseSummaryResponse]("ID", "Stage", "Overdue"),
			cmptest.Only[lastEvaluationResponse]("Period", "Status")); diff != "" {
			t.Errorf("alpha case and evaluation (-want +got):\n%s", diff)
		}
		// Another company sees its own figures only.
		other := decode[dashboardResponse](w.call(w.dUser, http.MethodGet, "/api/v1/stats/me", nil), http.StatusOK)
		if other.Business.ID != w.delta || other.Metrics.PurchaseValue.Realised != 0 || other.OpenCase != nil {
			t.Errorf("delta dashboard %+v", other)
		}
	})

	run("public API reveals nothing personal or open", func(t *testing.T) {
		var bodies []string
		get := func(path string) []byte {
			t.Helper()
			r := w.do(http.MethodGet, path, nil)
			if r.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", path, r.Code, r.Body.String())
			}
			if cc := r.Header().Get("Cache-Control"); cc != "public, max-age=300" {
				t.Errorf("%s: Cache-Control %q", path, cc)
			}
			bodies = append(bodies, r.Body.String())
			return r.Body.Bytes()
		}

		st := decode[publicStatsResponse](w.do(http.MethodGet, "/api/v1/public/stats", nil), http.StatusOK)
		wantSt := publicStatsResponse{
			Period: "2025-Q2", Evaluated: 7, Compliance: rateResponse{Rate: new(0.3333)}, PurchaseValue: 59_000_000,
			IKM: publicIKMResponse{ikmPeriodResponse: ikmPeriodResponse{Active: 2}},
		}
		if diff := cmp.Diff(wantSt, st, cmp.AllowUnexported(publicIKMResponse{}),
			cmptest.Only[publicStatsResponse]("Period", "Evaluated", "Compliance", "PurchaseValue", "IKM"),
			cmptest.Only[rateResponse]("Rate"), cmptest.Only[publicIKMResponse]("ikmPeriodResponse"),
			cmptest.Only[ikmPeriodResponse]("Active")); diff != "" {
			t.Errorf("public stats (-want +got):\n%s", diff)
		}
		if len(st.IKM.Series) != report.SeriesPeriods {
			t.Errorf("public ikm series of %d periods, want %d", len(st.IKM.Series), report.SeriesPeriods)
		}
		// Zeta alone in its kecamatan: hidden, and so is the other published
		// kecamatan, else the overall figures would give Zeta away.
		for _, g := range st.ByKecamatan {
			if (g.Key == w.otherKec || g.Key == "3216060") != g.Suppressed || (g.Suppressed && g.Rate != nil) {
				t.Errorf("kecamatan %s: suppressed %v rate %v", g.Key, g.Suppressed, g.Rate)
			}
		}
		for _, g := range st.ByCategory {
			if g.Evaluated > 0 && !g.Suppressed {
				t.Errorf("category %s with %d businesses is published", g.Key, g.Evaluated)
			}
		}
		get("/api/v1/public/stats")
		get("/api/v1/public/stats?period=2025-Q1")

		dir := decode[directoryResponse](w.do(http.MethodGet, "/api/v1/public/ikms?per_page=100", nil), http.StatusOK)
		if dir.Total != 4 || len(dir.Items) != 4 {
			t.Fatalf("directory %+v", dir)
		}
		for _, e := range dir.Items {
			if e.ID == w.open {
				want := directoryEntryResponse{Phone: new("+6281311112222"), Email: new("terbuka@ikm.test")}
				if diff := cmp.Diff(want, e, cmptest.Only[directoryEntryResponse]("Phone", "Email")); diff != "" {
					t.Errorf("opted-in contact missing (-want +got):\n%s", diff)
				}
			} else if e.Phone != nil || e.Email != nil {
				t.Errorf("IKM %d shows its contact without consent: %+v", e.ID, e)
			}
		}
		for _, tc := range []struct {
			query string
			want  int64
		}{
			{"?sector=anyaman", 1}, {"?q=pandan", 1}, {"?q=batik", 3}, {"?kecamatan=3216060", 4},
			{"?kecamatan=" + w.otherKec, 0}, {"?per_page=2&page=2", 4},
		} {
			d := decode[directoryResponse](w.do(http.MethodGet, "/api/v1/public/ikms"+tc.query, nil), http.StatusOK)
			if d.Total != tc.want {
				t.Errorf("directory %s: %d, want %d", tc.query, d.Total, tc.want)
			}
			get("/api/v1/public/ikms" + tc.query)
		}
		w.do(http.MethodGet, "/api/v1/public/ikms?sector=emas", nil).problem(http.StatusUnprocessableEntity)
		for _, bad := range []string{"page=0", "page=00", "per_page=0", "per_page=-1", "page=x"} {
			w.do(http.MethodGet, "/api/v1/public/ikms?"+bad, nil).problem(http.StatusUnprocessableEntity)
		}

		recs := decode[listPage[recommendationResponse]](w.do(http.MethodGet, "/api/v1/public/recommendations", nil), http.StatusOK)
		wantRecs := listPage[recommendationResponse]{
			Items: []recommendationResponse{{BusinessName: nameRec, Periods: []string{"2025-Q1"}, DecidedOn: "2025-06-02"}},
		}
		if diff := cmp.Diff(wantRecs, recs,
			cmptest.Only[recommendationResponse]("BusinessName", "Periods", "DecidedOn")); diff != "" {
			t.Errorf("recommendations (-want +got):\n%s", diff)
		}
		get("/api/v1/public/recommendations")
		get("/api/v1/public/recommendations?period=2025-Q1")
		if r := decode[listPage[recommendationResponse]](w.do(http.MethodGet, "/api/v1/public/recommendations?period=2025-Q2", nil), http.StatusOK); len(r.Items) != 0 {
			t.Errorf("a Q2 recommendation that was never decided: %+v", r.Items)
		}

		secrets := append(append(append([]string{}, w.hiddenPhones...), w.hiddenEmails...), w.ownerNames...)
		secrets = append(secrets, w.disputeReason, nameAlpha, nameGamma, nameBeta, nameEps, "Bapak Terbuka",
			"alpha@contoh.co.id", "rec@contoh.co.id", "Bambang", "warned", "queued", "disputed")
		var nibs []string
		if err := w.db.Raw("SELECT nib FROM businesses").Scan(&nibs).Error; err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, nibs...)
		for _, body := range bodies {
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("a public answer contains %q: %.300s", s, body)
				}
			}
		}
	})
}
