package api

import (
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/partnership"
)

func (s *Server) agreementRoutes() []route {
	const tag = "perjanjian kemitraan"
	idParam := struct {
		ID int64 `param:"id" doc:"Nomor urut perjanjian"`
	}{}
	return []route{
		{method: http.MethodGet, path: "/api/v1/agreements", perm: auth.PermAgreementsRead, handler: s.listAgreements,
			doc: openapi.Doc{Summary: "Daftar perjanjian kemitraan", Tag: tag, Query: agreementQuery{}, Response: listPage[agreementResponse]{},
				Description: "Perusahaan melihat perjanjian usahanya sendiri; IKM melihat perjanjian yang menyebutnya (selain draf)."}},
		{method: http.MethodPost, path: "/api/v1/agreements", perm: auth.PermAgreementsWrite, handler: s.createAgreement,
			doc: openapi.Doc{Summary: "Susun draf perjanjian", Tag: tag, Request: agreementRequest{}, Response: agreementResponse{},
				Status: http.StatusCreated,
				Description: "Perusahaan menyusun untuk usahanya sendiri (business_id boleh dikosongkan); petugas wajib menyebut business_id. " +
					"Dokumen bertanda tangan diunggah terpisah ke `/document` sebelum diajukan."}},
		{method: http.MethodGet, path: "/api/v1/agreements/:id", perm: auth.PermAgreementsRead, handler: s.getAgreement,
			doc: openapi.Doc{Summary: "Satu perjanjian", Tag: tag, Params: idParam, Response: agreementResponse{}}},
		{method: http.MethodPut, path: "/api/v1/agreements/:id", perm: auth.PermAgreementsWrite, handler: s.updateAgreement,
			doc: openapi.Doc{Summary: "Ubah draf perjanjian", Tag: tag, Params: idParam, Request: agreementRequest{}, Response: agreementResponse{},
				Description: "Hanya draf yang dapat diubah; selain itu 409 dengan `current_status`."}},
		{method: http.MethodPut, path: "/api/v1/agreements/:id/document", perm: auth.PermAgreementsWrite, handler: s.attachAgreementDocument,
			limit: s.uploadLimit(),
			doc: openapi.Doc{Summary: "Unggah dokumen perjanjian bertanda tangan (PDF)", Tag: tag, Params: idParam,
				Form: agreementDocumentForm{}, Response: agreementResponse{},
				Description: "Jenis berkas dinilai dari isinya, bukan namanya: hanya PDF. Menggantikan dokumen sebelumnya; hanya untuk draf."}},
		{method: http.MethodGet, path: "/api/v1/agreements/:id/document", perm: auth.PermAgreementsRead, handler: s.agreementDocument,
			doc: openapi.Doc{Summary: "Unduh dokumen perjanjian", Tag: tag, Params: idParam, Produces: []string{"application/pdf"}}},
		{method: http.MethodPost, path: "/api/v1/agreements/:id/submit", perm: auth.PermAgreementsWrite, handler: s.submitAgreement,
			doc: openapi.Doc{Summary: "Ajukan draf untuk disetujui", Tag: tag, Params: idParam, Response: agreementResponse{},
				Errors:      []int{http.StatusUnprocessableEntity},
				Description: "Memerlukan dokumen bertanda tangan dan IKM yang masih aktif."}},
		{method: http.MethodPost, path: "/api/v1/agreements/:id/approve", perm: auth.PermAgreementsDecide, handler: s.approveAgreement,
			doc: openapi.Doc{Summary: "Setujui perjanjian yang diajukan", Tag: tag, Params: idParam, Response: agreementResponse{}}},
		{method: http.MethodPost, path: "/api/v1/agreements/:id/reject", perm: auth.PermAgreementsDecide, handler: s.rejectAgreement,
			doc: openapi.Doc{Summary: "Tolak perjanjian yang diajukan, dengan alasan", Tag: tag, Params: idParam,
				Request: reasonRequest{}, Response: agreementResponse{}}},
		{method: http.MethodPost, path: "/api/v1/agreements/:id/revise", perm: auth.PermAgreementsWrite, handler: s.reviseAgreement,
			doc: openapi.Doc{Summary: "Kembalikan perjanjian yang ditolak menjadi draf", Tag: tag, Params: idParam, Response: agreementResponse{},
				Description: "Agar perusahaan dapat memperbaiki dan mengajukan ulang dengan nomor yang sama."}},
		{method: http.MethodPost, path: "/api/v1/agreements/:id/end", perm: auth.PermAgreementsDecide, handler: s.endAgreement,
			doc: openapi.Doc{Summary: "Akhiri perjanjian yang disetujui", Tag: tag, Params: idParam,
				Request: reasonRequest{}, Response: agreementResponse{},
				Description: "Perjanjian juga berakhir otomatis sehari setelah tanggal akhirnya (tugas `expire`)."}},
	}
}

type agreementQuery struct {
	BusinessID int64  `query:"business_id" doc:"Hanya perjanjian usaha ini"`
	IKMID      int64  `query:"ikm_id" doc:"Hanya perjanjian yang menyebut IKM ini"`
	Status     string `query:"status" openapi:"vocab=agreement_status"`
	Form       string `query:"form" openapi:"vocab=agreement_form"`
	Q          string `query:"q" doc:"Sebagian nomor perjanjian atau nama usaha"`
	pageQuery
}

type targetsBody struct {
	PurchaseValue int64 `json:"purchase_value" doc:"Nilai pembelian dari IKM per periode, rupiah" example:"30000000" openapi:"min=0"`
	IKMCount      int   `json:"ikm_count" doc:"Jumlah IKM berbeda per periode" example:"2" openapi:"min=0"`
	OutletSlots   int   `json:"outlet_slots" doc:"Slot tempat usaha untuk IKM (rata-rata per periode)" example:"0" openapi:"min=0"`
}

type agreementRequest struct {
	BusinessID    int64       `json:"business_id,omitempty" doc:"Wajib untuk petugas; perusahaan: usahanya sendiri"`
	IKMIDs        []int64     `json:"ikm_ids" doc:"IKM mitra yang aktif, minimal satu"`
	Form          string      `json:"form" openapi:"vocab=agreement_form"`
	Number        string      `json:"number" doc:"Nomor perjanjian, unik per usaha" example:"PKS/015/VI/2025"`
	AgreementDate string      `json:"agreement_date" openapi:"format=date" example:"2025-06-02"`
	StartDate     string      `json:"start_date" openapi:"format=date" example:"2025-07-01"`
	EndDate       string      `json:"end_date" openapi:"format=date" example:"2026-06-30"`
	Targets       targetsBody `json:"targets" doc:"Target per periode; masing-masing ≥ 0, minimal satu > 0"`
	PaymentDays   *int        `json:"payment_days,omitempty" openapi:"min=0,max=180" doc:"Tempo pembayaran kepada IKM dalam hari; kosong: tempo aturan yang berlaku"`
	Consignment   bool        `json:"consignment,omitempty" doc:"Titip jual (konsinyasi): pembelian dihitung hanya setelah dibayar"`
}

func (r agreementRequest) input() partnership.AgreementInput {
	return partnership.AgreementInput{
		BusinessID: r.BusinessID, IKMIDs: r.IKMIDs, Form: r.Form, Number: r.Number,
		AgreementDate: r.AgreementDate, StartDate: r.StartDate, EndDate: r.EndDate,
		TargetPurchaseValue: r.Targets.PurchaseValue, TargetIKMCount: r.Targets.IKMCount,
		TargetOutletSlots: r.Targets.OutletSlots, PaymentDays: r.PaymentDays, Consignment: r.Consignment,
	}
}

type reasonRequest struct {
	Reason string `json:"reason" doc:"Alasan, wajib diisi" example:"Dokumen tidak ditandatangani kedua pihak"`
}

type agreementDocumentForm struct {
	Document *multipart.FileHeader `form:"document" doc:"Dokumen perjanjian bertanda tangan, PDF"`
}

type namedRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type agreementResponse struct {
	ID            int64       `json:"id"`
	Business      namedRef    `json:"business"`
	IKMs          []namedRef  `json:"ikms"`
	Form          string      `json:"form"`
	Number        string      `json:"number"`
	AgreementDate string      `json:"agreement_date" openapi:"format=date"`
	StartDate     string      `json:"start_date" openapi:"format=date"`
	EndDate       string      `json:"end_date" openapi:"format=date"`
	Targets       targetsBody `json:"targets"`
	PaymentDays   *int        `json:"payment_days" openapi:"nullable" doc:"Tempo pembayaran dalam hari; null: tempo aturan"`
	Consignment   bool        `json:"consignment"`
	Status        string      `json:"status" openapi:"vocab=agreement_status"`
	DocumentURL   *string     `json:"document_url" openapi:"nullable" doc:"Alamat unduhan dokumen bertanda tangan; null bila belum diunggah"`
	SubmittedAt   *time.Time  `json:"submitted_at" openapi:"nullable"`
	DecidedAt     *time.Time  `json:"decided_at" openapi:"nullable"`
	RejectReason  string      `json:"reject_reason,omitempty"`
	EndedAt       *time.Time  `json:"ended_at" openapi:"nullable"`
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
}

func newAgreementResponse(a partnership.Agreement) agreementResponse {
	r := agreementResponse{
		ID: a.ID, Business: namedRef{ID: a.BusinessID, Name: a.BusinessName}, IKMs: make([]namedRef, len(a.IKMs)),
		Form: a.Form, Number: a.Number, AgreementDate: dateText(a.AgreementDate),
		StartDate: dateText(a.StartDate), EndDate: dateText(a.EndDate),
		Targets:     targetsBody{PurchaseValue: a.TargetPurchaseValue, IKMCount: a.TargetIKMCount, OutletSlots: a.TargetOutletSlots},
		PaymentDays: a.PaymentDays, Consignment: a.Consignment,
		Status: string(a.Status), SubmittedAt: utcPtr(a.SubmittedAt), DecidedAt: utcPtr(a.DecidedAt),
		RejectReason: a.RejectReason, EndedAt: utcPtr(a.EndedAt),
		CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC(),
	}
	for i, p := range a.IKMs {
		r.IKMs[i] = namedRef{ID: p.ID, Name: p.Name}
	}
	if a.DocumentFileID != nil {
		u := "/api/v1/agreements/" + strconv.FormatInt(a.ID, 10) + "/document"
		r.DocumentURL = &u
	}
	return r
}

func (s *Server) listAgreements(c echo.Context) error {
	q := newQuery(c)
	f := partnership.AgreementFilter{BusinessID: q.int64("business_id"), IKMID: q.int64("ikm_id"),
		Status: q.text("status"), Form: q.text("form"), Query: q.text("q")}
	page := partnership.Page{Cursor: q.int64("cursor"), Limit: q.limit(200)}
	if err := q.err(); err != nil {
		return err
	}
	list, next, err := s.partnership.ListAgreements(c.Request().Context(), f, page)
	if err != nil {
		return err
	}
	items := make([]agreementResponse, len(list))
	for i, a := range list {
		items[i] = newAgreementResponse(a)
	}
	return c.JSON(http.StatusOK, newListPage(items, next))
}

func (s *Server) createAgreement(c echo.Context) error {
	var req agreementRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	a, err := s.partnership.CreateAgreement(c.Request().Context(), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, newAgreementResponse(a))
}

func (s *Server) getAgreement(c echo.Context) error {
	return onID(c, s.partnership.Agreement, newAgreementResponse)
}

func (s *Server) updateAgreement(c echo.Context) error {
	return onIDWith(c, func(ctx context.Context, id int64, r agreementRequest) (partnership.Agreement, error) {
		return s.partnership.UpdateAgreement(ctx, id, r.input())
	}, newAgreementResponse)
}

func (s *Server) attachAgreementDocument(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var a partnership.Agreement
	err = filePart(c, "document", "PDF", func(name string, r io.Reader) error {
		var err error
		a, err = s.partnership.AttachDocument(c.Request().Context(), id, name, r)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, newAgreementResponse(a))
}

func (s *Server) agreementDocument(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f, rc, err := s.partnership.Document(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return sendFile(c, f, rc)
}

func (s *Server) submitAgreement(c echo.Context) error {
	return onID(c, s.partnership.SubmitAgreement, newAgreementResponse)
}

func (s *Server) approveAgreement(c echo.Context) error {
	return onID(c, s.partnership.ApproveAgreement, newAgreementResponse)
}

func (s *Server) reviseAgreement(c echo.Context) error {
	return onID(c, s.partnership.ReviseAgreement, newAgreementResponse)
}

func (s *Server) rejectAgreement(c echo.Context) error {
	return onIDWith(c, func(ctx context.Context, id int64, r reasonRequest) (partnership.Agreement, error) {
		return s.partnership.RejectAgreement(ctx, id, r.Reason)
	}, newAgreementResponse)
}

func (s *Server) endAgreement(c echo.Context) error {
	return onIDWith(c, func(ctx context.Context, id int64, r reasonRequest) (partnership.Agreement, error) {
		return s.partnership.EndAgreement(ctx, id, r.Reason)
	}, newAgreementResponse)
}
