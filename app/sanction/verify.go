package sanction

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/fault"
)

// Every letter carries a verification code, printed on it with a QR code of
// its verification address, so anyone handed a letter can check that the
// Dinas issued it. The check says what the letter is and nothing more.

// codeAlphabet leaves out 0, O, 1, I and L, which a person copying a code
// from paper confuses.
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// verificationCodeLen gives 31^10 (about 8·10^14) codes: guessing one is
// hopeless at any rate the server allows.
const verificationCodeLen = 10

func newVerificationCode() string {
	b := make([]byte, verificationCodeLen)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b)
}

// FormatVerificationCode writes a code as it is printed: ABCDE-FGHJK.
func FormatVerificationCode(code string) string {
	if len(code) != verificationCodeLen {
		return code
	}
	return code[:5] + "-" + code[5:]
}

// normaliseCode reads a code as a person types it: any case, with or
// without the dash and spaces.
func normaliseCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, strings.TrimSpace(s))
}

// LetterCheck is what the verification of a letter shows.
type LetterCheck struct {
	Number       string
	Kind         string // SP1, SP2, SP3, REK, HENTI, TRM, TOLAK, SELESAI
	IssuedAt     time.Time
	BusinessName string
}

// VerifyLetter finds the letter with code; an unknown code is not found.
func (s *Service) VerifyLetter(ctx context.Context, code string) (LetterCheck, error) {
	code = normaliseCode(code)
	unknown := fault.NotFound("letter_not_found", "Tidak ada surat dengan kode verifikasi ini.")
	if len(code) != verificationCodeLen || strings.Trim(code, codeAlphabet) != "" {
		return LetterCheck{}, unknown
	}
	var out LetterCheck
	err := s.db.WithContext(ctx).Raw(`
		SELECT l.number, l.kind, l.issued_at, b.name AS business_name
		FROM sanction_letters l
		JOIN sanction_cases c ON c.id = l.case_id
		JOIN businesses b ON b.id = c.business_id
		WHERE l.verification_code = ?`, code).Take(&out).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return LetterCheck{}, unknown
	case err != nil:
		return LetterCheck{}, fmt.Errorf("sanction: verify letter: %w", err)
	}
	return out, nil
}

// VerificationURL is the address a letter's QR code leads to.
func (s *Service) VerificationURL(code string) string {
	return strings.TrimRight(s.publicURL, "/") + "/verifikasi/" + code
}
