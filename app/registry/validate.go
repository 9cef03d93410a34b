package registry

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"kemitraan/app/platform/fault"
)

var (
	nibPattern  = regexp.MustCompile(`^[0-9]{13}$`)
	kbliPattern = regexp.MustCompile(`^[0-9]{5}$`)
)

// Upper bounds that no real record reaches; beyond them a value is a typo
// (or an attack), and the database column would overflow anyway.
const (
	maxEmployees       = 1_000_000
	maxMonthlyCapacity = 100_000_000_000 // Rp100 miliar a month
	maxKBLICodes       = 50
)

// checkText trims *v and checks it: valid UTF-8 without control characters
// (line breaks allowed where multiline is true), at most max characters,
// and present when required.
func checkText(c *fault.Checker, field string, v *string, required bool, max int, multiline bool) {
	*v = strings.TrimSpace(*v)
	s := *v
	switch {
	case !utf8.ValidString(s):
		c.Add(field, "berisi teks yang tidak valid (bukan UTF-8)")
	case strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t'))
	}) >= 0:
		c.Add(field, "berisi karakter kendali yang tidak diizinkan")
	case required && s == "":
		c.Add(field, "wajib diisi")
	case utf8.RuneCountInString(s) > max:
		c.Add(field, fmt.Sprintf("paling banyak %d karakter", max))
	}
}

func checkNIB(c *fault.Checker, field string, v *string) {
	*v = strings.TrimSpace(*v)
	switch {
	case *v == "":
		c.Add(field, "wajib diisi")
	case !nibPattern.MatchString(*v):
		c.Add(field, "NIB harus tepat 13 digit angka")
	}
}

func checkOneOf(c *fault.Checker, field string, v *string, required bool, allowed []string) {
	*v = strings.TrimSpace(*v)
	if *v == "" {
		if required {
			c.Add(field, "wajib diisi; pilih salah satu dari: "+strings.Join(allowed, ", "))
		}
		return
	}
	for _, a := range allowed {
		if *v == a {
			return
		}
	}
	c.Add(field, fmt.Sprintf("%q tidak dikenal; pilih salah satu dari: %s", *v, strings.Join(allowed, ", ")))
}

func checkPhone(c *fault.Checker, field string, v *string) {
	*v = strings.TrimSpace(*v)
	if *v == "" {
		return
	}
	n, ok := NormalisePhone(*v)
	if !ok {
		c.Add(field, "nomor telepon Indonesia tidak valid; tulis mis. 0812-3456-7890, 62812…, +62 812… atau 021-8901234")
		return
	}
	*v = n
}

// NormalisePhone turns an Indonesian phone number written the usual ways
// (08…, 628…, +628…, landlines such as 021…, with spaces, dashes, dots or
// parentheses) into +62 followed by the national number. A number that a
// spreadsheet stored as a number has lost its leading 0 (812…); that is
// accepted too.
func NormalisePhone(s string) (string, bool) {
	var digits strings.Builder
	plus := false
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == '+' && i == 0:
			plus = true
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	d := digits.String()
	var national string
	switch {
	case strings.HasPrefix(d, "62"):
		national = d[2:]
	case plus:
		return "", false // another country
	case strings.HasPrefix(d, "0"):
		national = d[1:]
	case strings.HasPrefix(d, "8"):
		national = d
	default:
		return "", false
	}
	// +62 (0)812… : the trunk 0 written after the country code.
	national = strings.TrimPrefix(national, "0")
	switch {
	case national == "":
		return "", false
	case national[0] == '8': // mobile: 08xx-xxxx-xxxx, 10 to 13 digits with the 0
		if len(national) < 9 || len(national) > 12 {
			return "", false
		}
	case national[0] >= '2' && national[0] <= '9': // landline: area code and number
		if len(national) < 8 || len(national) > 11 {
			return "", false
		}
	default:
		return "", false
	}
	return "+62" + national, true
}

func checkEmail(c *fault.Checker, field string, v *string) {
	*v = strings.TrimSpace(*v)
	if *v == "" {
		return
	}
	if !utf8.ValidString(*v) || strings.IndexFunc(*v, unicode.IsControl) >= 0 {
		c.Add(field, "alamat e-mail berisi karakter yang tidak diizinkan")
		return
	}
	a, err := mail.ParseAddress(*v)
	at := strings.LastIndexByte(*v, '@')
	if err != nil || a.Address != *v || len(*v) > 254 || at < 1 ||
		!strings.Contains((*v)[at+1:], ".") || strings.HasSuffix(*v, ".") {
		c.Add(field, "alamat e-mail tidak valid; tulis mis. nama@contoh.co.id")
	}
}

// checkDate parses a YYYY-MM-DD date that is not after today. Empty means
// today.
func checkDate(c *fault.Checker, field, v string, today time.Time) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return today
	}
	d, err := time.Parse(time.DateOnly, v)
	switch {
	case err != nil:
		c.Add(field, "harus berupa tanggal dengan format YYYY-MM-DD, mis. 2024-07-15")
	case d.After(today):
		c.Add(field, "tidak boleh setelah hari ini")
	case d.Year() < 1945:
		c.Add(field, "tahun tidak wajar")
	}
	return d
}

// checkKBLI trims, drops duplicates and checks each code has five digits.
func checkKBLI(c *fault.Checker, field string, codes []string) []string {
	out := make([]string, 0, len(codes))
	seen := map[string]bool{}
	for _, code := range codes {
		code = strings.TrimSpace(code)
		if code == "" || seen[code] {
			continue
		}
		seen[code] = true
		if !kbliPattern.MatchString(code) {
			c.Add(field, fmt.Sprintf("kode KBLI %q harus 5 digit angka", truncate(code, 20)))
			continue
		}
		out = append(out, code)
	}
	if len(out) > maxKBLICodes {
		c.Add(field, fmt.Sprintf("paling banyak %d kode KBLI", maxKBLICodes))
	}
	return out
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
