package api

import (
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/platform/fault"
	"kemitraan/app/sanction"
)

func (s *Server) caseRoutes() []route {
	const tag = "kasus sanksi"
	idParam := struct {
		ID int64 `param:"id" doc:"Nomor urut kasus"`
	}{}
	return []route{
		{method: http.MethodGet, path: "/api/v1/cases", perm: auth.PermCasesRead, handler: s.listCases,
			doc: openapi.Doc{Summary: "Antrean dan daftar kasus sanksi", Tag: tag, Query: caseQuery{}, Response: listPage[caseResponse]{},
				Description: "Kasus dibuka oleh evaluasi untuk usaha berstatus non_compliant atau not_reported; " +
					"perusahaan hanya melihat kasus usahanya sendiri."}},
		{method: http.MethodGet, path: "/api/v1/cases/:id", perm: auth.PermCasesRead, handler: s.getCase,
			doc: openapi.Doc{Summary: "Satu kasus: temuan, tanggapan, keputusan dan surat", Tag: tag, Params: idParam,
				Response: caseDetailResponse{},
				Description: "Setiap temuan dinilai ulang terhadap catatan hari ini (`now`); `cured` bernilai true bila " +
					"seluruh kekurangan telah dipenuhi sebelum batas tanggapan, untuk ditutup peninjau dengan `close_cured`."}},
		{method: http.MethodPost, path: "/api/v1/cases/:id/decisions", perm: auth.PermCasesDecide, handler: s.decideCase,
			doc: openapi.Doc{Summary: "Putuskan kasus: dismiss, warn, recommend, accept_response, reject_response, close_cured", Tag: tag,
				Params: idParam, Request: decisionRequest{}, Response: decisionResponse{}, Status: http.StatusCreated,
				Description: "Tabel tahap × keputusan ada di kode (paket sanction); keputusan yang tidak diizinkan pada tahap " +
					"kasus dijawab 409 dengan `current_stage` dan `allowed_decisions`. Setiap keputusan menerbitkan surat PDF " +
					"bernomor urut tanpa celah per tahun dan pemberitahuan kepada perusahaan, dalam satu transaksi."}},
		{method: http.MethodPost, path: "/api/v1/cases/:id/decisions/preview", perm: auth.PermCasesDecide, handler: s.previewDecisionLetter,
			doc: openapi.Doc{Summary: "Konsep surat suatu keputusan (PDF), tanpa memutuskan", Tag: tag, Params: idParam,
				Request: decisionRequest{}, Produces: []string{"application/pdf"},
				Description: "Surat yang akan diterbitkan keputusan ini bila diambil sekarang, bertanda \"KONSEP — BELUM DITERBITKAN\" " +
					"di setiap halaman, tanpa nomor urut dan kode verifikasi. Tidak memakai nomor surat dan tidak mengubah apa pun. " +
					"Keputusan yang tidak diizinkan atau masukan yang salah dijawab sama seperti `POST /decisions` (409, 422)."}},
		{method: http.MethodPost, path: "/api/v1/cases/:id/responses", perm: auth.PermCasesRespond, handler: s.respondCase,
			limit: s.responseLimit(),
			doc: openapi.Doc{Summary: "Tanggapi teguran: penjelasan, keberatan, bukti", Tag: tag, Params: idParam,
				Form: responseForm{}, Response: caseResponseItem{}, Status: http.StatusCreated,
				Description: "multipart/form-data: kolom `explanation` dan `objection` lebih dahulu, lalu nol atau lebih " +
					"berkas `files` (PDF, JPEG atau PNG). Hanya selama batas tanggapan berjalan; tanggapan menahan kasus " +
					"sampai peninjau memutuskannya."}},
		{method: http.MethodGet, path: "/api/v1/cases/:id/letters", perm: auth.PermCasesRead, handler: s.listCaseLetters,
			doc: openapi.Doc{Summary: "Surat-surat kasus", Tag: tag, Params: idParam, Response: letterListResponse{}}},
		{method: http.MethodGet, path: "/api/v1/cases/:id/letters/:letter", perm: auth.PermCasesRead, handler: s.caseLetterPDF,
			doc: openapi.Doc{Summary: "Unduh surat (PDF)", Tag: tag, Params: struct {
				ID     int64 `param:"id" doc:"Nomor urut kasus"`
				Letter int64 `param:"letter" doc:"Nomor urut surat"`
			}{}, Produces: []string{"application/pdf"}}},
		{method: http.MethodGet, path: "/api/v1/cases/:id/files/:file", perm: auth.PermCasesRead, handler: s.caseEvidence,
			doc: openapi.Doc{Summary: "Unduh berkas bukti tanggapan", Tag: tag, Params: struct {
				ID   int64 `param:"id" doc:"Nomor urut kasus"`
				File int64 `param:"file" doc:"Nomor urut berkas"`
			}{}, Produces: []string{"application/pdf", "image/jpeg", "image/png"}}},
	}
}

// responseLimit allows up to ten evidence files per answer.
func (s *Server) responseLimit() int64 { return 10*s.cfg.Uploads.MaxBytes + 64<<10 }

type caseQuery struct {
	Stage      string `query:"stage" openapi:"vocab=stage"`
	BusinessID int64  `query:"business_id"`
	Period     string `query:"period" doc:"Kasus dengan temuan pada periode ini" example:"2025-Q1"`
	Open       bool   `query:"open" doc:"true: kasus yang masih berjalan; false: yang sudah final"`
	pageQuery
}

type caseBusiness struct {
	ID            int64  `json:"id"`
	NIB           string `json:"nib"`
	Name          string `json:"name"`
	Category      string `json:"category"`
	KecamatanCode string `json:"kecamatan_code"`
}

type caseResponse struct {
	ID               int64        `json:"id"`
	Business         caseBusiness `json:"business"`
	Stage            string       `json:"stage" openapi:"vocab=stage"`
	Rung             int          `json:"rung" doc:"Jumlah teguran yang telah diterbitkan (SP1 = 1)"`
	Periods          []string     `json:"periods" doc:"Periode temuan"`
	OpenedAt         time.Time    `json:"opened_at"`
	ResponseDue      *string      `json:"response_due" openapi:"nullable" doc:"Hari terakhir tanggapan (WIB)"`
	ResponseDeadline *time.Time   `json:"response_deadline" openapi:"nullable"`
	LapsedAt         *time.Time   `json:"lapsed_at" openapi:"nullable"`
	CuredAt          *time.Time   `json:"cured_at" openapi:"nullable" doc:"Ditandai tugas lapse/evaluate bila kekurangan telah dipenuhi"`
	ClosedAt         *time.Time   `json:"closed_at" openapi:"nullable"`
	Outcome          *string      `json:"outcome" openapi:"nullable,enum=dismissed|response_accepted|cured|recommended"`
	UpdatedAt        time.Time    `json:"updated_at"`
}

func newCaseResponse(c sanction.Case) caseResponse {
	out := caseResponse{ID: c.ID, Stage: string(c.Stage), Rung: c.Rung, Periods: c.Periods, OpenedAt: c.OpenedAt.UTC(),
		Business: caseBusiness(c.Business), ResponseDue: optDateText(c.ResponseDue),
		ResponseDeadline: utcPtr(c.ResponseDeadline), LapsedAt: utcPtr(c.LapsedAt), CuredAt: utcPtr(c.CuredAt),
		ClosedAt: utcPtr(c.ClosedAt), UpdatedAt: c.UpdatedAt.UTC()}
	if c.Outcome != "" {
		o := c.Outcome
		out.Outcome = &o
	}
	return out
}

type findingResponse struct {
	ID           int64           `json:"id"`
	Period       string          `json:"period" example:"2025-Q1"`
	Status       string          `json:"status" openapi:"enum=non_compliant|not_reported"`
	ReportStatus string          `json:"report_status" openapi:"enum=on_time|late|missing"`
	Targets      metricsResponse `json:"targets"`
	Realised     metricsResponse `json:"realised" doc:"Saat temuan dibuat"`
	Now          metricsResponse `json:"now" doc:"Yang terhitung kini (sebelum batas tanggapan)"`
	NowReported  bool            `json:"now_reported" doc:"Laporan berkala kini sudah masuk"`
	Cured        bool            `json:"cured"`
}

type caseResponseItem struct {
	ID          int64      `json:"id"`
	Rung        int        `json:"rung" doc:"Teguran yang ditanggapi"`
	Objection   bool       `json:"objection" doc:"Keberatan"`
	Explanation string     `json:"explanation"`
	SubmittedBy int64      `json:"submitted_by"`
	SubmittedAt time.Time  `json:"submitted_at"`
	Decision    *string    `json:"decision" openapi:"nullable,enum=accepted|rejected"`
	DecidedAt   *time.Time `json:"decided_at" openapi:"nullable"`
	FileIDs     []int64    `json:"file_ids"`
}

func newCaseResponseItem(r sanction.Response) caseResponseItem {
	out := caseResponseItem{ID: r.ID, Rung: r.Rung, Objection: r.Objection, Explanation: r.Explanation,
		SubmittedBy: r.SubmittedBy, SubmittedAt: r.SubmittedAt.UTC(), DecidedAt: utcPtr(r.DecidedAt), FileIDs: r.FileIDs}
	if r.Decision != "" {
		d := r.Decision
		out.Decision = &d
	}
	if out.FileIDs == nil {
		out.FileIDs = []int64{}
	}
	return out
}

type decisionItem struct {
	ID           int64     `json:"id"`
	Decision     string    `json:"decision" openapi:"vocab=decision"`
	FromStage    string    `json:"from_stage"`
	ToStage      string    `json:"to_stage"`
	Rung         int       `json:"rung"`
	Reason       string    `json:"reason"`
	ResponseID   *int64    `json:"response_id" openapi:"nullable"`
	ReviewerName string    `json:"reviewer_name"`
	DecidedAt    time.Time `json:"decided_at"`
	LetterID     int64     `json:"letter_id"`
	LetterNumber string    `json:"letter_number" example:"500/SP1/DISPERIN/2025/0007"`
}

func newDecisionItem(d sanction.DecisionRecord) decisionItem {
	return decisionItem{ID: d.ID, Decision: string(d.Decision), FromStage: string(d.FromStage), ToStage: string(d.ToStage),
		Rung: d.Rung, Reason: d.Reason, ResponseID: d.ResponseID, ReviewerName: d.ReviewerName,
		DecidedAt: d.DecidedAt.UTC(), LetterID: d.LetterID, LetterNumber: d.LetterNumber}
}

type letterItem struct {
	ID         int64     `json:"id"`
	DecisionID int64     `json:"decision_id"`
	Kind       string    `json:"kind" doc:"SP1, SP2, SP3, REK (rekomendasi), HENTI, TRM, TOLAK, SELESAI"`
	Number     string    `json:"number" example:"500/SP1/DISPERIN/2025/0007"`
	IssuedAt   time.Time `json:"issued_at"`
	SizeBytes  int       `json:"size_bytes"`
}

func newLetterItem(l sanction.Letter) letterItem {
	return letterItem{ID: l.ID, DecisionID: l.DecisionID, Kind: l.Kind, Number: l.Number, IssuedAt: l.IssuedAt.UTC(),
		SizeBytes: l.SizeBytes}
}

type letterListResponse struct {
	Items []letterItem `json:"items"`
}

type caseDetailResponse struct {
	caseResponse
	Findings  []findingResponse  `json:"findings"`
	Responses []caseResponseItem `json:"responses"`
	Decisions []decisionItem     `json:"decisions"`
	Letters   []letterItem       `json:"letters"`
	Cured     bool               `json:"cured" doc:"Seluruh kekurangan kini terpenuhi"`
	Allowed   []string           `json:"allowed_decisions" doc:"Keputusan yang diizinkan tahap ini (syarat lain dapat menolaknya)"`
}

type decisionRequest struct {
	Decision string `json:"decision" openapi:"vocab=decision"`
	Reason   string `json:"reason" doc:"Wajib untuk dismiss dan reject_response"`
}

type decisionResponse struct {
	Decision decisionItem `json:"decision"`
	Letter   letterItem   `json:"letter"`
	Case     caseResponse `json:"case"`
}

type responseForm struct {
	Explanation string                  `form:"explanation" openapi:"required"`
	Objection   bool                    `form:"objection" doc:"true bila tanggapan ini keberatan"`
	Files       []*multipart.FileHeader `form:"files" doc:"Bukti pendukung: PDF, JPEG atau PNG, paling banyak 10"`
}

func (s *Server) listCases(c echo.Context) error {
	q := newQuery(c)
	f := sanction.CaseFilter{Stage: sanction.Stage(q.text("stage")), BusinessID: q.int64("business_id"), Period: q.text("period")}
	f.Open = q.boolean("open")
	page := sanction.Page{Cursor: q.int64("cursor"), Limit: q.limit(200)}
	if err := q.err(); err != nil {
		return err
	}
	list, next, err := s.sanction.ListCases(c.Request().Context(), f, page)
	if err != nil {
		return err
	}
	out := make([]caseResponse, len(list))
	for i, cs := range list {
		out[i] = newCaseResponse(cs)
	}
	return c.JSON(http.StatusOK, newListPage(out, next))
}

func (s *Server) getCase(c echo.Context) error {
	return onID(c, s.sanction.GetCase, newCaseDetailResponse)
}

func newCaseDetailResponse(d sanction.CaseDetail) caseDetailResponse {
	out := caseDetailResponse{caseResponse: newCaseResponse(d.Case), Cured: d.Cured,
		Findings: make([]findingResponse, len(d.Findings)), Responses: make([]caseResponseItem, len(d.Responses)),
		Decisions: make([]decisionItem, len(d.Decisions)), Letters: make([]letterItem, len(d.Letters)),
		Allowed: make([]string, len(d.Allowed))}
	for i, f := range d.Findings {
		out.Findings[i] = findingResponse{ID: f.ID, Period: f.Period, Status: f.Status, ReportStatus: f.ReportStatus,
			Targets: metricsResponse{PurchaseValue: f.TargetPurchaseValue, IKMCount: f.TargetIKMCount,
				OutletSlots: float64(f.TargetOutletSlots)},
			Realised: metricsResponse{PurchaseValue: f.RealisedPurchaseValue, IKMCount: f.RealisedIKMCount,
				OutletSlots: f.RealisedOutletSlots},
			Now:         metricsResponse{PurchaseValue: f.NowPurchaseValue, IKMCount: f.NowIKMCount, OutletSlots: f.NowOutletSlots},
			NowReported: f.NowReported, Cured: f.Cured}
	}
	for i, r := range d.Responses {
		out.Responses[i] = newCaseResponseItem(r)
	}
	for i, x := range d.Decisions {
		out.Decisions[i] = newDecisionItem(x)
	}
	for i, l := range d.Letters {
		out.Letters[i] = newLetterItem(l)
	}
	for i, a := range d.Allowed {
		out.Allowed[i] = string(a)
	}
	return out
}

func (s *Server) decideCase(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req decisionRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	res, err := s.sanction.Decide(c.Request().Context(), id,
		sanction.DecisionInput{Decision: sanction.Decision(req.Decision), Reason: req.Reason})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, decisionResponse{Decision: newDecisionItem(res.Decision),
		Letter: newLetterItem(res.Letter), Case: newCaseResponse(res.Case)})
}

func (s *Server) previewDecisionLetter(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req decisionRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	pdf, err := s.sanction.PreviewLetter(c.Request().Context(), id,
		sanction.DecisionInput{Decision: sanction.Decision(req.Decision), Reason: req.Reason})
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("inline",
		map[string]string{"filename": fmt.Sprintf("konsep-surat-kasus-%d.pdf", id)}))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

func (s *Server) respondCase(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	form, err := readFormFields(c, []string{"explanation", "objection"}, "files")
	if err != nil {
		return err
	}
	in := sanction.ResponseInput{Explanation: form.value("explanation")}
	if raw := strings.TrimSpace(form.value("objection")); raw != "" {
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fault.Invalid(fault.Field("objection", "harus true atau false"))
		}
		in.Objection = b
	}
	if form.hasFile() {
		in.Files = form.eachFile
	}
	r, err := s.sanction.Respond(c.Request().Context(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, newCaseResponseItem(r))
}

func (s *Server) listCaseLetters(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	list, err := s.sanction.Letters(c.Request().Context(), id)
	if err != nil {
		return err
	}
	out := letterListResponse{Items: make([]letterItem, len(list))}
	for i, l := range list {
		out.Items[i] = newLetterItem(l)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) caseLetterPDF(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	letterID, err := pathID(c, "letter")
	if err != nil {
		return err
	}
	l, pdf, err := s.sanction.LetterPDF(c.Request().Context(), id, letterID)
	if err != nil {
		return err
	}
	name := strings.NewReplacer("/", "-").Replace(l.Number) + ".pdf"
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("ETag", fmt.Sprintf(`"letter-%d"`, l.ID))
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

func (s *Server) caseEvidence(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	fileID, err := pathID(c, "file")
	if err != nil {
		return err
	}
	f, rc, err := s.sanction.EvidenceFile(c.Request().Context(), id, fileID)
	if err != nil {
		return err
	}
	return sendFile(c, f, rc)
}
