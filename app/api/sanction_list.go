package api

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/report"
)

const csvMIME = "text/csv"

func (s *Server) sanctionListRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/v1/sanction-list", perm: auth.PermSanctionListRead, handler: s.sanctionList,
			doc: openapi.Doc{Summary: "Daftar sanksi per periode, juga sebagai CSV atau XLSX", Tag: "daftar sanksi",
				Query: sanctionListQuery{}, Response: sanctionListResponse{},
				Produces: []string{echo.MIMEApplicationJSON, csvMIME, xlsxMIME},
				Description: "Setiap usaha yang dievaluasi dan tidak `compliant` pada periode itu (bawaan: periode terakhir " +
					"yang sudah dievaluasi): kekurangan tiap kewajiban (target, realisasi, kurang), laporan berkala terlambat " +
					"atau tidak ada, kasusnya (yang memuat temuan periode ini, atau kasus yang masih terbuka) dengan tahap dan " +
					"batas tanggapan, keputusan terakhir beserta peninjaunya, dan status " + strconv.Itoa(report.HistoryPeriods) +
					" periode terakhir. Bawaan urutan: kekurangan rupiah terbesar dahulu.\n\n" +
					"Ekspor: `?format=csv` atau `?format=xlsx` (atau header `Accept: text/csv` / XLSX) mengunduh seluruh daftar " +
					"dengan saringan dan urutan yang sama, tanpa halaman. CSV memakai UTF-8 dengan BOM, tanggal ISO 8601 dan " +
					"angka tanpa pemisah ribuan; bawaannya untuk program (koma, titik desimal). `sep=semicolon` untuk Excel " +
					"berbahasa Indonesia, yang dipakai halaman: titik koma, koma desimal, persen dengan tanda %, dan NIB ditulis " +
					"`=\"…\"` agar Excel membacanya sebagai teks. XLSX memuat lembar daftar (baris judul dengan periode, baris " +
					"kepala beku dengan filter otomatis, lebar kolom mengikuti isi, rupiah, angka, persen dan tanggal sebagai " +
					"angka berformat, NIB sebagai teks, sel kosong bila tidak ada nilai, siap cetak mendatar selebar satu " +
					"halaman dengan baris kepala di tiap halaman) dan lembar ringkasan."}},
	}
}

type sanctionListQuery struct {
	Period    string `query:"period" doc:"Periode, misalnya 2025-Q1; bawaan: periode terakhir yang sudah dievaluasi" example:"2025-Q1"`
	Status    string `query:"status" doc:"Satu atau beberapa status dipisah koma: partial, non_compliant, not_reported, exempt" example:"non_compliant,not_reported"`
	Stage     string `query:"stage" doc:"Tahap kasus; none: tanpa kasus" openapi:"enum=queued|warned|responded|lapsed|rejected|recommended|closed|none"`
	Category  string `query:"category" openapi:"vocab=category"`
	Kecamatan string `query:"kecamatan" doc:"Kode BPS kecamatan" example:"3216060"`
	Overdue   bool   `query:"overdue" doc:"true: hanya kasus yang batas tanggapannya terlewati tanpa jawaban"`
	Q         string `query:"q" doc:"Bagian nama usaha atau NIB"`
	Sort      string `query:"sort" doc:"Urutan; awali dengan - untuk menurun. Bawaan -shortfall (kekurangan terbesar dahulu)" openapi:"enum=shortfall|-shortfall|fulfilment|-fulfilment|name|-name|nib|-nib|kecamatan|-kecamatan|deadline|-deadline"`
	Cursor    string `query:"cursor" doc:"next_cursor dari halaman sebelumnya (urutan dan saringan yang sama)"`
	Limit     int    `query:"limit" doc:"Baris per halaman (1–200, bawaan 50)" openapi:"min=1,max=200"`
	Format    string `query:"format" doc:"json (bawaan), csv atau xlsx; menggantikan header Accept" openapi:"enum=json|csv|xlsx"`
	Sep       string `query:"sep" doc:"CSV: comma (bawaan, untuk program) atau semicolon (untuk Excel berbahasa Indonesia: titik koma, koma desimal, NIB tetap teks)" openapi:"enum=comma|semicolon"`
}

type metricResponse struct {
	Target   int64 `json:"target"`
	Realised int64 `json:"realised"`
	Missing  int64 `json:"missing" doc:"Kekurangan, tidak pernah negatif"`
}

type slotMetricResponse struct {
	Target   int64   `json:"target"`
	Realised float64 `json:"realised" doc:"Rata-rata slot tersedia selama periode"`
	Missing  float64 `json:"missing"`
}

type shortfallResponse struct {
	PurchaseValue metricResponse     `json:"purchase_value" doc:"Pembelian dari IKM, rupiah"`
	IKMCount      metricResponse     `json:"ikm_count" doc:"Jumlah IKM mitra berbeda"`
	OutletSlots   slotMetricResponse `json:"outlet_slots" doc:"Slot tempat bagi IKM"`
}

func newShortfall(pv, ik report.Metric, os report.SlotMetric) shortfallResponse {
	return shortfallResponse{
		PurchaseValue: metricResponse(pv), IKMCount: metricResponse(ik),
		OutletSlots: slotMetricResponse{Target: os.Target, Realised: os.Realised, Missing: os.Missing},
	}
}

type listBusiness struct {
	ID            int64  `json:"id"`
	NIB           string `json:"nib"`
	Name          string `json:"name"`
	Category      string `json:"category"`
	KecamatanCode string `json:"kecamatan_code"`
	KecamatanName string `json:"kecamatan_name"`
}

type caseSummaryResponse struct {
	ID               int64      `json:"id"`
	Stage            string     `json:"stage" openapi:"vocab=stage"`
	Rung             int        `json:"rung" doc:"Teguran yang sudah diterbitkan (1 = SP1)"`
	Open             bool       `json:"open"`
	OpenedAt         time.Time  `json:"opened_at"`
	ResponseDue      *string    `json:"response_due" openapi:"nullable,format=date" doc:"Hari terakhir untuk menanggapi (WIB)"`
	ResponseDeadline *time.Time `json:"response_deadline" openapi:"nullable" doc:"Saat tanggapan menjadi terlambat"`
	Overdue          bool       `json:"overdue" doc:"Batas tanggapan terlewati tanpa jawaban"`
	Outcome          *string    `json:"outcome" openapi:"nullable,enum=dismissed|response_accepted|cured|recommended"`
}

func newCaseSummary(cs *report.CaseSummary) *caseSummaryResponse {
	if cs == nil {
		return nil
	}
	out := &caseSummaryResponse{ID: cs.ID, Stage: cs.Stage, Rung: cs.Rung, Open: cs.Open, OpenedAt: cs.OpenedAt.UTC(),
		ResponseDue: optDateText(cs.ResponseDue), ResponseDeadline: utcPtr(cs.ResponseDeadline), Overdue: cs.Overdue}
	if cs.Outcome != "" {
		out.Outcome = &cs.Outcome
	}
	return out
}

type decisionSummaryResponse struct {
	Decision     string    `json:"decision" openapi:"vocab=decision"`
	Rung         int       `json:"rung" doc:"Anak tangga setelah keputusan"`
	ReviewerName string    `json:"reviewer_name" doc:"Pejabat yang memutuskan"`
	DecidedAt    time.Time `json:"decided_at"`
}

type periodStatusResponse struct {
	Period string  `json:"period" example:"2025-Q1"`
	Status *string `json:"status" openapi:"nullable,vocab=compliance_status" doc:"null: tidak dievaluasi"`
}

type sanctionRowResponse struct {
	Business       listBusiness             `json:"business"`
	Status         string                   `json:"status" openapi:"enum=partial|non_compliant|not_reported|exempt"`
	ReportStatus   string                   `json:"report_status" openapi:"enum=on_time|late|missing" doc:"Laporan berkala periode ini"`
	Shortfall      shortfallResponse        `json:"shortfall"`
	Fulfilment     *float64                 `json:"fulfilment" openapi:"nullable" doc:"Rata-rata capaian, tiap kewajiban dibatasi 1; null tanpa target"`
	Case           *caseSummaryResponse     `json:"case" openapi:"nullable"`
	LastDecision   *decisionSummaryResponse `json:"last_decision" openapi:"nullable"`
	History        []periodStatusResponse   `json:"history" doc:"Status beberapa periode terakhir, yang terlama dahulu, diakhiri periode ini"`
	PeriodsWanting int                      `json:"periods_wanting" doc:"Berapa periode berturut-turut, sampai periode ini, usaha tidak patuh atau tidak melapor"`
}

type listStatusCounts struct {
	Partial      int64 `json:"partial"`
	NonCompliant int64 `json:"non_compliant"`
	NotReported  int64 `json:"not_reported"`
	Exempt       int64 `json:"exempt"`
}

type sanctionListSummary struct {
	Total                int64            `json:"total" doc:"Baris seluruh daftar tersaring, bukan hanya halaman ini"`
	ByStatus             listStatusCounts `json:"by_status"`
	MissingPurchaseValue int64            `json:"missing_purchase_value" doc:"Jumlah kekurangan pembelian (rupiah) seluruh daftar tersaring"`
	Overdue              int64            `json:"overdue" doc:"Kasus yang batas tanggapannya terlewati"`
}

type sanctionListResponse struct {
	Period     string                `json:"period" example:"2025-Q1"`
	RuleSet    string                `json:"rule_set" doc:"Versi aturan yang menilai periode ini" example:"bekasi-2025"`
	Summary    sanctionListSummary   `json:"summary"`
	Items      []sanctionRowResponse `json:"items"`
	NextCursor *string               `json:"next_cursor" openapi:"nullable" doc:"Kirim sebagai ?cursor= untuk halaman berikutnya; null bila ini halaman terakhir."`
}

func newSanctionRow(r report.SanctionRow) sanctionRowResponse {
	out := sanctionRowResponse{
		Business: listBusiness{ID: r.BusinessID, NIB: r.NIB, Name: r.Name, Category: r.Category,
			KecamatanCode: r.KecamatanCode, KecamatanName: r.KecamatanName},
		Status: r.Status, ReportStatus: r.ReportStatus,
		Shortfall:  newShortfall(r.PurchaseValue, r.IKMCount, r.OutletSlots),
		Fulfilment: r.MeanRatio, Case: newCaseSummary(r.Case),
		History: make([]periodStatusResponse, len(r.History)), PeriodsWanting: r.Streak,
	}
	if d := r.LastDecision; d != nil {
		out.LastDecision = &decisionSummaryResponse{Decision: d.Decision, Rung: d.Rung, ReviewerName: d.ReviewerName,
			DecidedAt: d.DecidedAt.UTC()}
	}
	for i, h := range r.History {
		out.History[i] = periodStatusResponse{Period: h.Period}
		if h.Status != "" {
			st := h.Status
			out.History[i].Status = &st
		}
	}
	return out
}

// exportFormat picks json, csv or xlsx from ?format=, else from the Accept
// header (the first of the three it names), else json.
func exportFormat(c echo.Context, q *queryReader) string {
	switch f := q.text("format"); f {
	case "json", "csv", "xlsx":
		return f
	case "":
	default:
		q.check.Add("format", "harus json, csv atau xlsx")
		return "json"
	}
	for _, part := range strings.Split(c.Request().Header.Get(echo.HeaderAccept), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case csvMIME:
			return "csv"
		case xlsxMIME:
			return "xlsx"
		case echo.MIMEApplicationJSON:
			return "json"
		}
	}
	return "json"
}

func (s *Server) sanctionList(c echo.Context) error {
	q := newQuery(c)
	f := report.ListFilter{Period: q.text("period"), Stage: q.text("stage"), Category: q.text("category"),
		Kecamatan: q.text("kecamatan"), Overdue: q.flag("overdue"), Q: q.text("q"), Sort: q.text("sort"),
		Cursor: q.text("cursor"), Limit: q.limit(report.MaxListLimit)}
	if raw := q.text("status"); raw != "" {
		for _, st := range strings.Split(raw, ",") {
			f.Statuses = append(f.Statuses, strings.TrimSpace(st))
		}
	}
	format := exportFormat(c, q)
	csvFormat := report.CSVPlain
	switch q.text("sep") {
	case "", "comma":
	case "semicolon":
		csvFormat = report.CSVExcel
	default:
		q.check.Add("sep", "harus comma atau semicolon")
	}
	if err := q.err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if format != "json" {
		x, err := s.reports.PrepareExport(ctx, f)
		if err != nil {
			return err
		}
		w := &download{c: c, filename: x.Filename(format)}
		if format == "csv" {
			w.contentType = csvMIME + "; charset=utf-8"
			err = x.WriteCSV(ctx, w, csvFormat)
		} else {
			w.contentType = xlsxMIME
			err = x.WriteXLSX(ctx, w)
		}
		if err != nil && w.started {
			// The answer is under way: all that can be done is to stop it
			// short, which the client sees as a broken download.
			s.log.ErrorContext(ctx, "sanction list export failed midway", "err", err, "format", format)
			panic(http.ErrAbortHandler)
		}
		return err
	}
	list, err := s.reports.SanctionList(ctx, f)
	if err != nil {
		return err
	}
	out := sanctionListResponse{
		Period: list.Period.String(), RuleSet: list.RuleSet,
		Summary: sanctionListSummary{Total: list.Total, MissingPurchaseValue: list.MissingPurchaseValue, Overdue: list.Overdue,
			ByStatus: listStatusCounts{Partial: list.ByStatus["partial"], NonCompliant: list.ByStatus["non_compliant"],
				NotReported: list.ByStatus["not_reported"], Exempt: list.ByStatus["exempt"]}},
		Items: make([]sanctionRowResponse, len(list.Rows)),
	}
	for i, r := range list.Rows {
		out.Items[i] = newSanctionRow(r)
	}
	if list.Next != "" {
		out.NextCursor = &list.Next
	}
	return c.JSON(http.StatusOK, out)
}

// download writes a file answer, sending its headers with the first bytes:
// until then a failure can still be answered with a problem.
type download struct {
	c           echo.Context
	contentType string
	filename    string
	started     bool
}

func (d *download) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		h := d.c.Response().Header()
		h.Set(echo.HeaderContentType, d.contentType)
		h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": d.filename}))
		h.Set("Cache-Control", "no-store")
		d.c.Response().WriteHeader(http.StatusOK)
	}
	return d.c.Response().Write(p)
}
