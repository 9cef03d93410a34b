package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"kemitraan/app/auth"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/sheet"
	"kemitraan/app/registry"
)

// Registry imports from the pages: a template to start from; an upload
// checked first (a dry run: nothing stored) with a preview of its rows, or
// every bad row with its line, column and reason and a file of just those
// rows to fix in Excel; then the import, all or nothing, and a receipt.
// A registry file is small (the regency's 1,400 IKM, its large businesses),
// so the check runs within the request; the upload is kept in memory for
// uploadKeep, for the import to follow without a second upload.

const uploadKeep = time.Hour

func (p *Pages) registryImportRoutes() []pageRoute {
	var out []pageRoute
	for _, base := range []string{"/dinas/usaha/impor", "/dinas/ikm/impor"} {
		out = append(out,
			pageRoute{method: http.MethodGet, path: base, perm: auth.PermRegistryManage, handler: p.registryImportPage},
			pageRoute{method: http.MethodPost, path: base, perm: auth.PermRegistryManage, handler: p.registryImportCheck,
				upload: documentUpload, long: true},
			pageRoute{method: http.MethodGet, path: base + "/templat.xlsx", perm: auth.PermRegistryManage, handler: p.registryTemplateXLSX},
			pageRoute{method: http.MethodGet, path: base + "/templat.csv", perm: auth.PermRegistryManage, handler: p.registryTemplateCSV},
			pageRoute{method: http.MethodGet, path: base + "/:upload", perm: auth.PermRegistryManage, handler: p.registryUploadPage},
			pageRoute{method: http.MethodPost, path: base + "/:upload/impor", perm: auth.PermRegistryManage,
				handler: p.registryImportRun, long: true},
			pageRoute{method: http.MethodGet, path: base + "/:upload/ditolak.xlsx", perm: auth.PermRegistryManage,
				handler: p.registryRejected},
		)
	}
	return out
}

// registryKind is what a registry import page imports.
type registryKind struct {
	Path   string // the import's pages
	List   string // the registry's list
	Entity string // "business" or "ikm": the messages' and the templates' key
	// Example is the template's example row, by column.
	Example map[string]string
	Columns []string
	Dates   []string // the columns holding dates
}

var (
	businessImport = registryKind{Path: "/dinas/usaha/impor", List: "/dinas/usaha", Entity: "business",
		Columns: []string{"nib", "nama", "bentuk_usaha", "kategori", "kbli", "alamat", "kecamatan", "nib_induk",
			"jumlah_karyawan", "nama_kontak", "telepon_kontak", "email_kontak", "tanggal_terdaftar", "status"},
		Example: map[string]string{"nib": "9120000000001", "nama": "PT Contoh Makmur", "bentuk_usaha": "PT",
			"kategori": "hotel", "kbli": "55110", "alamat": "Jl. Contoh No. 1", "kecamatan": "3216060",
			"jumlah_karyawan": "120", "nama_kontak": "Budi Santoso", "telepon_kontak": "081234567890",
			"email_kontak": "budi@contoh.co.id", "tanggal_terdaftar": "2025-01-15", "status": "active"},
		Dates: []string{"tanggal_terdaftar"}}
	ikmImport = registryKind{Path: "/dinas/ikm/impor", List: "/dinas/ikm", Entity: "ikm",
		Columns: []string{"nib", "nama", "pemilik", "sektor", "produk", "kecamatan", "desa", "alamat", "telepon",
			"email", "kapasitas_bulanan", "status", "kontak_publik"},
		Example: map[string]string{"nib": "8120000000001", "nama": "Batik Contoh", "pemilik": "Siti Aminah",
			"sektor": "batik", "produk": "Batik tulis, batik cap", "kecamatan": "3216060", "desa": "Sukamahi",
			"alamat": "Kp. Contoh RT 01/02", "telepon": "081234567890", "kapasitas_bulanan": "25000000",
			"status": "active", "kontak_publik": "ya"}}
)

func kindOf(c echo.Context) registryKind {
	if strings.HasPrefix(c.Path(), ikmImport.Path) {
		return ikmImport
	}
	return businessImport
}

func (k registryKind) isDate(header string) bool {
	f := sheet.FoldHeader(header)
	for _, d := range k.Dates {
		if f == d {
			return true
		}
	}
	return false
}

// registryUpload is one uploaded registry file: its check and, once
// imported, its receipt.
type registryUpload struct {
	ID, FileName string
	Entity       string
	UserID       int64
	Data         []byte
	at           time.Time

	// What the page shows of the file, read once when it was checked: its
	// header, its first rows and how many rows it has (0: unreadable).
	header  []string
	preview []sheet.Row
	rows    int

	mu       sync.Mutex // one import, however many clicks
	Checked  registry.ImportResult
	CheckErr error // the check's refusal
	Imported *registry.ImportResult
	When     time.Time // of the import
	// Good is the upload of this refused file's good rows, once they are
	// imported; Parent is the refused file a good-rows upload came from.
	Good, Parent *registryUpload
}

// registryUploads are the uploads of the last uploadKeep, by id; each is
// its uploader's only.
type registryUploads struct {
	mu   sync.Mutex
	byID map[string]*registryUpload
}

func (u *registryUploads) add(up *registryUpload) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.byID == nil {
		u.byID = map[string]*registryUpload{}
	}
	for id, old := range u.byID {
		if time.Since(old.at) > uploadKeep {
			delete(u.byID, id)
		}
	}
	up.at = time.Now()
	u.byID[up.ID] = up
}

func (u *registryUploads) get(userID int64, entity, id string) *registryUpload {
	u.mu.Lock()
	defer u.mu.Unlock()
	up, ok := u.byID[id]
	if !ok || up.UserID != userID || up.Entity != entity || time.Since(up.at) > uploadKeep {
		return nil
	}
	return up
}

// registryImportView is the import page: the upload form, or an upload's
// preview, bad rows or receipt.
type registryImportView struct {
	Kind    registryKind
	Upload  *registryUpload
	Header  []string    // the preview's, as the file writes it
	Preview []sheet.Row // the first rows of a clean file
	Errors  []fault.FieldError
	BadRows int
	Omitted bool // more errors than the page lists
	// GoodRows are the rows of a refused file that could be imported on
	// their own, the bad ones set aside (0: none, or the file as a whole
	// is wrong).
	GoodRows int
}

func (p *Pages) renderRegistryImport(c echo.Context, status int, v registryImportView, errs []fault.FieldError) error {
	title := say(c, "registry.import.title_"+v.Kind.Entity)
	switch {
	case v.Upload != nil && v.Upload.Imported != nil:
		title = say(c, "registry.import.done_title")
	case v.Upload != nil && v.Upload.CheckErr == nil:
		title = say(c, "registry.import.checked_title")
	case v.Upload != nil:
		title = say(c, "registry.import.rejected_title")
	}
	pg := p.newPage(c, title, v)
	pg.Errors = errs
	return p.render(c, status, "office_registry_import", pg)
}

func (p *Pages) registryImportPage(c echo.Context) error {
	return p.renderRegistryImport(c, http.StatusOK, registryImportView{Kind: kindOf(c)}, nil)
}

// importRegistry runs the kind's import of up's file: a dry run, or the
// real one.
func (p *Pages) importRegistry(c echo.Context, up *registryUpload, dryRun bool) (registry.ImportResult, error) {
	f := registry.ImportFile{Name: up.FileName, Data: up.Data}
	if up.Entity == ikmImport.Entity {
		return p.svc.Registry.ImportIKMs(c.Request().Context(), f, dryRun)
	}
	return p.svc.Registry.ImportBusinesses(c.Request().Context(), f, dryRun)
}

// registryImportCheck keeps the upload and checks it (nothing stored),
// then sends the browser to the upload's page.
func (p *Pages) registryImportCheck(c echo.Context) error {
	k := kindOf(c)
	fh, err := c.FormFile("berkas")
	if err != nil || fh.Size == 0 {
		return p.renderRegistryImport(c, http.StatusUnprocessableEntity, registryImportView{Kind: k},
			[]fault.FieldError{{Field: "berkas", Reason: say(c, "import.file_required")}})
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	up := &registryUpload{ID: randomID(), FileName: fh.Filename, Entity: k.Entity,
		UserID: actor.From(c.Request().Context()).UserID, Data: data}
	up.Checked, up.CheckErr = p.importRegistry(c, up, true)
	if _, refused := fault.As(up.CheckErr); up.CheckErr != nil && !refused {
		return up.CheckErr
	}
	if t, err := sheet.Read(data, sheet.DefaultLimits); err == nil { // else the check said why
		up.header, up.preview, up.rows = t.Header, t.Rows[:min(len(t.Rows), previewRows)], len(t.Rows)
	}
	p.registryUploads.add(up)
	return redirect(c, k.Path+"/"+up.ID)
}

func (p *Pages) registryUpload(c echo.Context) (registryKind, *registryUpload, error) {
	k := kindOf(c)
	up := p.registryUploads.get(actor.From(c.Request().Context()).UserID, k.Entity, c.Param("upload"))
	if up == nil {
		return k, nil, fault.NotFound("import_not_found", say(c, "registry.import.not_found"))
	}
	return k, up, nil
}

// registryUploadPage shows an upload: the preview of a clean file, every
// bad row of a refused one, or the receipt of its import.
func (p *Pages) registryUploadPage(c echo.Context) error {
	k, up, err := p.registryUpload(c)
	if err != nil {
		return err
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	v := registryImportView{Kind: k, Upload: up}
	if up.Imported != nil {
		return p.renderRegistryImport(c, http.StatusOK, v, nil)
	}
	if up.CheckErr == nil {
		v.Header, v.Preview = up.header, up.preview
		return p.renderRegistryImport(c, http.StatusOK, v, nil)
	}
	fe, _ := fault.As(up.CheckErr)
	bad := map[int]bool{}
	for _, e := range fe.Fields {
		if e.Line > 0 {
			v.Errors = append(v.Errors, e)
			bad[e.Line] = true
		}
	}
	v.BadRows, _ = fe.Extra["invalid_rows"].(int)
	v.BadRows = max(v.BadRows, len(bad))
	v.Omitted, _ = fe.Extra["errors_truncated"].(bool)
	if len(bad) > 0 && !v.Omitted {
		v.GoodRows = up.rows - len(bad)
	}
	detail := fe.Detail
	if len(v.Errors) == 0 && len(fe.Fields) > 0 { // the file as a whole: its header, its size
		detail = fe.Fields[0].Field + ": " + fe.Fields[0].Reason
	}
	return p.renderRegistryImport(c, fe.Kind.Status(), v, []fault.FieldError{{Field: "berkas", Reason: detail}})
}

// registryImportRun imports a file its check found clean; a second click
// shows the receipt of the first.
func (p *Pages) registryImportRun(c echo.Context) error {
	k, up, err := p.registryUpload(c)
	if err != nil {
		return err
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if c.FormValue("sebagian") == "ya" {
		return p.importGoodRows(c, k, up)
	}
	if up.CheckErr != nil {
		return fault.Conflict("import_not_checked", say(c, "import.not_checked"))
	}
	if up.Imported == nil {
		res, err := p.importRegistry(c, up, false)
		if err != nil {
			// The registry changed since the check: the page says why.
			up.CheckErr = err
			if _, refused := fault.As(err); !refused {
				up.CheckErr = nil
				return err
			}
			return redirect(c, k.Path+"/"+up.ID)
		}
		up.Imported, up.When = &res, p.clock.Now()
	}
	return redirect(c, k.Path+"/"+up.ID)
}

// importGoodRows imports the good rows of a refused file, its bad rows set
// aside for their own file, once: a second click shows the first receipt.
func (p *Pages) importGoodRows(c echo.Context, k registryKind, up *registryUpload) error {
	if up.Good != nil {
		return redirect(c, k.Path+"/"+up.Good.ID)
	}
	fe, refused := fault.As(up.CheckErr)
	bad := map[int]bool{}
	if refused {
		for _, e := range fe.Fields {
			if e.Line > 0 {
				bad[e.Line] = true
			}
		}
	}
	if len(bad) == 0 {
		return fault.Conflict("import_not_checked", say(c, "import.not_checked"))
	}
	t, err := sheet.Read(up.Data, sheet.DefaultLimits)
	if err != nil {
		return err
	}
	// The good rows as a CSV of the file's own columns, dates written out.
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(t.Header)
	for _, r := range t.Rows {
		if bad[r.Line] {
			continue
		}
		cells := slices.Clone(r.Cells)
		for i, h := range t.Header {
			if i < len(cells) && k.isDate(h) {
				cells[i] = sheet.DateCell(cells[i], t.Format)
			}
		}
		_ = w.Write(cells)
	}
	w.Flush()
	good := &registryUpload{ID: randomID(), FileName: up.FileName, Entity: up.Entity, UserID: up.UserID,
		Data: buf.Bytes(), Parent: up}
	res, err := p.importRegistry(c, good, false)
	if _, refused := fault.As(err); err != nil && !refused {
		return err
	}
	good.CheckErr = err
	if err == nil {
		good.Checked, good.Imported, good.When = res, &res, p.clock.Now()
		up.Good = good
	}
	p.registryUploads.add(good)
	return redirect(c, k.Path+"/"+good.ID)
}

// registryRejected is the XLSX of a refused file's bad rows, each with its
// reasons, to fix and upload again.
func (p *Pages) registryRejected(c echo.Context) error {
	k, up, err := p.registryUpload(c)
	if err != nil {
		return err
	}
	up.mu.Lock()
	fe, refused := fault.As(up.CheckErr)
	up.mu.Unlock()
	reasons := map[int][]string{}
	if refused {
		for _, e := range fe.Fields {
			if e.Line > 0 {
				reasons[e.Line] = append(reasons[e.Line], e.Field+": "+e.Reason)
			}
		}
	}
	if len(reasons) == 0 {
		return fault.NotFound("import_not_found", say(c, "registry.import.not_found"))
	}
	var buf bytes.Buffer
	if err := sheet.WriteRejected(&buf, bytes.NewReader(up.Data), reasons, k.isDate); err != nil {
		return err
	}
	name := "ditolak-" + safeFileName(strings.TrimSuffix(filepath.Base(up.FileName), filepath.Ext(up.FileName))) + ".xlsx"
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	return c.Blob(http.StatusOK, xlsxType, buf.Bytes())
}

// template is the kind's import template.
func (k registryKind) template(c echo.Context) importTemplate {
	t := importTemplate{File: "templat-impor-" + k.Entity, Sheet: say(c, "registry.import.sheet_"+k.Entity),
		Rows: sheet.DefaultLimits.MaxRows}
	for _, col := range k.Columns {
		t.Columns = append(t.Columns, [2]string{col, k.Example[col]})
	}
	if len(k.Dates) > 0 {
		t.Checks = []templateCheck{dateCheck(k.Dates...)}
	}
	return t
}

func (p *Pages) registryTemplateXLSX(c echo.Context) error { return kindOf(c).template(c).xlsx(c) }

func (p *Pages) registryTemplateCSV(c echo.Context) error { return kindOf(c).template(c).csv(c) }
