package registry

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"kemitraan/app/audit"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/sheet"
)

// ImportFile is an uploaded table.
type ImportFile struct {
	Name string // as the client named it; recorded, never trusted
	Data []byte
}

// ImportResult counts what an import did or, in a dry run, would do.
type ImportResult struct {
	Format    string `json:"format"`
	Rows      int    `json:"rows"`
	Inserted  int    `json:"inserted"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	DryRun    bool   `json:"dry_run"`
}

// errDryRun rolls a dry run's transaction back after it has counted.
var errDryRun = errors.New("dry run")

// importAudit is the one audit event of an import.
type importAudit struct {
	File      string   `json:"file"`
	Format    string   `json:"format"`
	Rows      int      `json:"rows"`
	Inserted  int      `json:"inserted"`
	Updated   int      `json:"updated"`
	Unchanged int      `json:"unchanged"`
	NewNIBs   []string `json:"inserted_nibs"`
	Changed   []string `json:"updated_nibs"`
}

// runImport runs write inside one transaction: every row is validated
// first, any bad row refuses the whole file, and a dry run is rolled back
// after counting, so it reports exactly what a real run would do.
func (s *Service) runImport(ctx context.Context, f ImportFile, dryRun bool, entity string,
	write func(tx *gorm.DB, t sheet.Table) (inserted, updated []string, err error)) (ImportResult, error) {
	t, err := sheet.Read(f.Data, sheet.DefaultLimits)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Format: string(t.Format), Rows: len(t.Rows), DryRun: dryRun}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		inserted, updated, err := write(tx, t)
		if err != nil {
			return err
		}
		res.Inserted, res.Updated = len(inserted), len(updated)
		res.Unchanged = res.Rows - res.Inserted - res.Updated
		if err := audit.Record(ctx, tx, s.clock.Now(), audit.Event{
			Action: entity + ".import", EntityType: entity,
			After: importAudit{
				File: cleanFileName(f.Name), Format: res.Format, Rows: res.Rows, Inserted: res.Inserted,
				Updated: res.Updated, Unchanged: res.Unchanged, NewNIBs: inserted, Changed: updated,
			},
		}); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	return res, err
}

// cleanFileName keeps a client's file name printable and short for the
// audit trail.
func cleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "?")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	return name
}

// jsonArg passes a Go value to SQL as one jsonb parameter: a whole file's
// rows travel in one statement, whatever their number.
func jsonArg(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("registry: encode import rows: %w", err)
	}
	return string(b), nil
}

// importedBusiness is one valid row, ready to write.
type importedBusiness struct {
	line       int
	parentNIB  string // "" with the nib_induk column present: no parent
	registered bool   // the row gives a registration date
	row        businessRow
}

// businessRecord is a row as jsonb_to_recordset reads it.
type businessRecord struct {
	NIB           string   `json:"nib"`
	Name          string   `json:"name"`
	LegalForm     string   `json:"legal_form"`
	Category      string   `json:"category"`
	KBLI          []string `json:"kbli"`
	Address       string   `json:"address"`
	KecamatanCode string   `json:"kecamatan_code"`
	EmployeeCount int      `json:"employee_count"`
	ContactName   string   `json:"contact_name"`
	ContactPhone  string   `json:"contact_phone"`
	ContactEmail  string   `json:"contact_email"`
	Status        string   `json:"status"`
	RegisteredAt  string   `json:"registered_at"`
}

// businessImportColumns maps each import column to the database column it
// writes (nib_induk is written separately, as parent_id).
var businessImportColumns = map[string]string{
	"nama": "name", "bentuk_usaha": "legal_form", "kategori": "category", "kbli": "kbli",
	"alamat": "address", "kecamatan": "kecamatan_code", "jumlah_karyawan": "employee_count",
	"nama_kontak": "contact_name", "telepon_kontak": "contact_phone", "email_kontak": "contact_email",
	"tanggal_terdaftar": "registered_at", "status": "status",
}

// ImportBusinesses inserts or updates (by NIB) every business in the file,
// all or nothing. Columns the file lacks keep their current values on
// update and take their defaults on insert.
func (s *Service) ImportBusinesses(ctx context.Context, f ImportFile, dryRun bool) (ImportResult, error) {
	return s.runImport(ctx, f, dryRun, "business", func(tx *gorm.DB, t sheet.Table) ([]string, []string, error) {
		h, err := readHeader(t, businessColumns)
		if err != nil {
			return nil, nil, err
		}
		rows, err := s.checkBusinessRows(ctx, tx, t, h)
		if err != nil {
			return nil, nil, err
		}
		return s.writeBusinesses(ctx, tx, h, rows)
	})
}

// checkBusinessRows validates every row, first each on its own, then
// against the database and each other, and returns them all or the errors
// of all.
func (s *Service) checkBusinessRows(ctx context.Context, tx *gorm.DB, t sheet.Table, h header) ([]importedBusiness, error) {
	kec, err := s.kecamatan(ctx, tx)
	if err != nil {
		return nil, err
	}
	today := s.today()
	var errs []fault.FieldError
	bad := map[int]bool{}
	rows := make([]importedBusiness, 0, len(t.Rows))
	firstLine := map[string]int{} // NIB -> the line it first appears on
	for _, r := range t.Rows {
		re := rowErrors{h: h, line: r.Line}
		in := BusinessInput{
			NIB: h.cell(r, "nib"), Name: h.cell(r, "nama"), LegalForm: h.cell(r, "bentuk_usaha"),
			Category: aliased(h.cell(r, "kategori"), categoryAliases), KBLI: splitCodes(h.cell(r, "kbli")),
			Address: h.cell(r, "alamat"), ContactName: h.cell(r, "nama_kontak"),
			ContactPhone: h.cell(r, "telepon_kontak"), ContactEmail: h.cell(r, "email_kontak"),
		}
		if v := h.cell(r, "status"); v != "" {
			in.Status = aliased(v, businessStatusAliases)
		}
		in.KecamatanCode = s.importKecamatan(&re, kec, h.cell(r, "kecamatan"))
		if v := h.cell(r, "jumlah_karyawan"); v != "" {
			n, ok := parseWhole(v)
			switch {
			case !ok:
				re.add("jumlah_karyawan", "harus bilangan bulat, mis. 120")
			case n > maxEmployees || n < -maxEmployees:
				re.add("jumlah_karyawan", fmt.Sprintf("tidak wajar (lebih dari %d)", maxEmployees))
			default:
				in.EmployeeCount = int(n)
			}
		}
		if v := h.cell(r, "tanggal_terdaftar"); v != "" {
			d, ok := parseDate(v, t.Format)
			if !ok {
				re.add("tanggal_terdaftar", "tanggal tidak dikenali; tulis YYYY-MM-DD atau DD/MM/YYYY")
			}
			in.RegisteredAt = d
		}
		parentNIB := strings.TrimSpace(h.cell(r, "nib_induk"))
		if parentNIB != "" {
			in.ParentID = new(int64) // resolved below; marks "has a parent" for the rules
		}
		var c fault.Checker
		row := in.fields(&c, today)
		re.addChecked(c.Err())
		if parentNIB != "" && !nibPattern.MatchString(parentNIB) {
			re.add("nib_induk", "NIB kawasan induk harus tepat 13 digit angka")
		}
		if row.NIB != "" && nibPattern.MatchString(row.NIB) {
			if first, dup := firstLine[row.NIB]; dup {
				re.add("nib", fmt.Sprintf("NIB %s sudah ada di baris %d berkas ini", row.NIB, first))
			} else {
				firstLine[row.NIB] = r.Line
			}
		}
		if len(re.errs) > 0 {
			errs, bad[r.Line] = append(errs, re.sorted()...), true
		}
		rows = append(rows, importedBusiness{line: r.Line, parentNIB: parentNIB, registered: in.RegisteredAt != "", row: row})
	}
	more, existing, err := s.checkBusinessRelations(ctx, tx, h, rows, bad)
	if err != nil {
		return nil, err
	}
	for _, e := range more {
		errs, bad[e.Line] = append(errs, e), true
	}
	if len(errs) > 0 {
		return nil, importInvalid(errs, len(bad))
	}
	// An empty status or date cell keeps a registered business's value and
	// gives a new one the default.
	for i := range rows {
		r := &rows[i]
		e, registered := existing[r.row.NIB]
		switch {
		case r.row.Status != "":
		case registered:
			r.row.Status = e.Status
		default:
			r.row.Status = StatusActive
		}
		if registered && !r.registered {
			r.row.RegisteredAt = e.RegisteredAt
		}
	}
	return rows, nil
}

func (s *Service) importKecamatan(re *rowErrors, kec kecamatanIndex, v string) string {
	if strings.TrimSpace(v) == "" {
		return "" // the field check says it is required
	}
	code, ok := kec.resolve(v, true)
	if !ok {
		re.add("kecamatan", fmt.Sprintf("kecamatan %q tidak dikenal; tulis kode BPS atau nama kecamatan", truncate(strings.TrimSpace(v), 40)))
		return "-"
	}
	return code
}

// existingBusiness is what the database knows of a NIB the file mentions.
type existingBusiness struct {
	ID           int64
	NIB          string
	Category     string
	Status       string
	RegisteredAt time.Time
	ParentNIB    *string
}

// checkBusinessRelations checks what spans rows and the database: a parent
// is an industrial estate (in the file or already registered), only a
// factory has one, and an estate that stops being one has no factories
// left inside it. Rows already bad are skipped.
func (s *Service) checkBusinessRelations(ctx context.Context, tx *gorm.DB, h header, rows []importedBusiness,
	bad map[int]bool) ([]fault.FieldError, map[string]existingBusiness, error) {
	inFile := map[string]*importedBusiness{} // the valid rows
	badNIB := map[string]bool{}              // NIBs of rows already refused
	var nibs []string
	for i := range rows {
		r := &rows[i]
		if bad[r.line] {
			badNIB[r.row.NIB] = true
			continue
		}
		inFile[r.row.NIB] = r
		nibs = append(nibs, r.row.NIB)
		if r.parentNIB != "" {
			nibs = append(nibs, r.parentNIB)
		}
	}
	if len(nibs) == 0 {
		return nil, nil, nil
	}
	arg, err := jsonArg(nibs)
	if err != nil {
		return nil, nil, err
	}
	var found []existingBusiness
	if err := tx.WithContext(ctx).Raw(`
		SELECT b.id, b.nib, b.category, b.status, b.registered_at, p.nib AS parent_nib
		FROM businesses b LEFT JOIN businesses p ON p.id = b.parent_id
		WHERE b.nib IN (SELECT jsonb_array_elements_text(?::jsonb))`, arg).Scan(&found).Error; err != nil {
		return nil, nil, fmt.Errorf("registry: existing businesses: %w", err)
	}
	existing := map[string]existingBusiness{}
	for _, e := range found {
		existing[e.NIB] = e
	}
	// categoryOf is a NIB's category once the file is applied.
	categoryOf := func(nib string) (string, bool) {
		if r, ok := inFile[nib]; ok {
			return r.row.Category, true
		}
		if e, ok := existing[nib]; ok {
			return e.Category, true
		}
		return "", false
	}

	var errs []fault.FieldError
	fail := func(line int, column, reason string) {
		errs = append(errs, fault.FieldError{Field: h.Written(column), Reason: reason, Line: line})
	}
	var leaving []string // estates in the file that stop being estates
	for i := range rows {
		r := &rows[i]
		if bad[r.line] {
			continue
		}
		nib := r.row.NIB
		e, registered := existing[nib]
		switch {
		case r.parentNIB == nib:
			fail(r.line, "nib_induk", "pelaku usaha tidak dapat menjadi induk bagi dirinya sendiri")
		case r.parentNIB != "" && !badNIB[r.parentNIB]: // a refused parent row speaks for itself
			switch cat, known := categoryOf(r.parentNIB); {
			case !known:
				fail(r.line, "nib_induk", fmt.Sprintf("kawasan induk dengan NIB %s tidak terdaftar dan tidak ada di berkas ini", r.parentNIB))
			case cat != CategoryIndustrialEstate:
				fail(r.line, "nib_induk", fmt.Sprintf("induk dengan NIB %s bukan kawasan industri (industrial_estate)", r.parentNIB))
			}
		case !h.Has("nib_induk") && registered && e.ParentNIB != nil && r.row.Category != CategoryFactory:
			fail(r.line, "kategori", fmt.Sprintf("masih tercatat di kawasan induk %s; hanya pabrik (factory) yang dapat berada di kawasan induk — tambahkan kolom nib_induk dan kosongkan", *e.ParentNIB))
		}
		if registered && e.Category == CategoryIndustrialEstate && r.row.Category != CategoryIndustrialEstate {
			leaving = append(leaving, nib)
		}
	}
	if len(leaving) == 0 {
		return errs, existing, nil
	}
	// Factories still inside an estate that stops being one, unless this
	// file moves them out.
	if arg, err = jsonArg(leaving); err != nil {
		return nil, nil, err
	}
	var children []struct{ ParentNIB, NIB string }
	if err := tx.WithContext(ctx).Raw(`
		SELECT p.nib AS parent_nib, c.nib
		FROM businesses c JOIN businesses p ON p.id = c.parent_id
		WHERE p.nib IN (SELECT jsonb_array_elements_text(?::jsonb))`, arg).Scan(&children).Error; err != nil {
		return nil, nil, fmt.Errorf("registry: estate children: %w", err)
	}
	stay := map[string]int{}
	for _, c := range children {
		if child, moved := inFile[c.NIB]; moved && h.Has("nib_induk") && child.parentNIB != c.ParentNIB {
			continue
		}
		stay[c.ParentNIB]++
	}
	for _, nib := range leaving {
		if n := stay[nib]; n > 0 {
			fail(inFile[nib].line, "kategori", fmt.Sprintf("masih menjadi kawasan induk bagi %d pabrik; lepaskan pabrik tersebut dahulu", n))
		}
	}
	return errs, existing, nil
}

// writeBusinesses upserts every row in one statement and sets parents in a
// second, returning the NIBs inserted and the NIBs whose data changed.
func (s *Service) writeBusinesses(ctx context.Context, tx *gorm.DB, h header, rows []importedBusiness) (inserted, updated []string, err error) {
	records := make([]businessRecord, len(rows))
	links := make([]map[string]string, 0, len(rows))
	for i, r := range rows {
		b := r.row
		records[i] = businessRecord{
			NIB: b.NIB, Name: b.Name, LegalForm: b.LegalForm, Category: b.Category, KBLI: b.KBLI,
			Address: b.Address, KecamatanCode: b.KecamatanCode, EmployeeCount: b.EmployeeCount,
			ContactName: b.ContactName, ContactPhone: b.ContactPhone, ContactEmail: b.ContactEmail,
			Status: b.Status, RegisteredAt: b.RegisteredAt.Format(time.DateOnly),
		}
		if records[i].KBLI == nil {
			records[i].KBLI = []string{}
		}
		links = append(links, map[string]string{"nib": b.NIB, "parent_nib": r.parentNIB})
	}
	set, changedIf := updateClause(h, businessImportColumns, "b")
	arg, err := jsonArg(records)
	if err != nil {
		return nil, nil, err
	}
	now := s.clock.Now()
	var written []struct {
		NIB      string
		Inserted bool
	}
	if err := tx.WithContext(ctx).Raw(`
		INSERT INTO businesses AS b (nib, name, legal_form, category, kbli, address, kecamatan_code,
			employee_count, contact_name, contact_phone, contact_email, status, registered_at, created_at, updated_at)
		SELECT r.nib, r.name, r.legal_form, r.category, r.kbli, r.address, r.kecamatan_code,
			r.employee_count, r.contact_name, r.contact_phone, r.contact_email, r.status, r.registered_at, ?, ?
		FROM jsonb_to_recordset(?::jsonb) AS r(nib text, name text, legal_form text, category text, kbli text[],
			address text, kecamatan_code text, employee_count integer, contact_name text, contact_phone text,
			contact_email text, status text, registered_at date)
		ON CONFLICT (nib) DO UPDATE SET `+set+`
		WHERE `+changedIf+`
		RETURNING b.nib, (b.xmax = 0) AS inserted`, now, now, arg).Scan(&written).Error; err != nil {
		return nil, nil, fmt.Errorf("registry: import businesses: %w", err)
	}
	isNew, changed := map[string]bool{}, map[string]bool{}
	for _, w := range written {
		isNew[w.NIB], changed[w.NIB] = w.Inserted, !w.Inserted
	}
	if h.Has("nib_induk") {
		if arg, err = jsonArg(links); err != nil {
			return nil, nil, err
		}
		var relinked []string
		if err := tx.WithContext(ctx).Raw(`
			UPDATE businesses c SET parent_id = p.id, updated_at = ?
			FROM jsonb_to_recordset(?::jsonb) AS r(nib text, parent_nib text)
			LEFT JOIN businesses p ON p.nib = r.parent_nib
			WHERE c.nib = r.nib AND c.parent_id IS DISTINCT FROM p.id
			RETURNING c.nib`, now, arg).Scan(&relinked).Error; err != nil {
			return nil, nil, fmt.Errorf("registry: import parents: %w", err)
		}
		for _, nib := range relinked {
			changed[nib] = true
		}
	}
	order := make([]string, len(rows))
	for i, r := range rows {
		order[i] = r.row.NIB
	}
	inserted, updated = inFileOrder(order, isNew, changed)
	return inserted, updated, nil
}

// inFileOrder lists the inserted and the changed NIBs in the file's order,
// for a readable audit event. A NIB inserted is not also "changed".
func inFileOrder(order []string, isNew, changed map[string]bool) (inserted, updated []string) {
	for _, nib := range order {
		switch {
		case isNew[nib]:
			inserted = append(inserted, nib)
		case changed[nib]:
			updated = append(updated, nib)
		}
	}
	return inserted, updated
}

// updateClause builds an upsert's SET list and its "something changed"
// condition from the columns the file carries: the rest keep their values,
// and a row whose values are all the same is not touched.
func updateClause(h header, columns map[string]string, alias string) (set, changedIf string) {
	var sets, cur, next []string
	for _, col := range slices.Sorted(maps.Keys(columns)) {
		if !h.Has(col) {
			continue
		}
		db := columns[col]
		if db == "whatsapp_consent_at" {
			// Consent keeps the time it was first given while it stands.
			sets = append(sets, db+" = CASE WHEN EXCLUDED."+db+" IS NULL THEN NULL ELSE coalesce("+alias+"."+db+", EXCLUDED."+db+") END")
			cur, next = append(cur, alias+"."+db+" IS NOT NULL"), append(next, "EXCLUDED."+db+" IS NOT NULL")
			continue
		}
		sets = append(sets, db+" = EXCLUDED."+db)
		cur, next = append(cur, alias+"."+db), append(next, "EXCLUDED."+db)
	}
	sets = append(sets, "updated_at = EXCLUDED.updated_at")
	return strings.Join(sets, ", "),
		"(" + strings.Join(cur, ", ") + ") IS DISTINCT FROM (" + strings.Join(next, ", ") + ")"
}

// boolCell reads a ya/tidak cell of column into dst; an empty cell leaves
// dst as it is.
func boolCell(re *rowErrors, h header, r sheet.Row, column string, dst *bool) {
	v := h.cell(r, column)
	if v == "" {
		return
	}
	if b, ok := parseBool(v); ok {
		*dst = b
		return
	}
	re.add(column, "tulis ya atau tidak")
}

// importedIKM is one valid IKM row, ready to write.
type importedIKM struct {
	line     int
	row      ikmRow
	whatsApp bool // agrees to WhatsApp messages
}

type ikmRecord struct {
	NIB             string  `json:"nib"`
	Name            string  `json:"name"`
	OwnerName       string  `json:"owner_name"`
	Sector          string  `json:"sector"`
	Products        string  `json:"products"`
	KecamatanCode   string  `json:"kecamatan_code"`
	Desa            string  `json:"desa"`
	Address         string  `json:"address"`
	Phone           string  `json:"phone"`
	Email           *string `json:"email"`
	MonthlyCapacity int64   `json:"monthly_capacity"`
	Status          string  `json:"status"`
	PublicContact   bool    `json:"public_contact"`
	WhatsAppConsent bool    `json:"whatsapp_consent"`
}

var ikmImportColumns = map[string]string{
	"nama": "name", "pemilik": "owner_name", "sektor": "sector", "produk": "products",
	"kecamatan": "kecamatan_code", "desa": "desa", "alamat": "address", "telepon": "phone",
	"email": "email", "kapasitas_bulanan": "monthly_capacity", "status": "status",
	"kontak_publik": "public_contact", "whatsapp": "whatsapp_consent_at",
}

// ImportIKMs inserts or updates (by NIB) every IKM in the file, all or
// nothing. Verification is never imported: only an officer's field check
// sets it. Columns the file lacks keep their current values on update.
func (s *Service) ImportIKMs(ctx context.Context, f ImportFile, dryRun bool) (ImportResult, error) {
	return s.runImport(ctx, f, dryRun, "ikm", func(tx *gorm.DB, t sheet.Table) ([]string, []string, error) {
		h, err := readHeader(t, ikmColumns)
		if err != nil {
			return nil, nil, err
		}
		rows, err := s.checkIKMRows(ctx, tx, t, h)
		if err != nil {
			return nil, nil, err
		}
		return s.writeIKMs(ctx, tx, h, rows)
	})
}

func (s *Service) checkIKMRows(ctx context.Context, tx *gorm.DB, t sheet.Table, h header) ([]importedIKM, error) {
	kec, err := s.kecamatan(ctx, tx)
	if err != nil {
		return nil, err
	}
	var errs []fault.FieldError
	badRows := 0
	rows := make([]importedIKM, 0, len(t.Rows))
	firstLine := map[string]int{}
	for _, r := range t.Rows {
		re := rowErrors{h: h, line: r.Line}
		in := IKMInput{
			NIB: h.cell(r, "nib"), Name: h.cell(r, "nama"), OwnerName: h.cell(r, "pemilik"),
			Sector: aliased(h.cell(r, "sektor"), sectorAliases), Products: h.cell(r, "produk"),
			Desa: h.cell(r, "desa"), Address: h.cell(r, "alamat"), Phone: h.cell(r, "telepon"),
			Email: h.cell(r, "email"),
		}
		if v := h.cell(r, "status"); v != "" {
			in.Status = aliased(v, ikmStatusAliases)
		}
		in.KecamatanCode = s.importKecamatan(&re, kec, h.cell(r, "kecamatan"))
		if v := h.cell(r, "kapasitas_bulanan"); v != "" {
			n, ok := parseWhole(v)
			if ok {
				in.MonthlyCapacity = n
			} else {
				re.add("kapasitas_bulanan", "harus bilangan bulat rupiah, mis. 6000000 atau 6.000.000")
			}
		}
		boolCell(&re, h, r, "kontak_publik", &in.PublicContact)
		boolCell(&re, h, r, "whatsapp", &in.WhatsAppConsent)
		var c fault.Checker
		row := in.fields(&c)
		re.addChecked(c.Err())
		if nibPattern.MatchString(row.NIB) {
			if first, dup := firstLine[row.NIB]; dup {
				re.add("nib", fmt.Sprintf("NIB %s sudah ada di baris %d berkas ini", row.NIB, first))
			} else {
				firstLine[row.NIB] = r.Line
			}
		}
		if len(re.errs) > 0 {
			errs = append(errs, re.sorted()...)
			badRows++
		}
		rows = append(rows, importedIKM{line: r.Line, row: row, whatsApp: in.WhatsAppConsent})
	}
	if len(errs) > 0 {
		return nil, importInvalid(errs, badRows)
	}
	// An empty status cell keeps a registered IKM's status and makes a new
	// one active.
	var keep []string
	for _, r := range rows {
		if r.row.Status == "" {
			keep = append(keep, r.row.NIB)
		}
	}
	if len(keep) == 0 {
		return rows, nil
	}
	arg, err := jsonArg(keep)
	if err != nil {
		return nil, err
	}
	var found []struct{ NIB, Status string }
	if err := tx.WithContext(ctx).Raw(`SELECT nib, status FROM ikms WHERE nib IN (SELECT jsonb_array_elements_text(?::jsonb))`,
		arg).Scan(&found).Error; err != nil {
		return nil, fmt.Errorf("registry: existing ikms: %w", err)
	}
	status := map[string]string{}
	for _, f := range found {
		status[f.NIB] = f.Status
	}
	for i := range rows {
		if rows[i].row.Status == "" {
			rows[i].row.Status = cmp.Or(status[rows[i].row.NIB], StatusActive)
		}
	}
	return rows, nil
}

func (s *Service) writeIKMs(ctx context.Context, tx *gorm.DB, h header, rows []importedIKM) (inserted, updated []string, err error) {
	records := make([]ikmRecord, len(rows))
	for i, r := range rows {
		v := r.row
		records[i] = ikmRecord{
			NIB: v.NIB, Name: v.Name, OwnerName: v.OwnerName, Sector: v.Sector, Products: v.Products,
			KecamatanCode: v.KecamatanCode, Desa: v.Desa, Address: v.Address, Phone: v.Phone, Email: v.Email,
			MonthlyCapacity: v.MonthlyCapacity, Status: v.Status, PublicContact: v.PublicContact,
			WhatsAppConsent: r.whatsApp,
		}
	}
	set, changedIf := updateClause(h, ikmImportColumns, "i")
	arg, err := jsonArg(records)
	if err != nil {
		return nil, nil, err
	}
	now := s.clock.Now()
	var written []struct {
		NIB      string
		Inserted bool
	}
	if err := tx.WithContext(ctx).Raw(`
		INSERT INTO ikms AS i (nib, name, owner_name, sector, products, kecamatan_code, desa, address,
			phone, email, monthly_capacity, status, public_contact, whatsapp_consent_at, created_at, updated_at)
		SELECT r.nib, r.name, r.owner_name, r.sector, r.products, r.kecamatan_code, r.desa, r.address,
			r.phone, r.email, r.monthly_capacity, r.status, r.public_contact,
			CASE WHEN r.whatsapp_consent THEN CAST(? AS timestamptz) END, ?, ?
		FROM jsonb_to_recordset(?::jsonb) AS r(nib text, name text, owner_name text, sector text, products text,
			kecamatan_code text, desa text, address text, phone text, email text, monthly_capacity bigint,
			status text, public_contact boolean, whatsapp_consent boolean)
		ON CONFLICT (nib) DO UPDATE SET `+set+`
		WHERE `+changedIf+`
		RETURNING i.nib, (i.xmax = 0) AS inserted`, now, now, now, arg).Scan(&written).Error; err != nil {
		return nil, nil, fmt.Errorf("registry: import ikms: %w", err)
	}
	isNew, changed := map[string]bool{}, map[string]bool{}
	for _, w := range written {
		isNew[w.NIB], changed[w.NIB] = w.Inserted, !w.Inserted
	}
	order := make([]string, len(rows))
	for i, r := range rows {
		order[i] = r.row.NIB
	}
	inserted, updated = inFileOrder(order, isNew, changed)
	return inserted, updated, nil
}
