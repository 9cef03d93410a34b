package api

import (
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/auth"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/files"
	"kemitraan/app/procurement"
)

const xlsxMIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *Server) purchaseRoutes() []route {
	const tag = "pembelian"
	idParam := struct {
		ID int64 `param:"id" doc:"Nomor urut pembelian"`
	}{}
	action := func(path, summary string, perm auth.Permission, h echo.HandlerFunc, req any, description string) route {
		return route{method: http.MethodPost, path: "/api/v1/purchases/:id/" + path, perm: perm, handler: h,
			doc: openapi.Doc{Summary: summary, Tag: tag, Params: idParam, Request: req, Response: purchaseResponse{}, Description: description}}
	}
	return []route{
		{method: http.MethodGet, path: "/api/v1/purchases", perm: auth.PermPurchasesRead, handler: s.listPurchases,
			doc: openapi.Doc{Summary: "Daftar pembelian (terbaru dahulu, kursor keyset)", Tag: tag, Query: purchaseQuery{},
				Response:    listPage[purchaseResponse]{},
				Description: "Perusahaan melihat pembelian usahanya sendiri, IKM hanya pembelian dari dirinya, petugas semuanya."}},
		{method: http.MethodPost, path: "/api/v1/purchases", perm: auth.PermPurchasesReport, handler: s.reportPurchase,
			doc: openapi.Doc{Summary: "Laporkan satu pembelian dari IKM", Tag: tag, Request: purchaseRequest{}, Response: purchaseResponse{},
				Status: http.StatusCreated,
				Description: "Oleh pengguna perusahaan atau token ERP, untuk usahanya sendiri. Header `Idempotency-Key`: " +
					"kunci dan isi yang sama menghasilkan jawaban pertama tanpa catatan baru; kunci sama dengan isi berbeda: 422. " +
					"Setiap pembelian mendapat tautan konfirmasi untuk IKM (dikirim lewat e-mail bila IKM punya alamat)."}},
		{method: http.MethodPost, path: "/api/v1/purchases/import", perm: auth.PermPurchasesReport, handler: s.importPurchases,
			limit: s.cfg.Procurement.ImportMaxBytes + 64<<10,
			doc: openapi.Doc{Summary: "Impor pembelian dari CSV atau XLSX (semua atau tidak sama sekali)", Tag: tag,
				Query: importQuery{}, Form: importForm{}, Consumes: []string{"text/csv", xlsxMIME},
				Response: importResponse{}, Status: http.StatusCreated, Others: map[int]any{http.StatusOK: importResponse{}},
				Description: "Kolom: invoice_number, ikm_nib, purchase_date, description, amount, dan opsional paid_date, " +
					"quantity, agreement_number (nama Indonesia seperti nomor_faktur, nib_ikm, tanggal_pembelian, uraian, " +
					"nilai juga dikenali). Setiap baris bermasalah dilaporkan dengan baris, kolom dan alasannya, dan tidak ada " +
					"yang disimpan. `dry_run=true` hanya memeriksa (200). Berkas dapat dikirim sebagai multipart (kolom `file`) " +
					"atau langsung sebagai badan permintaan. Mendukung header `Idempotency-Key`."}},
		{method: http.MethodGet, path: "/api/v1/purchases/:id", perm: auth.PermPurchasesRead, handler: s.getPurchase,
			doc: openapi.Doc{Summary: "Satu pembelian", Tag: tag, Params: idParam, Response: purchaseResponse{},
				Description: "Bagi petugas, jawaban memuat `confirmation_url`: tautan konfirmasi yang masih berlaku, " +
					"untuk disampaikan kepada IKM yang tidak memiliki e-mail."}},
		optionalBody(action("confirm", "IKM mengonfirmasi pembelian, dan bila mau menjawab soal pembayarannya", auth.PermPurchasesConfirm,
			s.confirmPurchase, paymentRequest{},
			"Hanya dalam jendela konfirmasi aturan yang berlaku; sesudahnya hanya petugas yang dapat memverifikasi. "+
				"Badan permintaan boleh kosong; bila diisi, `payment` menyatakan apakah pembelian sudah dibayar.")),
		action("payment", "IKM menyatakan pembayaran pembelian yang sudah dikonfirmasinya", auth.PermPurchasesConfirm,
			s.answerPayment, paymentRequest{},
			"`unpaid` atau `partial` pada pembelian yang ditandai sudah dibayar oleh perusahaan membuka sengketa "+
				"pembayaran yang diputuskan petugas. Pembelian yang belum dikonfirmasi: 409."),
		action("paid", "Perusahaan menandai pembelian sudah dibayar", auth.PermPurchasesReport, s.markPaid, paidRequest{},
			"Tanggal bayar tidak sebelum tanggal pembelian dan tidak di masa depan. Selama sengketa pembayaran terbuka: 409."),
		action("payment-resolution", "Petugas memutuskan sengketa pembayaran", auth.PermPurchasesVerify,
			s.resolvePayment, paymentResolutionRequest{},
			"paid: tanggal bayar perusahaan berlaku; unpaid: dihapus, pembelian belum dibayar."),
		action("dispute", "IKM menyanggah pembelian, dengan alasan", auth.PermPurchasesConfirm, s.disputePurchase, reasonRequest{}, ""),
		action("verify", "Petugas memverifikasi pembelian setelah pemeriksaan lapangan", auth.PermPurchasesVerify,
			s.verifyPurchase, verifyRequest{}, "Untuk pembelian yang belum dijawab atau disanggah; pembelian lalu dihitung dan terkunci."),
		action("resolve", "Petugas menyelesaikan sanggahan: dikonfirmasi atau ditolak", auth.PermPurchasesVerify,
			s.resolvePurchase, resolveRequest{}, ""),
		action("reject", "Petugas menolak laporan pembelian karena kesalahan data", auth.PermPurchasesVerify,
			s.rejectPurchase, reasonRequest{}, ""),
		action("withdraw", "Perusahaan menarik pembelian yang belum dikonfirmasi", auth.PermPurchasesReport,
			s.withdrawPurchase, nil, ""),
		{method: http.MethodPost, path: "/api/v1/purchases/:id/reverse", perm: auth.PermPurchasesReport, handler: s.reversePurchase,
			doc: openapi.Doc{Summary: "Koreksi pembelian terkunci dengan entri pembalik", Tag: tag, Params: idParam,
				Request: reverseRequest{}, Response: purchaseResponse{}, Status: http.StatusCreated,
				Description: "Membuat entri baru bernilai negatif yang terhubung ke pembelian asal; IKM mengonfirmasinya " +
					"seperti pembelian lain. Pembelian yang benar dilaporkan sebagai pembelian baru."}},
		{method: http.MethodGet, path: "/api/v1/purchases/:id/evidence", perm: auth.PermPurchasesRead, handler: s.listEvidence,
			doc: openapi.Doc{Summary: "Daftar bukti pembelian", Tag: tag, Params: idParam, Response: []evidenceResponse{}}},
		{method: http.MethodPost, path: "/api/v1/purchases/:id/evidence", perm: auth.PermPurchasesReport, handler: s.attachEvidence,
			limit: s.uploadLimit(),
			doc: openapi.Doc{Summary: "Unggah bukti pembelian (PDF, JPEG atau PNG)", Tag: tag, Params: idParam, Form: evidenceForm{},
				Response: evidenceResponse{}, Status: http.StatusCreated,
				Description: "Jenis berkas ditentukan dari isinya, bukan namanya. Hanya untuk pembelian yang belum terkunci."}},
		{method: http.MethodGet, path: "/api/v1/purchases/:id/evidence/:file", perm: auth.PermPurchasesRead, handler: s.downloadEvidence,
			doc: openapi.Doc{Summary: "Unduh satu bukti pembelian", Tag: tag, Params: evidenceParams{},
				Produces: []string{files.PDF, files.JPEG, files.PNG}}},
	}
}

// optionalBody marks a route whose JSON body may be left out.
func optionalBody(r route) route {
	r.doc.NoBodyOK = true
	return r
}

type purchaseQuery struct {
	BusinessID  int64  `query:"business_id"`
	IKMID       int64  `query:"ikm_id"`
	AgreementID int64  `query:"agreement_id"`
	Period      string `query:"period" doc:"Periode tanggal pembelian, mis. 2025-Q1, 2025-03, 2025-S1" example:"2025-Q1"`
	Status      string `query:"status" openapi:"vocab=purchase_status"`
	From        string `query:"from" openapi:"format=date" doc:"Tanggal pembelian paling awal"`
	To          string `query:"to" openapi:"format=date" doc:"Tanggal pembelian paling akhir"`
	pageQuery
}

type purchaseRequest struct {
	IKMID         int64  `json:"ikm_id,omitempty" doc:"IKM aktif; atau ikm_nib"`
	IKMNIB        string `json:"ikm_nib,omitempty" doc:"NIB IKM (13 angka); atau ikm_id" example:"8120000000001"`
	AgreementID   *int64 `json:"agreement_id,omitempty" doc:"Perjanjian disetujui milik usaha ini yang menyebut IKM tersebut"`
	InvoiceNumber string `json:"invoice_number" doc:"Nomor faktur, unik per usaha" example:"INV/2025/03/0012"`
	PurchaseDate  string `json:"purchase_date" openapi:"format=date" example:"2025-03-10"`
	PaidDate      string `json:"paid_date,omitempty" openapi:"format=date" doc:"Tidak sebelum tanggal pembelian"`
	Description   string `json:"description" example:"200 besek bambu untuk parsel karyawan"`
	Quantity      *int64 `json:"quantity,omitempty" doc:"Bawaan 1" openapi:"min=1"`
	Amount        int64  `json:"amount" doc:"Nilai dalam rupiah, lebih dari 0 dan tidak melebihi batas konfigurasi" example:"1500000" openapi:"min=1"`
}

// paymentRequest is an IKM's word on payment.
type paymentRequest struct {
	Payment        string `json:"payment" openapi:"vocab=payment_answer" doc:"paid: sudah dibayar; unpaid: belum; partial: sebagian"`
	AmountReceived int64  `json:"amount_received,omitempty" doc:"Untuk partial: rupiah yang sudah diterima, kurang dari nilai pembelian"`
	PaymentDate    string `json:"payment_date,omitempty" openapi:"format=date" doc:"Untuk paid: tanggal uang diterima; bawaan hari ini"`
}

func (r paymentRequest) answer() procurement.PaymentAnswer {
	return procurement.PaymentAnswer{Status: r.Payment, AmountReceived: r.AmountReceived, Date: r.PaymentDate}
}

type paidRequest struct {
	PaidDate string `json:"paid_date" openapi:"format=date" doc:"Tanggal pembayaran kepada IKM" example:"2025-03-20"`
}

type paymentResolutionRequest struct {
	Decision string `json:"decision" openapi:"enum=paid|unpaid" doc:"paid: perusahaan sudah membayar; unpaid: belum"`
	Reason   string `json:"reason" doc:"Apa yang diperiksa, wajib diisi" example:"Bukti transfer tanggal 20 Maret diperiksa"`
}

type resolveRequest struct {
	Outcome string `json:"outcome" openapi:"enum=confirmed|rejected" doc:"confirmed: pembelian dihitung; rejected: tidak"`
	Reason  string `json:"reason" doc:"Alasan, wajib diisi"`
}

type reverseRequest struct {
	Reason        string `json:"reason" doc:"Kesalahan yang dikoreksi" example:"Nilai faktur salah ketik"`
	InvoiceNumber string `json:"invoice_number,omitempty" doc:"Nomor nota koreksi; bawaan <faktur asal>-BATAL"`
}

type importQuery struct {
	DryRun bool `query:"dry_run" doc:"true: periksa saja, tidak menyimpan apa pun"`
}

type importForm struct {
	File *multipart.FileHeader `form:"file" doc:"Berkas CSV (pemisah koma atau titik koma) atau XLSX (lembar pertama)"`
}

type evidenceForm struct {
	File *multipart.FileHeader `form:"file" doc:"Bukti: PDF, JPEG atau PNG"`
}

type evidenceParams struct {
	ID   int64 `param:"id" doc:"Nomor urut pembelian"`
	File int64 `param:"file" doc:"Nomor urut berkas"`
}

type ikmRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	NIB  string `json:"nib"`
}

type purchaseResponse struct {
	ID                      int64      `json:"id"`
	Business                namedRef   `json:"business"`
	IKM                     ikmRef     `json:"ikm"`
	AgreementID             *int64     `json:"agreement_id" openapi:"nullable"`
	InvoiceNumber           string     `json:"invoice_number"`
	PurchaseDate            string     `json:"purchase_date" openapi:"format=date"`
	PaidDate                *string    `json:"paid_date" openapi:"nullable,format=date"`
	Description             string     `json:"description"`
	Quantity                int64      `json:"quantity"`
	Amount                  int64      `json:"amount" doc:"Rupiah; negatif untuk entri pembalik"`
	Status                  string     `json:"status" openapi:"vocab=purchase_status"`
	Counted                 bool       `json:"counted" doc:"Dihitung dalam evaluasi kepatuhan (dikonfirmasi IKM atau diverifikasi petugas)"`
	ConfirmBy               time.Time  `json:"confirm_by" doc:"Batas waktu konfirmasi oleh IKM"`
	ConfirmedVia            *string    `json:"confirmed_via" openapi:"nullable,enum=app|link|officer"`
	ConfirmedAt             *time.Time `json:"confirmed_at" openapi:"nullable"`
	Verified                bool       `json:"verified" doc:"Diverifikasi petugas setelah pemeriksaan lapangan"`
	DisputeReason           string     `json:"dispute_reason,omitempty"`
	ResolutionReason        string     `json:"resolution_reason,omitempty"`
	ReversesID              *int64     `json:"reverses_id" openapi:"nullable" doc:"Pembelian yang dikoreksi oleh entri pembalik ini"`
	ReversalReason          string     `json:"reversal_reason,omitempty"`
	Source                  string     `json:"source" openapi:"enum=manual|import|erp"`
	PaymentDays             int        `json:"payment_days" doc:"Tempo pembayaran dalam hari: dari perjanjian, atau aturan yang berlaku"`
	DueDate                 string     `json:"due_date" openapi:"format=date" doc:"Batas pembayaran: tanggal pembelian + tempo"`
	Consignment             bool       `json:"consignment" doc:"Titip jual (konsinyasi): dihitung hanya setelah dibayar"`
	PaidOn                  *string    `json:"paid_on" openapi:"nullable,format=date" doc:"Hari pembelian dianggap lunas; null selama belum"`
	PaymentStatus           *string    `json:"payment_status" openapi:"nullable,vocab=payment_state" doc:"disputed: sengketa pembayaran menunggu petugas"`
	IKMPayment              *string    `json:"ikm_payment" openapi:"nullable,vocab=payment_answer" doc:"Jawaban IKM soal pembayaran"`
	IKMPaidAmount           *int64     `json:"ikm_paid_amount" openapi:"nullable" doc:"Untuk partial: rupiah yang sudah diterima IKM"`
	PaymentResolution       *string    `json:"payment_resolution" openapi:"nullable,enum=paid|unpaid" doc:"Keputusan petugas atas sengketa pembayaran"`
	PaymentResolutionReason string     `json:"payment_resolution_reason,omitempty"`
	CreatedAt               time.Time  `json:"created_at"`
	UpdatedAt               time.Time  `json:"updated_at"`
	// Officers only: the live password-less link, to pass on by phone.
	ConfirmationURL       string     `json:"confirmation_url,omitempty" doc:"Hanya untuk petugas: tautan konfirmasi yang masih berlaku"`
	ConfirmationExpiresAt *time.Time `json:"confirmation_expires_at,omitempty" doc:"Hanya untuk petugas"`
}

func newPurchaseResponse(p procurement.Purchase) purchaseResponse {
	r := purchaseResponse{
		ID: p.ID, Business: namedRef{ID: p.BusinessID, Name: p.BusinessName},
		IKM: ikmRef{ID: p.IKMID, Name: p.IKMName, NIB: p.IKMNIB}, AgreementID: p.AgreementID,
		InvoiceNumber: p.InvoiceNumber, PurchaseDate: dateText(p.PurchaseDate), PaidDate: optDateText(p.PaidDate),
		Description: p.Description, Quantity: p.Quantity, Amount: p.Amount, Status: string(p.Status),
		Counted: p.Counted(), ConfirmBy: p.ConfirmBy.UTC(), ConfirmedVia: p.ConfirmedVia, ConfirmedAt: utcPtr(p.ConfirmedAt),
		Verified: p.Verified, DisputeReason: p.DisputeReason, ResolutionReason: p.ResolutionReason,
		ReversesID: p.ReversesID, ReversalReason: p.ReversalReason, Source: string(p.Source),
		PaymentDays: p.PaymentDays, DueDate: dateText(p.DueDate), Consignment: p.Consignment,
		PaidOn: optDateText(p.PaidOn), IKMPayment: p.IKMPayment,
		IKMPaidAmount: p.IKMPaidAmount, PaymentResolution: p.PaymentResolution,
		PaymentResolutionReason: p.PaymentResolutionReason,
		CreatedAt:               p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
	if st := p.PaymentState(); st != "" {
		r.PaymentStatus = &st
	}
	return r
}

type importResponse struct {
	Format      string `json:"format" openapi:"enum=csv|xlsx"`
	DryRun      bool   `json:"dry_run"`
	Rows        int    `json:"rows" doc:"Baris data dalam berkas"`
	Created     int    `json:"created" doc:"Pembelian yang disimpan (0 pada dry run)"`
	TotalAmount int64  `json:"total_amount" doc:"Jumlah nilai seluruh baris, rupiah"`
	FirstID     *int64 `json:"first_id" openapi:"nullable"`
	LastID      *int64 `json:"last_id" openapi:"nullable"`
}

type evidenceResponse struct {
	FileID       int64     `json:"file_id"`
	ContentType  string    `json:"content_type" openapi:"enum=application/pdf|image/jpeg|image/png"`
	SizeBytes    int64     `json:"size_bytes"`
	OriginalName string    `json:"original_name"`
	CreatedAt    time.Time `json:"created_at"`
}

func newEvidenceResponse(e procurement.Evidence) evidenceResponse {
	return evidenceResponse{FileID: e.FileID, ContentType: e.ContentType, SizeBytes: e.SizeBytes,
		OriginalName: e.OriginalName, CreatedAt: e.CreatedAt.UTC()}
}

func (s *Server) listPurchases(c echo.Context) error {
	q := newQuery(c)
	f := procurement.Filter{BusinessID: q.int64("business_id"), IKMID: q.int64("ikm_id"),
		AgreementID: q.int64("agreement_id"), After: q.int64("cursor"), Limit: q.limit(procurement.MaxPageSize)}
	f.Narrow(&q.check, procurement.FilterText{Status: q.text("status"), Period: q.text("period"),
		From: q.text("from"), To: q.text("to")})
	if err := q.err(); err != nil {
		return err
	}
	page, err := s.purchases.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	items := make([]purchaseResponse, len(page.Items))
	for i, p := range page.Items {
		items[i] = newPurchaseResponse(p)
	}
	return c.JSON(http.StatusOK, newListPage(items, page.NextCursor))
}

func (s *Server) getPurchase(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := s.purchases.Get(ctx, id)
	if err != nil {
		return err
	}
	resp := newPurchaseResponse(p)
	if auth.Allowed(actor.From(ctx), auth.PermConfirmationLinks) {
		url, expires, ok, err := s.purchases.ConfirmationURL(ctx, p.ID)
		if err != nil {
			return err
		}
		if ok {
			resp.ConfirmationURL, resp.ConfirmationExpiresAt = url, &expires
		}
	}
	return c.JSON(http.StatusOK, resp)
}

// purchaseIdem guards a request that creates one purchase, answered 201.
func purchaseIdem(key string, hash []byte, out *answerOnce) *procurement.Idem[procurement.Purchase] {
	return &procurement.Idem[procurement.Purchase]{Key: key, Hash: hash,
		Answer: func(p procurement.Purchase) (int, []byte, error) {
			return out.render(http.StatusCreated, newPurchaseResponse(p))
		}}
}

func (s *Server) reportPurchase(c echo.Context) error {
	key, hash, err := idempotent(c)
	if err != nil {
		return err
	}
	var req purchaseRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	var out answerOnce
	p, replay, err := s.purchases.Report(c.Request().Context(), procurement.ReportInput{
		IKMID: req.IKMID, IKMNIB: req.IKMNIB, AgreementID: req.AgreementID, InvoiceNumber: req.InvoiceNumber,
		PurchaseDate: req.PurchaseDate, PaidDate: req.PaidDate, Description: req.Description,
		Quantity: req.Quantity, Amount: req.Amount,
	}, purchaseIdem(key, hash, &out))
	if err != nil {
		return err
	}
	return out.send(c, replay, http.StatusCreated, newPurchaseResponse(p))
}

func (s *Server) reversePurchase(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	key, hash, err := idempotent(c)
	if err != nil {
		return err
	}
	var req reverseRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	var out answerOnce
	p, replay, err := s.purchases.Reverse(c.Request().Context(), id,
		procurement.ReverseInput{Reason: req.Reason, InvoiceNumber: req.InvoiceNumber}, purchaseIdem(key, hash, &out))
	if err != nil {
		return err
	}
	return out.send(c, replay, http.StatusCreated, newPurchaseResponse(p))
}

func (s *Server) importPurchases(c echo.Context) error {
	q := newQuery(c)
	dryRun := q.flag("dry_run")
	if err := q.err(); err != nil {
		return err
	}
	key := c.Request().Header.Get("Idempotency-Key")
	if err := procurement.CheckIdempotencyKey(key); err != nil {
		return err
	}
	var out answerOnce
	status := http.StatusCreated
	if dryRun {
		status = http.StatusOK
	}
	idem := &procurement.Idem[procurement.ImportResult]{Key: key,
		Answer: func(r procurement.ImportResult) (int, []byte, error) {
			return out.render(status, newImportResponse(r))
		}}
	var res procurement.ImportResult
	var replay *procurement.Replay
	run := func(r io.Reader) error {
		var err error
		res, replay, err = s.purchases.Import(c.Request().Context(), procurement.ImportInput{File: r, DryRun: dryRun}, idem)
		return err
	}
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	switch mt {
	case echo.MIMEMultipartForm:
		err := filePart(c, "file", "CSV atau XLSX", func(_ string, r io.Reader) error { return run(r) })
		if err != nil {
			return err
		}
	case "text/csv", "text/plain", xlsxMIME, echo.MIMEOctetStream:
		if err := run(bodyUpload(c)); err != nil {
			return err
		}
	default:
		return newProblem(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"Kirim berkas CSV atau XLSX sebagai multipart/form-data (kolom \"file\") atau langsung sebagai text/csv atau XLSX.")
	}
	return out.send(c, replay, status, newImportResponse(res))
}

func newImportResponse(r procurement.ImportResult) importResponse {
	out := importResponse{Format: string(r.Format), DryRun: r.DryRun, Rows: r.Rows, Created: r.Created, TotalAmount: r.TotalAmount}
	if r.FirstID != 0 {
		out.FirstID, out.LastID = &r.FirstID, &r.LastID
	}
	return out
}

// decidePurchase runs a decision on one purchase and answers it.
func (s *Server) decidePurchase(c echo.Context, d procurement.Decision) error {
	return onID(c, func(ctx context.Context, id int64) (procurement.Purchase, error) {
		return s.purchases.Decide(ctx, id, d, "")
	}, newPurchaseResponse)
}

// decideWith binds a JSON body of type T and decides with what it yields.
func decideWith[T any](s *Server, c echo.Context, decide func(body T) (procurement.Decision, string, error)) error {
	return onIDWith(c, func(ctx context.Context, id int64, body T) (procurement.Purchase, error) {
		d, reason, err := decide(body)
		if err != nil {
			return procurement.Purchase{}, err
		}
		return s.purchases.Decide(ctx, id, d, reason)
	}, newPurchaseResponse)
}

// confirmPurchase confirms, with the IKM's word on payment when the body
// gives one (an empty body confirms only).
func (s *Server) confirmPurchase(c echo.Context) error {
	if c.Request().ContentLength == 0 {
		return s.decidePurchase(c, procurement.Confirm)
	}
	return onIDWith(c, func(ctx context.Context, id int64, r paymentRequest) (procurement.Purchase, error) {
		pay := r.answer()
		return s.purchases.Answer(ctx, id, procurement.Confirm, "", &pay)
	}, newPurchaseResponse)
}

func (s *Server) answerPayment(c echo.Context) error {
	return onIDWith(c, func(ctx context.Context, id int64, r paymentRequest) (procurement.Purchase, error) {
		return s.purchases.AnswerPayment(ctx, id, r.answer())
	}, newPurchaseResponse)
}

func (s *Server) markPaid(c echo.Context) error {
	return onIDWith(c, func(ctx context.Context, id int64, r paidRequest) (procurement.Purchase, error) {
		return s.purchases.MarkPaid(ctx, id, r.PaidDate)
	}, newPurchaseResponse)
}

func (s *Server) resolvePayment(c echo.Context) error {
	return onIDWith(c, func(ctx context.Context, id int64, r paymentResolutionRequest) (procurement.Purchase, error) {
		return s.purchases.ResolvePayment(ctx, id, r.Decision, r.Reason)
	}, newPurchaseResponse)
}

func (s *Server) withdrawPurchase(c echo.Context) error {
	return s.decidePurchase(c, procurement.WithdrawOwnItem)
}

func (s *Server) disputePurchase(c echo.Context) error {
	return decideWith(s, c, func(r reasonRequest) (procurement.Decision, string, error) {
		return procurement.Dispute, r.Reason, nil
	})
}

func (s *Server) rejectPurchase(c echo.Context) error {
	return decideWith(s, c, func(r reasonRequest) (procurement.Decision, string, error) {
		return procurement.Reject, r.Reason, nil
	})
}

func (s *Server) verifyPurchase(c echo.Context) error {
	return decideWith(s, c, func(r verifyRequest) (procurement.Decision, string, error) {
		return procurement.Verify, r.Note, nil
	})
}

func (s *Server) resolvePurchase(c echo.Context) error {
	return decideWith(s, c, func(r resolveRequest) (procurement.Decision, string, error) {
		switch r.Outcome {
		case "confirmed":
			return procurement.ResolveConfirm, r.Reason, nil
		case "rejected":
			return procurement.ResolveReject, r.Reason, nil
		}
		var chk fault.Checker
		chk.Add("outcome", "harus confirmed atau rejected")
		return "", "", chk.Err()
	})
}

func (s *Server) listEvidence(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	list, err := s.purchases.EvidenceOf(c.Request().Context(), id)
	if err != nil {
		return err
	}
	out := make([]evidenceResponse, len(list))
	for i, e := range list {
		out[i] = newEvidenceResponse(e)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) attachEvidence(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var ev procurement.Evidence
	err = filePart(c, "file", "PDF, JPEG atau PNG", func(name string, r io.Reader) error {
		var err error
		ev, err = s.purchases.AttachEvidence(c.Request().Context(), id, r, name)
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, newEvidenceResponse(ev))
}

func (s *Server) downloadEvidence(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	fileID, err := pathID(c, "file")
	if err != nil {
		return err
	}
	f, rc, err := s.purchases.OpenEvidence(c.Request().Context(), id, fileID)
	if err != nil {
		return err
	}
	return sendFile(c, f, rc)
}
