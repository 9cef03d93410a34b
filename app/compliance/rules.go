package compliance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/fault"
	"kemitraan/app/registry"
)

// Recommendation is the last rung of every ladder: a recommendation to the
// licensing authority rather than a warning.
const Recommendation = "recommendation"

// RuleSet is one version of the Perbup's numbers. It is immutable
// once in force: an amendment is a new version with a later effective date.
type RuleSet struct {
	Version       string `json:"version"`
	Title         string `json:"title"`
	EffectiveFrom Date   `json:"effective_from"`
	// Period is the kind of reporting period the rule set speaks of.
	Period PeriodKind `json:"period"`
	// ReportDueDay is the day of the month after a period ends on which its
	// report is due (inclusive, until 23:59:59 clock.WIB).
	ReportDueDay int `json:"report_due_day"`
	// ConfirmationWindowDays is how long an IKM has to confirm a reported
	// purchase before it stays unconfirmed and does not count.
	ConfirmationWindowDays int `json:"confirmation_window_days"`
	// ResponseWindowDays is how long a business has to answer a warning.
	ResponseWindowDays int                `json:"response_window_days"`
	Minimums           map[string]Minimum `json:"minimums"`
	Thresholds         Thresholds         `json:"thresholds"`
	// Ladder is the warnings in order, ending with "recommendation".
	Ladder []string `json:"ladder"`
	// LegalBasis is the regulation these numbers come from, cited on
	// letters; nil for a version written before it was recorded, whose
	// letters cite the Perbup without its number.
	LegalBasis *LegalBasis `json:"legal_basis,omitempty"`
	// PaymentDueDays is how many days after the purchase a company has to
	// pay an IKM when no approved agreement says otherwise; nil means
	// DefaultPaymentDueDays. (The payment keys came after versions were in
	// force: left out, they leave a stored version's content as it was.)
	PaymentDueDays *int `json:"payment_due_days,omitempty"`
	// CountsWhen says when a purchase counts toward the period:
	// CountsConfirmed ("" too) or CountsPaid.
	CountsWhen string `json:"counts_when,omitempty"`
	// MinimumPaidOnTimePercent, when above 0, is a further metric: the
	// share of the period's rupiah paid within terms must reach it.
	MinimumPaidOnTimePercent int `json:"minimum_paid_on_time_percent,omitempty"`
}

// When purchases count (RuleSet.CountsWhen).
const (
	// CountsConfirmed: once the IKM (or an officer) confirmed it; a
	// consignment delivery only once it is paid.
	CountsConfirmed = "confirmed"
	// CountsPaid: confirmed and paid, by the IKM's word or the company's
	// undisputed report, no later than the period's report due date.
	CountsPaid = "paid"
)

// CountsWhenValues lists the values of counts_when.
var CountsWhenValues = []string{CountsConfirmed, CountsPaid}

// DefaultPaymentDueDays is the payment term of a rule set that names none.
const DefaultPaymentDueDays = 30

// PaymentDays is the payment term in days for a purchase outside an
// agreement with its own.
func (r RuleSet) PaymentDays() int {
	if r.PaymentDueDays == nil {
		return DefaultPaymentDueDays
	}
	return *r.PaymentDueDays
}

// CountsOnlyPaid reports whether only paid purchases count.
func (r RuleSet) CountsOnlyPaid() bool { return r.CountsWhen == CountsPaid }

// LegalBasis names the Perbup and the article a letter invokes.
type LegalBasis struct {
	// Regulation is the kind of instrument and its issuer, "Peraturan
	// Bupati Bekasi".
	Regulation string `json:"regulation"`
	Number     string `json:"number"` // "12"
	Year       int    `json:"year"`   // 2024
	// Title is what the regulation is about, the words after "tentang".
	Title string `json:"title"`
	// Article is the provision on the obligation and its sanctions,
	// "Pasal 15".
	Article string `json:"article"`
}

// Citation is the regulation as a letter names it: Peraturan Bupati Bekasi
// Nomor 12 Tahun 2024 tentang Kemitraan …
func (b LegalBasis) Citation() string {
	return fmt.Sprintf("%s Nomor %s Tahun %d tentang %s", b.Regulation, b.Number, b.Year, b.Title)
}

// DefaultRegulation is the instrument a legal basis names when its file
// leaves regulation out.
const DefaultRegulation = "Peraturan Bupati"

// Minimum is a category's obligation per period.
type Minimum struct {
	PurchaseValue int64 `json:"purchase_value" yaml:"purchase_value"` // rupiah
	IKMCount      int   `json:"ikm_count" yaml:"ikm_count"`           // distinct IKM
	OutletSlots   int   `json:"outlet_slots" yaml:"outlet_slots"`     // average slots in place
}

// Thresholds decide a status from the fulfilment ratios, in whole percent.
type Thresholds struct {
	// CompliantPercent: every metric with a target at or above it is compliant.
	CompliantPercent int `json:"compliant_percent" yaml:"compliant_percent"`
	// PartialMeanPercent: otherwise, a mean of the ratios (each capped at
	// 100%) at or above it is partial (a guidance notice, no case).
	PartialMeanPercent int `json:"partial_mean_percent" yaml:"partial_mean_percent"`
}

// Date is a calendar date without a zone, written 2025-01-01.
type Date struct{ time.Time }

func (d Date) String() string               { return d.Format(time.DateOnly) }
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
func (d *Date) UnmarshalText(b []byte) error {
	t, err := time.Parse(time.DateOnly, string(b))
	if err != nil {
		return fmt.Errorf("tanggal %q tidak valid: tulis YYYY-MM-DD", string(b))
	}
	d.Time = t
	return nil
}

// ReportDueDate is the last day on which p's period report is on time: the
// rule set's due day of the month after p ends.
func (r RuleSet) ReportDueDate(p Period) time.Time {
	n := p.Next().FirstDay()
	return time.Date(n.Year(), n.Month(), r.ReportDueDay, 0, 0, 0, 0, time.UTC)
}

// ReportDeadline is the instant p's report becomes late: 00:00 clock.WIB on the day
// after the due date. A report submitted before it is on time.
func (r RuleSet) ReportDeadline(p Period) time.Time {
	return StartOfDay(r.ReportDueDate(p).AddDate(0, 0, 1))
}

// PeriodMismatch says why r cannot judge p when r speaks of periods of
// another kind, naming the period to write instead; "" when the kinds agree.
func (r RuleSet) PeriodMismatch(p Period) string {
	if p.Kind == r.Period {
		return ""
	}
	return fmt.Sprintf("aturan %s memakai periode %s; tulis periode seperti %s",
		r.Version, r.Period.Name(), PeriodContaining(r.Period, p.Start()))
}

// ConfirmationWindow is how long an IKM has to confirm a purchase.
func (r RuleSet) ConfirmationWindow() time.Duration {
	return time.Duration(r.ConfirmationWindowDays) * 24 * time.Hour
}

// ConfirmationDeadline is when a purchase reported at reportedAt stops being
// confirmable by its IKM.
func (r RuleSet) ConfirmationDeadline(reportedAt time.Time) time.Time {
	return reportedAt.Add(r.ConfirmationWindow())
}

// ResponseDueDate is the last day to answer a warning decided at decidedAt:
// the response window counted in calendar days from the decision's clock.WIB date.
func (r RuleSet) ResponseDueDate(decidedAt time.Time) time.Time {
	return clock.DateIn(decidedAt).AddDate(0, 0, r.ResponseWindowDays)
}

// ResponseDeadline is the instant the answer to a warning decided at
// decidedAt is late: 00:00 clock.WIB after the due date.
func (r RuleSet) ResponseDeadline(decidedAt time.Time) time.Time {
	return StartOfDay(r.ResponseDueDate(decidedAt).AddDate(0, 0, 1))
}

// Minimum returns category's minimum (zero for a category the rule set
// leaves without one).
func (r RuleSet) Minimum(category string) Minimum { return r.Minimums[category] }

// Warnings are the ladder's warning rungs (SP1, SP2, SP3 by default).
func (r RuleSet) Warnings() []string { return r.Ladder[:len(r.Ladder)-1] }

// ruleFile is the YAML shape of a rule set file; pointers tell a missing key
// from a zero.
type ruleFile struct {
	Version                *string                 `yaml:"version"`
	Title                  *string                 `yaml:"title"`
	EffectiveFrom          *string                 `yaml:"effective_from"`
	Period                 *string                 `yaml:"period"`
	ReportDueDay           *int                    `yaml:"report_due_day"`
	ConfirmationWindowDays *int                    `yaml:"confirmation_window_days"`
	ResponseWindowDays     *int                    `yaml:"response_window_days"`
	Minimums               map[string]*minimumFile `yaml:"minimums"`
	Thresholds             *thresholdsFile         `yaml:"thresholds"`
	Ladder                 []string                `yaml:"ladder"`
	LegalBasis             *legalBasisFile         `yaml:"legal_basis"`
	PaymentDueDays         *int                    `yaml:"payment_due_days"`
	CountsWhen             *string                 `yaml:"counts_when"`
	MinimumPaidOnTime      *int                    `yaml:"minimum_paid_on_time_percent"`
}

type legalBasisFile struct {
	Regulation *string `yaml:"regulation"`
	Number     *string `yaml:"number"`
	Year       *int    `yaml:"year"`
	Title      *string `yaml:"title"`
	Article    *string `yaml:"article"`
}

type minimumFile struct {
	PurchaseValue *int64 `yaml:"purchase_value"`
	IKMCount      *int   `yaml:"ikm_count"`
	OutletSlots   *int   `yaml:"outlet_slots"`
}

type thresholdsFile struct {
	CompliantPercent   *int `yaml:"compliant_percent"`
	PartialMeanPercent *int `yaml:"partial_mean_percent"`
}

var (
	versionPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
	warningPattern = regexp.MustCompile(`^SP[1-9]$`)
	// yaml.v3 says "line 7: field foo not found in type compliance.ruleFile".
	unknownField = regexp.MustCompile(`line (\d+): field (\S+) not found`)
)

// maxPurchaseMinimum keeps a typo (an extra few zeros) from becoming law.
const maxPurchaseMinimum = 1_000_000_000_000 // Rp1 trillion per period

// ParseRuleSet reads and validates one rule set document. Every problem is
// reported at once, each naming its key (minimums.hotel.ikm_count) and why,
// in Bahasa Indonesia.
func ParseRuleSet(src []byte) (RuleSet, error) {
	var f ruleFile
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	var c fault.Checker
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return RuleSet{}, fault.Invalid(fault.Field("(berkas)", "dokumen aturan kosong"))
		}
		// A type error (an unknown key, a wrong type) leaves the rest
		// decoded: report it beside every other problem. Anything else
		// means the YAML itself is unreadable.
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return RuleSet{}, yamlProblem(src, err)
		}
		fe, _ := fault.As(yamlProblem(src, err))
		for _, fld := range fe.Fields {
			c.Add(fld.Field, fld.Reason)
		}
	}
	var r RuleSet
	// One reason per key: a key the decoder already faulted is not also
	// reported missing.
	add := func(key, reason string) {
		if !c.Has(key) {
			c.Add(key, reason)
		}
	}

	if f.Version == nil || *f.Version == "" {
		add("version", "wajib diisi, misalnya bekasi-2025")
	} else if !versionPattern.MatchString(*f.Version) {
		add("version", "hanya huruf kecil, angka, titik, garis bawah dan tanda hubung (maks. 63 karakter)")
	} else {
		r.Version = *f.Version
	}
	if f.Title != nil {
		r.Title = strings.TrimSpace(*f.Title)
	}
	if f.EffectiveFrom == nil {
		add("effective_from", "wajib diisi (YYYY-MM-DD)")
	} else if err := r.EffectiveFrom.UnmarshalText([]byte(*f.EffectiveFrom)); err != nil {
		add("effective_from", err.Error())
	}
	if f.Period == nil {
		add("period", "wajib diisi: quarterly, monthly atau semester")
	} else if k := PeriodKind(*f.Period); !k.Valid() {
		add("period", "harus quarterly, monthly atau semester")
	} else {
		r.Period = k
	}
	intKey := func(key string, v *int, lo, hi int, dst *int) {
		switch {
		case v == nil:
			add(key, "wajib diisi")
		case *v < lo || *v > hi:
			add(key, fmt.Sprintf("harus antara %d dan %d", lo, hi))
		default:
			*dst = *v
		}
	}
	// Day 28 at most so every month has the due day.
	intKey("report_due_day", f.ReportDueDay, 1, 28, &r.ReportDueDay)
	intKey("confirmation_window_days", f.ConfirmationWindowDays, 1, 90, &r.ConfirmationWindowDays)
	intKey("response_window_days", f.ResponseWindowDays, 1, 90, &r.ResponseWindowDays)

	r.Minimums = make(map[string]Minimum, len(registry.Categories))
	if f.Minimums == nil {
		add("minimums", "wajib diisi: satu entri per kategori ("+strings.Join(registry.Categories, ", ")+")")
	}
	for name := range f.Minimums {
		if !slices.Contains(registry.Categories, name) {
			add("minimums."+name, fault.OneOf(registry.Categories))
		}
	}
	for _, cat := range registry.Categories {
		m, ok := f.Minimums[cat]
		if f.Minimums != nil && !ok {
			add("minimums."+cat, "wajib ada (tulis 0 bila kategori ini tidak punya kewajiban)")
			continue
		}
		if m == nil {
			if ok {
				add("minimums."+cat, "wajib berisi purchase_value, ikm_count dan outlet_slots")
			}
			continue
		}
		key := "minimums." + cat + "."
		var min Minimum
		switch {
		case m.PurchaseValue == nil:
			add(key+"purchase_value", "wajib diisi (rupiah, 0 bila tidak ada)")
		case *m.PurchaseValue < 0 || *m.PurchaseValue > maxPurchaseMinimum:
			add(key+"purchase_value", "harus antara 0 dan 1.000.000.000.000 rupiah")
		default:
			min.PurchaseValue = *m.PurchaseValue
		}
		intKey(key+"ikm_count", m.IKMCount, 0, 10_000, &min.IKMCount)
		intKey(key+"outlet_slots", m.OutletSlots, 0, 10_000, &min.OutletSlots)
		r.Minimums[cat] = min
	}

	if f.Thresholds == nil {
		add("thresholds", "wajib diisi: compliant_percent dan partial_mean_percent")
	} else {
		intKey("thresholds.compliant_percent", f.Thresholds.CompliantPercent, 1, 100, &r.Thresholds.CompliantPercent)
		intKey("thresholds.partial_mean_percent", f.Thresholds.PartialMeanPercent, 0, 100, &r.Thresholds.PartialMeanPercent)
		if !c.Has("thresholds.compliant_percent") && !c.Has("thresholds.partial_mean_percent") &&
			r.Thresholds.PartialMeanPercent > r.Thresholds.CompliantPercent {
			add("thresholds.partial_mean_percent", "tidak boleh melebihi compliant_percent")
		}
	}

	c2 := checkLadder(f.Ladder)
	for _, fe := range c2 {
		add(fe.Field, fe.Reason)
	}
	r.Ladder = f.Ladder
	if f.LegalBasis != nil {
		r.LegalBasis = parseLegalBasis(f.LegalBasis, add)
	}
	// The payment keys are optional: without them a purchase is due in
	// DefaultPaymentDueDays and counts once confirmed.
	if f.PaymentDueDays != nil {
		var days int
		intKey("payment_due_days", f.PaymentDueDays, 0, 180, &days)
		r.PaymentDueDays = &days
	}
	if f.CountsWhen != nil {
		if !slices.Contains(CountsWhenValues, *f.CountsWhen) {
			add("counts_when", fault.OneOf(CountsWhenValues))
		} else if *f.CountsWhen == CountsPaid {
			r.CountsWhen = CountsPaid // confirmed is the default, stored as nothing
		}
	}
	if f.MinimumPaidOnTime != nil {
		intKey("minimum_paid_on_time_percent", f.MinimumPaidOnTime, 0, 100, &r.MinimumPaidOnTimePercent)
	}
	if err := c.Err(); err != nil {
		return RuleSet{}, err
	}
	return r, nil
}

// parseLegalBasis checks a legal_basis block: once written, every part of
// the citation but the instrument's name is required, as a letter citing
// half a regulation is worse than one citing it by name only.
func parseLegalBasis(f *legalBasisFile, add func(key, reason string)) *LegalBasis {
	b := LegalBasis{Regulation: DefaultRegulation}
	text := func(key string, v *string, max int, example string, dst *string) {
		switch {
		case v == nil || strings.TrimSpace(*v) == "":
			add("legal_basis."+key, "wajib diisi, misalnya "+example)
		case utf8.RuneCountInString(strings.TrimSpace(*v)) > max:
			add("legal_basis."+key, fmt.Sprintf("paling banyak %d karakter", max))
		default:
			*dst = strings.Join(strings.Fields(*v), " ")
		}
	}
	if f.Regulation != nil {
		text("regulation", f.Regulation, 100, "Peraturan Bupati Bekasi", &b.Regulation)
	}
	text("number", f.Number, 20, "12", &b.Number)
	text("title", f.Title, 300, "Kemitraan Usaha Besar dengan Industri Kecil dan Menengah", &b.Title)
	text("article", f.Article, 100, "Pasal 15", &b.Article)
	switch {
	case f.Year == nil:
		add("legal_basis.year", "wajib diisi, misalnya 2024")
	case *f.Year < 1950 || *f.Year > 2100:
		add("legal_basis.year", "harus antara 1950 dan 2100")
	default:
		b.Year = *f.Year
	}
	return &b
}

func checkLadder(ladder []string) []fault.FieldError {
	if len(ladder) < 2 {
		return []fault.FieldError{fault.Field("ladder",
			"wajib berisi minimal satu teguran lalu recommendation, misalnya [SP1, SP2, SP3, recommendation]")}
	}
	var out []fault.FieldError
	for i, rung := range ladder {
		key := fmt.Sprintf("ladder[%d]", i)
		if i == len(ladder)-1 {
			if rung != Recommendation {
				out = append(out, fault.Field(key, "anak tangga terakhir harus recommendation"))
			}
			continue
		}
		if want := fmt.Sprintf("SP%d", i+1); rung != want || !warningPattern.MatchString(rung) {
			out = append(out, fault.Field(key, "teguran harus berurutan: "+want))
		}
	}
	return out
}

// yamlProblem turns a YAML decoding error into field errors naming the key
// (found by line in the document) and why, never a Go type name.
func yamlProblem(src []byte, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fault.Invalid(fault.Field("(berkas)", "YAML tidak dapat dibaca: "+strings.TrimPrefix(err.Error(), "yaml: ")))
	}
	var c fault.Checker
	for _, msg := range te.Errors {
		if m := unknownField.FindStringSubmatch(msg); m != nil {
			name := m[2]
			c.Add(keyAt(src, m[1], name, func(k, _ *yaml.Node) bool { return k.Value == name }), "kunci tidak dikenal")
			continue
		}
		if m := wrongType.FindStringSubmatch(msg); m != nil {
			value := strings.Trim(m[2], "`")
			c.Add(keyAt(src, m[1], "(baris "+m[1]+")", func(_, v *yaml.Node) bool { return v.Value == value }), fmt.Sprintf("nilai %s harus berupa %s", m[2], goTypeName(m[3])))
			continue
		}
		c.Add("(berkas)", "nilai tidak sesuai jenisnya: "+msg)
	}
	return c.Err()
}

var wrongType = regexp.MustCompile("line (\\d+): cannot unmarshal !!\\w+ (`[^`]*`|\\S+) into (\\S+)")

func goTypeName(t string) string {
	switch strings.TrimPrefix(t, "*") {
	case "int", "int64":
		return "bilangan bulat"
	case "string":
		return "teks"
	case "[]string":
		return "daftar teks"
	default:
		return "objek dengan kunci yang dikenal"
	}
}

// keyAt finds the dotted path of the key written on line (1-based) of src
// that match accepts (flow mappings put several keys on a line), falling back
// to fallback.
func keyAt(src []byte, line, fallback string, match func(key, val *yaml.Node) bool) string {
	var root yaml.Node
	var n int
	if _, err := fmt.Sscan(line, &n); err != nil || yaml.Unmarshal(src, &root) != nil {
		return fallback
	}
	var walk func(node *yaml.Node, prefix string) string
	walk = func(node *yaml.Node, prefix string) string {
		switch node.Kind {
		case yaml.DocumentNode:
			for _, c := range node.Content {
				if k := walk(c, prefix); k != "" {
					return k
				}
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(node.Content); i += 2 {
				key, val := node.Content[i], node.Content[i+1]
				path := key.Value
				if prefix != "" {
					path = prefix + "." + key.Value
				}
				if k := walk(val, path); k != "" {
					return k
				}
				if key.Line == n && match(key, val) {
					return path
				}
			}
		case yaml.SequenceNode:
			for i, c := range node.Content {
				if k := walk(c, fmt.Sprintf("%s[%d]", prefix, i)); k != "" {
					return k
				}
				if c.Line == n && c.Kind == yaml.ScalarNode && match(c, c) {
					return fmt.Sprintf("%s[%d]", prefix, i)
				}
			}
		}
		return ""
	}
	if k := walk(&root, ""); k != "" {
		return k
	}
	return fallback
}
