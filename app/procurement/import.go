package procurement

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"kemitraan/app/audit"
	"kemitraan/app/compliance"
	"kemitraan/app/notify"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/format"
	"kemitraan/app/platform/sheet"
)

// ImportInput is an uploaded CSV or XLSX of purchases.
type ImportInput struct {
	File   io.Reader
	DryRun bool // check everything, store nothing
	// Preview asks for the first Preview rows as they would be stored (with
	// the IKM's name) when the file is clean.
	Preview int
	// Progress, when set, follows the import as it runs.
	Progress *ImportProgress
	// EachError, when set, is called with every error found, not only the
	// first MaxImportErrors the answer lists: for a file of the bad rows.
	EachError func(fault.FieldError)
	// SkipBad stores the good rows of a file with bad ones and sets the bad
	// ones aside (Skipped), to be fixed and imported on their own; a file
	// with no good row is still refused.
	SkipBad bool
}

// ImportStage is how far an import has come.
type ImportStage int32

const (
	ImportReading  ImportStage = iota // streaming the rows, each checked on its own
	ImportChecking                    // the checks against the registry and earlier reports
	ImportStoring                     // storing the purchases and their links
)

// ImportProgress is what a running import has done so far; another
// goroutine may read it at any time.
type ImportProgress struct {
	rows  atomic.Int64
	stage atomic.Int32
}

// Rows is the number of data rows read so far.
func (p *ImportProgress) Rows() int64 { return p.rows.Load() }

// Stage is the step the import is in.
func (p *ImportProgress) Stage() ImportStage { return ImportStage(p.stage.Load()) }

func (p *ImportProgress) set(stage ImportStage) {
	if p != nil {
		p.stage.Store(int32(stage))
	}
}

// ImportRow is one row of a clean file as it would be stored.
type ImportRow struct {
	Line            int
	InvoiceNumber   string
	IKMNIB          string `gorm:"column:ikm_nib"`
	IKMName         string `gorm:"column:ikm_name"`
	PurchaseDate    time.Time
	PaidDate        *time.Time
	Description     string
	Quantity        int64
	Amount          int64
	AgreementNumber *string
}

// ImportResult says what an import did (or, in a dry run, would do).
type ImportResult struct {
	Format      sheet.Format
	DryRun      bool
	Rows        int   // data rows in the file
	Created     int   // purchases stored (0 in a dry run)
	TotalAmount int64 // sum of the rows' amounts
	FirstID     int64 // ids of the stored purchases, in file order
	LastID      int64
	Preview     []ImportRow // the first rows of a clean file, when asked
	Skipped     int         // bad rows set aside (SkipBad)
}

// MaxImportErrors caps the errors listed in one answer (the first, in line
// order); the answer always gives how many rows were bad and how many
// errors it left out.
const MaxImportErrors = 1000

// linksPerMail caps the confirmation links one import e-mail lists.
const linksPerMail = 20

var errRollback = errors.New("procurement: roll back")

// Import reports many purchases from a file, all or nothing. The file is
// read once, streaming: each row is checked on its own and copied (COPY)
// into a temporary table, then everything that needs the database (unknown
// or inactive IKM, agreements, invoice numbers repeated in the file or
// already reported) is checked set-based, and every bad row is answered with
// its line, column and reason. Only a clean file is stored, with its
// confirmation links and e-mails, in the same transaction.
func (s *Service) Import(ctx context.Context, in ImportInput, idem *Idem[ImportResult]) (ImportResult, *Replay, error) {
	a, err := reporter(ctx)
	if err != nil {
		return ImportResult{}, nil, err
	}
	hash := sha256.New()
	fmt.Fprintf(hash, "purchases.import dry_run=%t\n", in.DryRun)
	if in.SkipBad {
		fmt.Fprintln(hash, "skip_bad")
	}
	rows, err := sheet.Open(io.TeeReader(in.File, hash), sheet.Limits{MaxUnzipped: 1 << 30})
	if err != nil {
		if _, ok := fault.As(err); ok {
			return ImportResult{}, nil, err
		}
		return ImportResult{}, nil, fmt.Errorf("procurement: open import: %w", err)
	}
	defer rows.Close()

	secret, err := s.signingSecret(ctx)
	if err != nil {
		return ImportResult{}, nil, err
	}
	// COPY needs the pgx connection under database/sql, so the whole unit of
	// work runs on one dedicated connection.
	conn, db, err := database.DedicatedConn(ctx, s.db)
	if err != nil {
		return ImportResult{}, nil, fmt.Errorf("procurement: import connection: %w", err)
	}
	defer conn.Close()

	format := rows.Format
	res := ImportResult{Format: format, DryRun: in.DryRun}
	var replay *Replay
	err = db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`CREATE TEMP TABLE purchase_import (
				line int NOT NULL, invoice_number text NOT NULL, ikm_nib text NOT NULL, agreement_number text,
				purchase_date date NOT NULL, paid_date date, description text NOT NULL, quantity bigint NOT NULL,
				amount bigint NOT NULL, salt bytea NOT NULL
			) ON COMMIT DROP`).Error; err != nil {
			return fmt.Errorf("procurement: staging table: %w", err)
		}
		st, err := s.stage(ctx, conn, rows, format, in)
		if err != nil {
			return err
		}
		// Drain what a CSV reader left unread so the hash covers the file;
		// a file that cannot be read to its end is not imported.
		if _, err := io.Copy(io.Discard, in.File); err != nil {
			return err
		}
		res.Rows, res.TotalAmount = st.rows, st.total
		// A repeated request replays its first answer before anything is
		// checked again (its rows would now all be duplicates).
		if idem != nil && idem.Key != "" && !in.DryRun {
			idem.Hash = hash.Sum(nil)
			r, err := claim(ctx, tx, a.BusinessID, idem.Key, idem.Hash, s.now())
			if err != nil {
				return err
			}
			if r != nil {
				replay = r
				return errRollback
			}
		}
		if st.rows == 0 && len(st.errs) == 0 {
			return fault.Invalid(fault.Field("file", "berkas tidak berisi baris data"))
		}
		in.Progress.set(ImportChecking)
		if err := s.checkStaged(ctx, tx, a.BusinessID, st, in.EachError); err != nil {
			if res.Skipped, err = skipBad(tx, in, st, err); err != nil {
				return err
			}
			if err := tx.Raw(`SELECT coalesce(sum(amount), 0) FROM purchase_import`).Row().Scan(&res.TotalAmount); err != nil {
				return err
			}
		}
		if in.Preview > 0 {
			if err := tx.Raw(`SELECT s.line, s.invoice_number, s.ikm_nib, i.name AS ikm_name, s.purchase_date,
					s.paid_date, s.description, s.quantity, s.amount, s.agreement_number
				FROM purchase_import s JOIN ikms i ON i.nib = s.ikm_nib ORDER BY s.line LIMIT ?`, in.Preview).
				Scan(&res.Preview).Error; err != nil {
				return fmt.Errorf("procurement: import preview: %w", err)
			}
		}
		if in.DryRun {
			return errRollback
		}
		in.Progress.set(ImportStoring)
		if err := s.storeStaged(ctx, tx, a, &res, secret); err != nil {
			return err
		}
		if idem != nil && idem.Key != "" {
			status, body, err := idem.Answer(res)
			if err != nil {
				return err
			}
			return database.Exec(ctx, tx, completeStmt(a.BusinessID, idem.Key, status, body))
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return res, replay, err
}

// skipBad sets the bad rows of a rejected file aside when the caller asked
// for it and some row is good: it answers how many; any other error stands.
func skipBad(tx *gorm.DB, in ImportInput, st *staged, rejected error) (int, error) {
	fe, ok := fault.As(rejected)
	if !in.SkipBad || !ok || fe.Code != "import_rejected" {
		return 0, rejected
	}
	bad, _ := fe.Extra["bad_rows"].(int)
	if bad >= st.rows {
		return 0, rejected
	}
	if err := tx.Exec(`DELETE FROM purchase_import WHERE line IN (SELECT line FROM purchase_import_errors)`).Error; err != nil {
		return 0, err
	}
	return bad, nil
}

// staged is what the streaming pass found.
type staged struct {
	layout   sheet.Header
	rows     int // data rows read
	total    int64
	badLines int
	errCount int                // field errors found while streaming
	errs     []fault.FieldError // the first MaxImportErrors of them
	each     func(fault.FieldError)
}

func (st *staged) bad(e ...fault.FieldError) {
	st.badLines++
	st.errCount += len(e)
	for _, fe := range e {
		if st.each != nil {
			st.each(fe)
		}
		if len(st.errs) < MaxImportErrors {
			st.errs = append(st.errs, fe)
		}
	}
}

var stageColumns = []string{"line", "invoice_number", "ikm_nib", "agreement_number", "purchase_date", "paid_date",
	"description", "quantity", "amount", "salt"}

// stage reads the header and streams every row, checked on its own, into
// the staging table with COPY.
func (s *Service) stage(ctx context.Context, conn interface {
	Raw(func(any) error) error
}, rows *sheet.Reader, format sheet.Format, in ImportInput) (*staged, error) {
	st := &staged{each: in.EachError}
	var header []string
	var headerLine int
	for {
		cells, line, err := rows.Next()
		if errors.Is(err, io.EOF) {
			return nil, fault.Invalid(fault.Field("file", "berkas kosong: baris pertama harus berisi judul kolom"))
		}
		if err != nil {
			return nil, err
		}
		if !sheet.Blank(cells) {
			header, headerLine = slices.Clone(cells), line
			break
		}
	}
	l, err := readLayout(header, headerLine)
	if err != nil {
		return nil, err
	}
	st.layout = l
	salts := bufio.NewReaderSize(rand.Reader, 8<<10)
	src := &copySource{next: func() ([]any, error) {
		for {
			cells, line, err := rows.Next()
			if err != nil {
				return nil, err
			}
			if sheet.Blank(cells) {
				continue
			}
			st.rows++
			if in.Progress != nil {
				in.Progress.rows.Store(int64(st.rows))
			}
			if st.rows > s.cfg.ImportMaxRows {
				return nil, fault.Invalid(fault.FieldError{Field: "file", Line: line,
					Reason: fmt.Sprintf("berkas berisi lebih dari %d baris data; bagi menjadi beberapa berkas", s.cfg.ImportMaxRows)})
			}
			vals, errs := s.parseRow(l, cells, line, format, salts)
			if len(errs) > 0 {
				st.bad(errs...)
				continue
			}
			st.total += vals[8].(int64)
			return vals, nil
		}
	}}
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("procurement: import needs the pgx driver, got %T", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{"purchase_import"}, stageColumns, src)
		return err
	})
	if src.err != nil {
		return nil, src.err
	}
	if err != nil {
		return nil, fmt.Errorf("procurement: copy import rows: %w", err)
	}
	return st, nil
}

// copySource feeds COPY from the streaming reader, one row at a time.
type copySource struct {
	next func() ([]any, error)
	vals []any
	err  error
}

func (c *copySource) Next() bool {
	v, err := c.next()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			c.err = err
		}
		return false
	}
	c.vals = v
	return true
}

func (c *copySource) Values() ([]any, error) { return c.vals, nil }
func (c *copySource) Err() error             { return c.err }

// parseRow checks one row on its own and returns the staging values.
func (s *Service) parseRow(l sheet.Header, cells []string, line int, format sheet.Format, salts io.Reader) ([]any, []fault.FieldError) {
	var c fault.Checker
	get := func(n string) string { return l.Cell(cells, n) }
	names := func(n string) string { return l.Written(n) }
	qty := int64(1)
	if q := get("quantity"); q != "" {
		n, ok := parseWhole(q)
		if !ok {
			c.Add(names("quantity"), "harus bilangan bulat")
			n = 1
		}
		qty = n
	}
	var amount int64
	if v := get("amount"); v == "" {
		c.Add(names("amount"), reasonRequired)
		amount = 1
	} else if n, ok := parseWhole(v); !ok {
		c.Add(names("amount"), "harus bilangan bulat rupiah tanpa titik, koma atau Rp")
		amount = 1
	} else {
		amount = n
	}
	f := s.checkFields(&c, rawFields{invoice: get("invoice_number"), purchaseDate: sheet.DateCell(get("purchase_date"), format),
		paidDate: sheet.DateCell(get("paid_date"), format), description: get("description"), quantity: qty, amount: amount}, names)
	nib := get("ikm_nib")
	switch {
	case nib == "":
		c.Add(names("ikm_nib"), reasonRequired)
	case !nibPattern.MatchString(nib):
		c.Add(names("ikm_nib"), reasonNIB)
	}
	var agreement any
	if n := get("agreement_number"); n != "" {
		agreement = n
	}
	if err := c.Err(); err != nil {
		fe, _ := fault.As(err)
		for i := range fe.Fields {
			fe.Fields[i].Line = line
		}
		return nil, fe.Fields
	}
	// The random half of the purchase's link nonce (token.go); its id, the
	// other half, is drawn when it is stored.
	salt := make([]byte, 8)
	if _, err := io.ReadFull(salts, salt); err != nil {
		return nil, []fault.FieldError{rowError(line, "file", "tautan konfirmasi tidak dapat dibuat")}
	}
	var paid any
	if f.paidDate != nil {
		paid = *f.paidDate
	}
	return []any{int32(line), f.invoice, nib, agreement, f.purchaseDate, paid, f.description, f.quantity,
		f.amount, salt}, nil
}

// checkStaged runs the checks that need the database over the whole staged
// file at once, and answers every bad row (with those found while
// streaming).
func (s *Service) checkStaged(ctx context.Context, tx *gorm.DB, businessID int64, st *staged,
	each func(fault.FieldError)) error {
	if err := tx.Exec(`ANALYZE purchase_import`).Error; err != nil {
		return err
	}
	var first sql.NullTime
	if err := tx.Raw(`SELECT ` + compliance.FirstJudgedDaySQL).Row().Scan(&first); err != nil {
		return err
	}
	beforeRules := ""
	if first.Valid {
		beforeRules = reasonBeforeRules(first.Time)
	}
	if err := tx.Exec(`CREATE TEMP TABLE purchase_import_errors ON COMMIT DROP AS
		SELECT s.line, 'ikm_nib' AS col, @unknown AS reason FROM purchase_import s
			WHERE NOT EXISTS (SELECT 1 FROM ikms i WHERE i.nib = s.ikm_nib)
		UNION ALL
		SELECT s.line, 'purchase_date', @before_rules FROM purchase_import s WHERE s.purchase_date < CAST(@first AS date)
		UNION ALL
		SELECT s.line, 'ikm_nib', @inactive FROM purchase_import s JOIN ikms i ON i.nib = s.ikm_nib
			WHERE i.status <> 'active'
		UNION ALL
		SELECT d.line, 'invoice_number', 'nomor faktur ganda di dalam berkas (pertama di baris ' || d.first_line || ')'
			FROM (SELECT line, min(line) OVER (PARTITION BY invoice_number) AS first_line FROM purchase_import) d
			WHERE d.line <> d.first_line
		UNION ALL
		SELECT s.line, 'invoice_number', @taken FROM purchase_import s
			WHERE EXISTS (SELECT 1 FROM purchases p WHERE p.business_id = @business AND p.invoice_number = s.invoice_number)
		UNION ALL
		SELECT line, 'agreement_number', reason FROM (
			SELECT s.line, CASE
				WHEN a.id IS NULL THEN @agreement_gone
				WHEN a.status NOT IN ('approved', 'ended') THEN 'perjanjian belum disetujui (status: ' || a.status || ')'
				WHEN NOT EXISTS (SELECT 1 FROM agreement_ikms ai JOIN ikms i ON i.id = ai.ikm_id
					WHERE ai.agreement_id = a.id AND i.nib = s.ikm_nib) THEN @agreement_ikm
				WHEN s.purchase_date NOT BETWEEN a.start_date AND a.end_date THEN @agreement_date
				END AS reason
			FROM purchase_import s
			LEFT JOIN agreements a ON a.business_id = @business AND a.number = s.agreement_number
			WHERE s.agreement_number IS NOT NULL) g
		WHERE reason IS NOT NULL`,
		map[string]any{"unknown": reasonIKMUnknown, "inactive": reasonIKMInactive, "taken": reasonInvoiceTaken,
			"business": businessID, "agreement_gone": reasonAgreementGone, "agreement_ikm": reasonAgreementIKM,
			"agreement_date": reasonAgreementDate, "first": first, "before_rules": beforeRules}).Error; err != nil {
		return fmt.Errorf("procurement: import checks: %w", err)
	}
	var counts struct{ Errors, Lines int }
	if err := tx.Raw(`SELECT count(*) AS errors, count(DISTINCT line) AS lines FROM purchase_import_errors`).
		Scan(&counts).Error; err != nil {
		return err
	}
	if counts.Lines == 0 && st.badLines == 0 {
		return nil
	}
	if each != nil && counts.Errors > 0 {
		if err := eachStagedError(ctx, tx, st.layout, each); err != nil {
			return err
		}
	}
	var found []struct {
		Line   int
		Col    string
		Reason string
	}
	if err := tx.Raw(`SELECT line, col, reason FROM purchase_import_errors ORDER BY line, col LIMIT ?`,
		MaxImportErrors).Scan(&found).Error; err != nil {
		return err
	}
	errs := st.errs
	for _, f := range found {
		errs = append(errs, fault.FieldError{Field: st.layout.Written(f.Col), Line: f.Line, Reason: f.Reason})
	}
	slices.SortStableFunc(errs, func(a, b fault.FieldError) int { return a.Line - b.Line })
	shown := min(len(errs), MaxImportErrors)
	e := fault.Invalid(errs[:shown]...)
	e.Code = "import_rejected"
	total := counts.Lines + st.badLines
	omitted := st.errCount + counts.Errors - shown
	e.Detail = fmt.Sprintf("%d dari %d baris bermasalah; tidak ada yang disimpan. Perbaiki lalu kirim ulang seluruh berkas.",
		total, st.rows)
	if omitted > 0 {
		e.Detail += fmt.Sprintf(" Daftar ini memuat %d kesalahan pertama; %d kesalahan lain pada baris berikutnya tidak dicantumkan.",
			shown, omitted)
	}
	e.Extra = map[string]any{"rows": st.rows, "bad_rows": total, "errors_truncated": omitted > 0, "errors_omitted": omitted}
	return e
}

// eachStagedError passes every error the set-based checks found to each,
// in line order, without holding them all.
func eachStagedError(ctx context.Context, tx *gorm.DB, layout sheet.Header, each func(fault.FieldError)) error {
	rows, err := tx.WithContext(ctx).Raw(`SELECT line, col, reason FROM purchase_import_errors ORDER BY line, col`).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var fe fault.FieldError
		var col string
		if err := rows.Scan(&fe.Line, &col, &fe.Reason); err != nil {
			return err
		}
		fe.Field = layout.Written(col)
		each(fe)
	}
	return rows.Err()
}

// storeStaged inserts the checked rows with their confirmation tokens,
// queues one e-mail per IKM with an address and records the audit event.
func (s *Service) storeStaged(ctx context.Context, tx *gorm.DB, a actor.Actor, res *ImportResult, secret []byte) error {
	now := s.now()
	window, err := s.confirmationWindow(ctx, tx, now)
	if err != nil {
		return err
	}
	confirmBy := now.Add(window)
	userID := a.OptionalUserID()
	var tokenID *int64
	if a.TokenID != 0 {
		tokenID = &a.TokenID
	}
	var out struct {
		Created int
		FirstID int64
		LastID  int64
	}
	// Ids are drawn in file order, and each purchase's link nonce is its id
	// and the salt staged for its row.
	if err := tx.Raw(`WITH ins AS (
			INSERT INTO purchases (id, business_id, ikm_id, agreement_id, invoice_number, purchase_date, paid_date,
				description, quantity, amount, status, confirm_by, source, created_by, created_token_id, created_at,
				updated_at, link_nonce, payment_days, consignment)
			SELECT n.id, @business, n.ikm_id, n.agreement_id, n.invoice_number, n.purchase_date, n.paid_date,
				n.description, n.quantity, n.amount, 'reported', @confirm_by, @source, @user, @token, @now, @now,
				int8send(n.id) || n.salt, n.payment_days, n.consignment
			FROM (SELECT nextval('purchases_id_seq') AS id, o.* FROM (
				SELECT s.*, i.id AS ikm_id, a.id AS agreement_id,
				       coalesce(a.payment_days, terms.days, `+strconv.Itoa(compliance.DefaultPaymentDueDays)+`) AS payment_days,
				       coalesce(a.consignment, false) AS consignment
				FROM purchase_import s
				JOIN ikms i ON i.nib = s.ikm_nib
				LEFT JOIN agreements a ON s.agreement_number IS NOT NULL AND a.business_id = @business AND a.number = s.agreement_number
				LEFT JOIN (`+compliance.PaymentTermsSQL+`) terms ON s.purchase_date >= terms.effective_from
				     AND (terms.until IS NULL OR s.purchase_date < terms.until)
				ORDER BY s.line) o) n
			RETURNING id
		)
		SELECT count(*) AS created, coalesce(min(id), 0) AS first_id, coalesce(max(id), 0) AS last_id FROM ins`,
		map[string]any{"business": a.BusinessID, "confirm_by": confirmBy, "source": string(sourceOf(a, SourceImport)),
			"user": userID, "token": tokenID, "now": now}).Scan(&out).Error; err != nil {
		return fmt.Errorf("procurement: store import: %w", err)
	}
	if out.Created != res.Rows-res.Skipped {
		return fmt.Errorf("procurement: import stored %d of %d rows", out.Created, res.Rows-res.Skipped)
	}
	res.Created, res.FirstID, res.LastID = out.Created, out.FirstID, out.LastID
	if err := s.importMails(ctx, tx, a.BusinessID, confirmBy, secret); err != nil {
		return err
	}
	return audit.Record(ctx, tx, now, audit.Event{Action: "purchase.import", EntityType: "purchase",
		EntityID: fmt.Sprintf("%d-%d", out.FirstID, out.LastID), After: map[string]any{
			"business_id": a.BusinessID, "format": res.Format, "rows": res.Rows, "skipped": res.Skipped,
			"total_amount": res.TotalAmount,
			"first_id":     out.FirstID, "last_id": out.LastID, "source": sourceOf(a, SourceImport)}})
}

// importMails queues one e-mail per IKM with an address, listing its first
// purchases of the import with their links.
func (s *Service) importMails(ctx context.Context, tx *gorm.DB, businessID int64, confirmBy time.Time, secret []byte) error {
	var lines []struct {
		IKMID             int64
		IKMName           string
		Email             *string
		Phone             string
		WhatsAppConsentAt *time.Time `gorm:"column:whatsapp_consent_at"`
		N                 int
		Total             int64
		PurchaseID        int64
		InvoiceNumber     string
		PurchaseDate      time.Time
		Amount            int64
		Description       string
		Nonce             []byte
	}
	if err := tx.Raw(`SELECT x.* FROM (
			SELECT i.id AS ikm_id, i.name AS ikm_name, i.email, i.phone, i.whatsapp_consent_at, p.id AS purchase_id,
				s.invoice_number, s.purchase_date, s.amount, s.description, p.link_nonce AS nonce,
				row_number() OVER (PARTITION BY i.id ORDER BY s.line) AS rn,
				count(*) OVER (PARTITION BY i.id) AS n, sum(s.amount) OVER (PARTITION BY i.id) AS total
			FROM purchase_import s JOIN ikms i ON i.nib = s.ikm_nib
			JOIN purchases p ON p.business_id = ? AND p.invoice_number = s.invoice_number) x
		WHERE x.rn <= ? ORDER BY x.ikm_id, x.rn`, businessID, linksPerMail).Scan(&lines).Error; err != nil {
		return fmt.Errorf("procurement: import mails: %w", err)
	}
	if len(lines) == 0 {
		return nil
	}
	var business string
	if err := tx.Raw("SELECT name FROM businesses WHERE id = ?", businessID).Scan(&business).Error; err != nil {
		return err
	}
	deadline := confirmBy.In(clock.WIB)
	var msgs []notify.Message
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && lines[j].IKMID == lines[i].IKMID {
			j++
		}
		first := lines[i]
		channel, recipient := s.route(ikmRow{Email: first.Email, Phone: first.Phone, WhatsAppConsentAt: first.WhatsAppConsentAt})
		switch {
		case recipient == "":
			// Neither: the purchases wait in the officers' queue.
			i = j
			continue
		case channel == notify.ChannelWhatsApp:
			// One template message per purchase, as a purchase reported
			// singly gets, rendered when it is sent (at most linksPerMail).
			for _, l := range lines[i:j] {
				raw, err := json.Marshal(requestFacts{requestBase: requestBase{BusinessID: businessID,
					InvoiceNumber: l.InvoiceNumber, PurchaseDate: l.PurchaseDate.Format(time.DateOnly),
					Description: l.Description, Amount: l.Amount}, PurchaseID: l.PurchaseID, IKMID: l.IKMID,
					IKMName: l.IKMName, BusinessName: business, ConfirmBy: confirmBy, LinkNonce: hex.EncodeToString(l.Nonce)})
				if err != nil {
					return err
				}
				m := notify.Message{Kind: KindConfirmationRequest, Channel: channel, Recipient: recipient}
				if err := json.Unmarshal(raw, &m.Payload); err != nil {
					return err
				}
				msgs = append(msgs, m)
			}
			i = j
			continue
		}
		var list strings.Builder
		for j = i; j < len(lines) && lines[j].IKMID == lines[i].IKMID; j++ {
			l := lines[j]
			fmt.Fprintf(&list, "- %s, %s, %s: %s\n  %s\n", l.InvoiceNumber, format.Date(l.PurchaseDate), format.Rupiah(l.Amount),
				l.Description, s.link(tokenFor(secret, l.Nonce).value))
		}
		more := ""
		if first.N > j-i {
			more = fmt.Sprintf("\n%d pembelian lainnya dapat dikonfirmasi melalui akun IKM Anda di aplikasi Kemitraan\natau dengan menghubungi kami.\n", first.N-(j-i))
		}
		msgs = append(msgs, notify.Message{
			Kind: KindConfirmationRequest, Recipient: recipient,
			Subject: fmt.Sprintf("Mohon konfirmasi %d pembelian dari %s (%s)", first.N, business, format.Rupiah(first.Total)),
			Body: fmt.Sprintf(`Yth. %s,

%s melaporkan %d pembelian dari usaha Anda kepada %s,
senilai %s. Mohon periksa setiap pembelian lalu konfirmasi bila benar, atau
sanggah dengan alasannya bila tidak sesuai, paling lambat %s pukul %s WIB:

%s%s
Setiap tautan pribadi dan hanya dapat dipakai satu kali. Tanpa konfirmasi,
pembelian tidak dihitung kecuali diverifikasi oleh petugas Dinas.
Bila ada pertanyaan, hubungi kami.

%s`, first.IKMName, business, first.N, s.cfg.Office.FullName(), format.Rupiah(first.Total), format.Date(deadline),
				deadline.Format("15.04"), list.String(), more, notify.Signature(s.cfg.Office)),
			Payload: map[string]any{"ikm_id": first.IKMID, "business_id": businessID, "purchases": first.N},
		})
		i = j
	}
	return notify.Enqueue(ctx, tx, s.now(), msgs...)
}
