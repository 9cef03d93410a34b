package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/api/openapi"
	"kemitraan/app/procurement"
)

// The password-less confirmation link an IKM without an account uses. It
// shows only what the IKM needs to recognise the purchase.

func (s *Server) confirmationRoutes() []route {
	const tag = "konfirmasi IKM"
	params := struct {
		Token string `param:"token" doc:"Token dari tautan konfirmasi"`
	}{}
	return []route{
		{method: http.MethodGet, path: "/api/v1/confirmations/:token", handler: s.showConfirmation,
			doc: openapi.Doc{Summary: "Lihat pembelian yang diminta konfirmasinya (tanpa login)", Tag: tag, Params: params,
				Response: confirmationResponse{}, Errors: []int{http.StatusConflict, http.StatusGone},
				Description: "Tautan yang tidak dikenal: 404; sudah dipakai: 409; kedaluwarsa: 410."}},
		{method: http.MethodPost, path: "/api/v1/confirmations/:token", handler: s.answerConfirmation,
			doc: openapi.Doc{Summary: "Konfirmasi atau sanggah pembelian lewat tautan (tanpa login)", Tag: tag, Params: params,
				Request: confirmationRequest{}, Response: confirmationResponse{}, Errors: []int{http.StatusConflict, http.StatusGone},
				Description: "Tautan hanya dapat dipakai satu kali. Sanggahan wajib disertai alasan."}},
	}
}

type confirmationRequest struct {
	Decision string `json:"decision" openapi:"enum=confirm|dispute" doc:"confirm: pembelian benar; dispute: tidak sesuai"`
	Reason   string `json:"reason,omitempty" doc:"Wajib untuk dispute"`
	// With confirm, optionally: has it been paid?
	Payment        string `json:"payment,omitempty" openapi:"vocab=payment_answer" doc:"Bersama confirm, bila mau: sudah dibayar?"`
	AmountReceived int64  `json:"amount_received,omitempty" doc:"Untuk partial: rupiah yang sudah diterima"`
	PaymentDate    string `json:"payment_date,omitempty" openapi:"format=date" doc:"Untuk paid: tanggal uang diterima"`
}

type confirmationResponse struct {
	BusinessName string    `json:"business_name"`
	PurchaseDate string    `json:"purchase_date" openapi:"format=date"`
	Amount       int64     `json:"amount" doc:"Rupiah"`
	Description  string    `json:"description"`
	Status       string    `json:"status" openapi:"vocab=purchase_status"`
	ExpiresAt    time.Time `json:"expires_at" doc:"Batas waktu tautan"`
}

func newConfirmationResponse(p procurement.PublicPurchase) confirmationResponse {
	return confirmationResponse{BusinessName: p.BusinessName, PurchaseDate: dateText(p.PurchaseDate), Amount: p.Amount,
		Description: p.Description, Status: string(p.Status), ExpiresAt: p.ExpiresAt.UTC()}
}

func (s *Server) showConfirmation(c echo.Context) error {
	p, err := s.purchases.ShowByToken(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, newConfirmationResponse(p))
}

func (s *Server) answerConfirmation(c echo.Context) error {
	var req confirmationRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	d := procurement.Decision(req.Decision)
	var pay *procurement.PaymentAnswer
	if req.Payment != "" || req.AmountReceived != 0 || req.PaymentDate != "" {
		pay = &procurement.PaymentAnswer{Status: req.Payment, AmountReceived: req.AmountReceived, Date: req.PaymentDate}
	}
	p, err := s.purchases.AnswerByToken(c.Request().Context(), c.Param("token"), d, req.Reason, pay)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, newConfirmationResponse(p))
}
