package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/report"
)

func (s *Server) statsRoutes() []route {
	const tag = "statistik"
	return []route{
		{method: http.MethodGet, path: "/api/v1/stats", perm: auth.PermStatsRead, handler: s.stats,
			doc: openapi.Doc{Summary: "Statistik satu periode untuk petugas", Tag: tag, Query: periodQuery{}, Response: statsResponse{},
				Description: "Usaha per status dan kategori; tingkat kepatuhan keseluruhan, per kategori dan per kecamatan " +
					"(patuh dibagi yang dievaluasi selain dikecualikan); rupiah pembelian dari IKM yang dihitung; slot tempat; " +
					"kasus yang memuat temuan periode ini; laporan berkala; dan hasil bagi IKM: IKM terdaftar, IKM aktif " +
					"(setidaknya satu pembelian terhitung dalam periode), bagiannya selama " + strconv.Itoa(report.SeriesPeriods) +
					" periode terakhir, rupiah per IKM aktif, dan sepuluh IKM dengan mitra terbanyak. Angka IKM dibaca dari " +
					"cuplikan per periode yang diperbarui bila ada pembelian baru terhitung (lihat `ikm.as_of`)."}},
		{method: http.MethodGet, path: "/api/v1/stats/me", perm: auth.PermStatsOwn, handler: s.myStats,
			doc: openapi.Doc{Summary: "Dasbor perusahaan: capaian periode berjalan terhadap target", Tag: tag, Response: dashboardResponse{},
				Description: "Dihitung langsung dari pembelian terhitung, tempat yang dikonfirmasi, perjanjian yang disetujui " +
					"dan aturan yang berlaku: target, realisasi dan kekurangan tiap kewajiban, perkiraan status bila periode " +
					"berakhir hari ini, sisa hari periode, evaluasi terakhir dan kasus yang masih terbuka. Hanya usaha sendiri."}},
	}
}

type periodQuery struct {
	Period string `query:"period" doc:"Periode, misalnya 2025-Q1; bawaan: periode terakhir yang sudah dievaluasi" example:"2025-Q1"`
}

type statusCounts struct {
	Compliant    int64 `json:"compliant"`
	Partial      int64 `json:"partial"`
	NonCompliant int64 `json:"non_compliant"`
	NotReported  int64 `json:"not_reported"`
	Exempt       int64 `json:"exempt"`
}

func newStatusCounts(m map[string]int64) statusCounts {
	return statusCounts{Compliant: m["compliant"], Partial: m["partial"], NonCompliant: m["non_compliant"],
		NotReported: m["not_reported"], Exempt: m["exempt"]}
}

type rateResponse struct {
	Base      int64    `json:"base" doc:"Usaha yang dievaluasi, selain yang dikecualikan"`
	Compliant int64    `json:"compliant"`
	Rate      *float64 `json:"rate" openapi:"nullable" doc:"compliant / base, empat desimal; null bila base 0"`
}

func newRate(r report.Rate) rateResponse {
	return rateResponse{Base: r.Base, Compliant: r.Compliant, Rate: r.Rate}
}

type groupStatsResponse struct {
	Key       string       `json:"key" doc:"Kode kategori atau kode BPS kecamatan"`
	Name      string       `json:"name" doc:"Nama kecamatan; kosong untuk kategori"`
	Evaluated int64        `json:"evaluated"`
	ByStatus  statusCounts `json:"by_status"`
	Rate      rateResponse `json:"rate"`
}

func newGroups(gs []report.GroupStats) []groupStatsResponse {
	out := make([]groupStatsResponse, len(gs))
	for i, g := range gs {
		out[i] = groupStatsResponse{Key: g.Key, Name: g.Name, Evaluated: g.Evaluated, ByStatus: newStatusCounts(g.ByStatus),
			Rate: newRate(g.Rate)}
	}
	return out
}

type reportCountsResponse struct {
	OnTime  int64 `json:"on_time"`
	Late    int64 `json:"late"`
	Missing int64 `json:"missing"`
}

type stageCounts struct {
	Queued      int64 `json:"queued"`
	Warned      int64 `json:"warned"`
	Responded   int64 `json:"responded"`
	Lapsed      int64 `json:"lapsed"`
	Rejected    int64 `json:"rejected"`
	Recommended int64 `json:"recommended"`
	Closed      int64 `json:"closed"`
}

type outcomeCounts struct {
	Dismissed        int64 `json:"dismissed"`
	ResponseAccepted int64 `json:"response_accepted"`
	Cured            int64 `json:"cured"`
	Recommended      int64 `json:"recommended"`
}

type caseStatsResponse struct {
	Total   int64         `json:"total" doc:"Kasus yang memuat temuan periode ini"`
	Opened  int64         `json:"opened" doc:"Di antaranya yang dibuka oleh temuan periode ini"`
	ByStage stageCounts   `json:"by_stage" doc:"Tahap kasus-kasus itu sekarang"`
	Closed  outcomeCounts `json:"closed" doc:"Yang sudah selesai, menurut hasilnya"`
}

type ikmPeriodResponse struct {
	Period        string   `json:"period" example:"2025-Q1"`
	Registered    int64    `json:"registered" doc:"IKM terdaftar pada akhir periode (atau yang berjualan di dalamnya)"`
	Active        int64    `json:"active" doc:"IKM dengan setidaknya satu pembelian terhitung dalam periode"`
	PurchaseValue int64    `json:"purchase_value" doc:"Rupiah pembelian terhitung dari IKM"`
	Share         *float64 `json:"share" openapi:"nullable" doc:"active / registered"`
}

func newIKMPeriod(p report.IKMPeriod) ikmPeriodResponse {
	return ikmPeriodResponse{Period: p.Period, Registered: p.Registered, Active: p.Active,
		PurchaseValue: p.PurchaseValue, Share: p.Share}
}

func newSeries(ps []report.IKMPeriod) []ikmPeriodResponse {
	out := make([]ikmPeriodResponse, len(ps))
	for i, p := range ps {
		out[i] = newIKMPeriod(p)
	}
	return out
}

type topIKMResponse struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	Sector        string `json:"sector"`
	KecamatanName string `json:"kecamatan_name"`
	Partners      int64  `json:"partners" doc:"Usaha berbeda yang membeli darinya dalam periode"`
	PurchaseValue int64  `json:"purchase_value"`
}

type ikmStatsResponse struct {
	ikmPeriodResponse
	PerActiveIKM *int64              `json:"per_active_ikm" openapi:"nullable" doc:"Rupiah per IKM aktif"`
	Series       []ikmPeriodResponse `json:"series" doc:"Periode-periode terakhir, yang terlama dahulu"`
	Top          []topIKMResponse    `json:"top" doc:"Sepuluh IKM dengan mitra terbanyak"`
	AsOf         time.Time           `json:"as_of" doc:"Saat pembelian terhitung dibaca untuk angka IKM"`
}

type statsResponse struct {
	Period        string               `json:"period" example:"2025-Q1"`
	RuleSet       string               `json:"rule_set" example:"bekasi-2025"`
	Evaluated     int64                `json:"evaluated" doc:"Usaha yang dievaluasi"`
	ByStatus      statusCounts         `json:"by_status"`
	Compliance    rateResponse         `json:"compliance" doc:"Tingkat kepatuhan keseluruhan"`
	ByCategory    []groupStatsResponse `json:"by_category"`
	ByKecamatan   []groupStatsResponse `json:"by_kecamatan"`
	Reports       reportCountsResponse `json:"reports"`
	PurchaseValue int64                `json:"purchase_value" doc:"Rupiah yang dihitung sebagai pembelian dari IKM dalam periode"`
	OutletSlots   float64              `json:"outlet_slots" doc:"Rata-rata slot tempat bagi IKM selama periode, dijumlah atas usaha yang dievaluasi"`
	Cases         caseStatsResponse    `json:"cases"`
	IKM           ikmStatsResponse     `json:"ikm"`
	Payment       paymentStatsResponse `json:"payment" doc:"Ketepatan pembayaran kepada IKM"`
	GeneratedAt   time.Time            `json:"generated_at"`
}

// paymentGroupResponse is how one category (or all, category "") paid.
type paymentGroupResponse struct {
	Category    string   `json:"category" doc:"Kode kategori; kosong untuk semua usaha"`
	Businesses  int64    `json:"businesses" doc:"Usaha yang dievaluasi dengan pembelian yang dibayar atau jatuh tempo"`
	PaidOnTime  int64    `json:"paid_on_time" doc:"Rupiah dibayar dalam tempo"`
	PaidLate    int64    `json:"paid_late" doc:"Rupiah dibayar melewati tempo"`
	Overdue     int64    `json:"overdue" doc:"Rupiah belum dibayar lewat tempo pada batas laporan"`
	ShareOnTime *float64 `json:"share_on_time" openapi:"nullable" doc:"Bagian rupiah dibayar tepat waktu (0–1)"`
	PaidCount   int64    `json:"paid_purchases" doc:"Pembelian yang sudah dibayar, dasar median"`
	MedianDays  *float64 `json:"median_days_to_payment" openapi:"nullable" doc:"Median hari dari pembelian sampai dibayar"`
	Suppressed  bool     `json:"suppressed" doc:"Disembunyikan: terlalu sedikit usaha di kelompok ini"`
}

type paymentStatsResponse struct {
	Overall    paymentGroupResponse   `json:"overall"`
	ByCategory []paymentGroupResponse `json:"by_category"`
}

func newPaymentStats(st report.PaymentStats) paymentStatsResponse {
	group := func(g report.PaymentGroup) paymentGroupResponse {
		return paymentGroupResponse{Category: g.Key, Businesses: g.Businesses, PaidOnTime: g.OnTime, PaidLate: g.Late,
			Overdue: g.Overdue, ShareOnTime: g.Share, PaidCount: g.Paid, MedianDays: g.MedianDays, Suppressed: g.Suppressed}
	}
	out := paymentStatsResponse{Overall: group(st.Overall), ByCategory: make([]paymentGroupResponse, len(st.ByCategory))}
	for i, g := range st.ByCategory {
		out.ByCategory[i] = group(g)
	}
	return out
}

func (s *Server) stats(c echo.Context) error {
	q := newQuery(c)
	period := q.text("period")
	if err := q.err(); err != nil {
		return err
	}
	st, err := s.reports.Stats(c.Request().Context(), period)
	if err != nil {
		return err
	}
	top := make([]topIKMResponse, len(st.IKM.Top))
	for i, t := range st.IKM.Top {
		top[i] = topIKMResponse(t)
	}
	cs := st.Cases
	return c.JSON(http.StatusOK, statsResponse{
		Period: st.Period.String(), RuleSet: st.RuleSet, Evaluated: st.Evaluated, ByStatus: newStatusCounts(st.ByStatus),
		Compliance: newRate(st.Overall), ByCategory: newGroups(st.ByCategory), ByKecamatan: newGroups(st.ByKecamatan),
		Reports:       reportCountsResponse(st.Reports),
		PurchaseValue: st.PurchaseValue, OutletSlots: st.OutletSlots,
		Cases: caseStatsResponse{Total: cs.Total, Opened: cs.Opened,
			ByStage: stageCounts{Queued: cs.ByStage["queued"], Warned: cs.ByStage["warned"], Responded: cs.ByStage["responded"],
				Lapsed: cs.ByStage["lapsed"], Rejected: cs.ByStage["rejected"], Recommended: cs.ByStage["recommended"],
				Closed: cs.ByStage["closed"]},
			Closed: outcomeCounts{Dismissed: cs.Closed["dismissed"], ResponseAccepted: cs.Closed["response_accepted"],
				Cured: cs.Closed["cured"], Recommended: cs.Closed["recommended"]}},
		IKM: ikmStatsResponse{ikmPeriodResponse: newIKMPeriod(st.IKM.IKMPeriod), PerActiveIKM: st.IKM.PerActiveIKM,
			Series: newSeries(st.IKM.Series), Top: top, AsOf: st.IKM.AsOf.UTC()},
		Payment:     newPaymentStats(st.Payment),
		GeneratedAt: st.GeneratedAt,
	})
}

type lastEvaluationResponse struct {
	Period       string `json:"period" example:"2024-Q4"`
	Status       string `json:"status" openapi:"vocab=compliance_status"`
	ReportStatus string `json:"report_status" openapi:"enum=on_time|late|missing"`
}

type dashboardResponse struct {
	Business    listBusinessRef   `json:"business"`
	Period      string            `json:"period" doc:"Periode berjalan" example:"2025-Q2"`
	PeriodStart string            `json:"period_start" openapi:"format=date"`
	PeriodEnd   string            `json:"period_end" openapi:"format=date"`
	DaysLeft    int               `json:"days_left" doc:"Hari tersisa dalam periode, termasuk hari ini (WIB)"`
	ReportDue   string            `json:"report_due" openapi:"format=date" doc:"Hari terakhir laporan berkala periode ini tepat waktu"`
	RuleSet     string            `json:"rule_set" example:"bekasi-2025"`
	Metrics     shortfallResponse `json:"metrics" doc:"Target, realisasi sampai saat ini dan kekurangan"`
	Fulfilment  *float64          `json:"fulfilment" openapi:"nullable" doc:"Rata-rata capaian, tiap kewajiban dibatasi 1"`
	Outlook     string            `json:"outlook" openapi:"enum=compliant|partial|non_compliant|exempt" doc:"Status bila periode berakhir hari ini dan laporan dikirim tepat waktu"`
	// The company's own case: it sees it anyway through /cases.
	LastEvaluation *lastEvaluationResponse `json:"last_evaluation" openapi:"nullable"`
	OpenCase       *caseSummaryResponse    `json:"open_case" openapi:"nullable"`
}

type listBusinessRef struct {
	ID       int64  `json:"id"`
	NIB      string `json:"nib"`
	Name     string `json:"name"`
	Category string `json:"category"`
}

func (s *Server) myStats(c echo.Context) error {
	d, err := s.reports.CompanyDashboard(c.Request().Context())
	if err != nil {
		return err
	}
	out := dashboardResponse{
		Business: listBusinessRef{ID: d.BusinessID, NIB: d.NIB, Name: d.Name, Category: d.Category},
		Period:   d.Period.String(), PeriodStart: dateText(d.Period.FirstDay()), PeriodEnd: dateText(d.Period.LastDay()),
		DaysLeft: d.DaysLeft, ReportDue: dateText(d.ReportDue), RuleSet: d.RuleSet,
		Metrics:    newShortfall(d.PurchaseValue, d.IKMCount, d.OutletSlots),
		Fulfilment: d.MeanRatio, Outlook: d.Outlook, OpenCase: newCaseSummary(d.OpenCase),
	}
	if e := d.LastEvaluation; e != nil {
		out.LastEvaluation = &lastEvaluationResponse{Period: e.Period, Status: e.Status, ReportStatus: e.ReportStatus}
	}
	return c.JSON(http.StatusOK, out)
}
