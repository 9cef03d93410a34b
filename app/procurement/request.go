package procurement

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/notify"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/format"
)

// KindConfirmationRequest is the message asking an IKM to confirm a
// purchase. It renders when it is delivered, from what its payload kept of
// the purchase when it was reported, so it can be written in the same
// statement as the purchase.
const KindConfirmationRequest = "purchase.confirmation_request"

// requestFacts is the payload of a confirmation request.
type requestFacts struct {
	requestBase
	PurchaseID   int64     `json:"purchase_id"`
	IKMID        int64     `json:"ikm_id"`
	IKMName      string    `json:"ikm_name"`
	BusinessName string    `json:"business_name"`
	ConfirmBy    time.Time `json:"confirm_by"`
	LinkNonce    string    `json:"link_nonce"` // hex
}

// requestBase is the part of a confirmation request's payload known before
// the purchase is written; the statement that writes it adds the rest.
type requestBase struct {
	BusinessID    int64  `json:"business_id"`
	InvoiceNumber string `json:"invoice_number"`
	PurchaseDate  string `json:"purchase_date"`
	Description   string `json:"description"`
	Amount        int64  `json:"amount"`
	Reversal      bool   `json:"reversal"`
}

func baseOf(p Purchase) requestBase {
	return requestBase{BusinessID: p.BusinessID, InvoiceNumber: p.InvoiceNumber,
		PurchaseDate: p.PurchaseDate.Format(time.DateOnly), Description: p.Description, Amount: p.Amount,
		Reversal: p.ReversesID != nil}
}

// confirmationRequest is the request to confirm p, to ikm's address.
func confirmationRequest(p Purchase, ikm ikmRow, business string) (notify.Message, error) {
	raw, err := json.Marshal(requestFacts{requestBase: baseOf(p), PurchaseID: p.ID, IKMID: ikm.ID, IKMName: ikm.Name,
		BusinessName: business, ConfirmBy: p.ConfirmBy, LinkNonce: hex.EncodeToString(p.LinkNonce)})
	if err != nil {
		return notify.Message{}, err
	}
	m := notify.Message{Kind: KindConfirmationRequest}
	return m, json.Unmarshal(raw, &m.Payload)
}

// Renderers renders the confirmation requests when they are delivered. The
// signing secret is read on db first (outside any transaction: the caller
// holds no other).
func (s *Service) Renderers(ctx context.Context, db *gorm.DB) (notify.Renderers, error) {
	secret, err := s.secretOn(ctx, db)
	if err != nil {
		return nil, err
	}
	return notify.Renderers{KindConfirmationRequest: func(m notify.Message) (notify.Message, error) {
		return s.renderRequest(m, secret)
	}}, nil
}

func (s *Service) renderRequest(m notify.Message, secret []byte) (notify.Message, error) {
	raw, err := json.Marshal(m.Payload)
	if err != nil {
		return m, err
	}
	var f requestFacts
	if err := json.Unmarshal(raw, &f); err != nil {
		return m, fmt.Errorf("procurement: confirmation request: %w", err)
	}
	nonce, err := hex.DecodeString(f.LinkNonce)
	if err != nil || len(nonce) != 16 {
		return m, fmt.Errorf("procurement: confirmation request of purchase %d: no link", f.PurchaseID)
	}
	date, err := time.Parse(time.DateOnly, f.PurchaseDate)
	if err != nil {
		return m, fmt.Errorf("procurement: confirmation request of purchase %d: %w", f.PurchaseID, err)
	}
	what := "pembelian"
	if f.Reversal {
		what = "koreksi (pembatalan) pembelian"
	}
	deadline := f.ConfirmBy.In(clock.WIB)
	link := s.link(tokenFor(secret, nonce).value)
	if m.Channel == notify.ChannelWhatsApp {
		// The approved template's body parameters, in order (config).
		m.Params = []string{strings.TrimSpace(f.IKMName), f.BusinessName, format.Rupiah(f.Amount),
			whatsAppDeadline(deadline, format.Date(deadline)), link}
		return m, nil
	}
	m.Subject = fmt.Sprintf("Mohon konfirmasi %s dari %s (%s)", what, f.BusinessName, format.Rupiah(f.Amount))
	m.Body = fmt.Sprintf(`Yth. %s,

%s melaporkan %s dari usaha Anda kepada %s:

  Nomor faktur : %s
  Tanggal      : %s
  Uraian       : %s
  Nilai        : %s

Mohon periksa laporan ini lalu konfirmasi bila benar, atau sanggah dengan
alasannya bila tidak sesuai, melalui tautan berikut paling lambat
%s pukul %s WIB:

%s

Tautan ini pribadi dan hanya dapat dipakai satu kali. Tanpa konfirmasi,
pembelian ini tidak dihitung kecuali diverifikasi oleh petugas Dinas.
Bila ada pertanyaan, hubungi kami.

%s`, strings.TrimSpace(f.IKMName), f.BusinessName, what, s.cfg.Office.FullName(), f.InvoiceNumber, format.Date(date), f.Description, format.Rupiah(f.Amount),
		format.Date(deadline), deadline.Format("15.04"), link, notify.Signature(s.cfg.Office))
	return m, nil
}
