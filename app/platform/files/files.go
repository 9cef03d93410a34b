// Package files stores uploaded documents (signed agreements, purchase
// evidence, exemption letters) on disk by content hash and records them in
// the files table. Only PDF, JPEG and PNG are accepted, judged from the bytes
// themselves, never from the name or the declared content type. Files are
// never served from a path: a handler that has checked the caller may see the
// owning record opens them by id.
//
// Save writes the bytes before the caller's transaction commits; a rolled
// back transaction leaves an unreferenced blob behind, which an identical
// later upload reuses and Sweep removes.
package files

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/fault"
)

// Allowed content types, as stored in files.content_type.
const (
	PDF  = "application/pdf"
	JPEG = "image/jpeg"
	PNG  = "image/png"
)

// ReasonType is the field reason for a file whose content is not allowed.
const ReasonType = "jenis berkas tidak diizinkan: hanya PDF, JPEG atau PNG"

// File is a stored file's metadata.
type File struct {
	ID           int64 `gorm:"primaryKey"`
	SHA256       string
	ContentType  string
	SizeBytes    int64
	OriginalName string
	CreatedBy    *int64
	CreatedAt    time.Time
}

func (File) TableName() string { return "files" }

// Store keeps file contents under Dir as ab/cd/<sha256>.
type Store struct {
	dir      string
	maxBytes int64
	clock    clock.Clock
}

// NewStore returns a store writing under dir and refusing files over
// maxBytes.
func NewStore(dir string, maxBytes int64, c clock.Clock) *Store {
	if c == nil {
		c = clock.System{}
	}
	return &Store{dir: dir, maxBytes: maxBytes, clock: c}
}

// Options narrow what one Save accepts.
type Options struct {
	// Field names the form field in error messages; "file" when empty.
	Field string
	// Types lists the accepted content types; all three when empty.
	Types []string
}

// Save reads r (at most the store's limit), checks that its content is an
// allowed type, writes it once per SHA-256 and records it in tx. Too large
// is a KindTooLarge fault, a disallowed or damaged file a field error; in
// either case nothing is left on disk or in the database.
func (s *Store) Save(ctx context.Context, tx *gorm.DB, r io.Reader, declaredName string, opt Options) (File, error) {
	field := opt.Field
	if field == "" {
		field = "file"
	}
	tmp, err := s.tempFile()
	if err != nil {
		return File{}, err
	}
	committed := false
	defer func() {
		if !committed {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()

	// One pass: hash, count, keep the head for type detection and the tail
	// for the PDF end marker, write to the temp file.
	h := sha256.New()
	head := &prefixBuffer{max: 64 << 10} // room for a JPEG's EXIF before its frame header
	tail := &suffixBuffer{max: 1024}
	w := bufio.NewWriterSize(tmp, 64<<10)
	n, err := io.Copy(io.MultiWriter(w, h, head, tail), io.LimitReader(r, s.maxBytes+1))
	if err != nil {
		return File{}, readError(err, field)
	}
	if n > s.maxBytes {
		return File{}, TooLarge(field, s.maxBytes)
	}
	if n == 0 {
		return File{}, fault.Invalid(fault.Field(field, "berkas kosong"))
	}
	contentType, reason := Detect(head.Bytes(), tail.Bytes())
	if reason == "" && len(opt.Types) > 0 && !slices.Contains(opt.Types, contentType) {
		reason = "jenis berkas tidak diizinkan: hanya " + typeNames(opt.Types)
	}
	if reason != "" {
		return File{}, fault.Invalid(fault.Field(field, reason))
	}
	if err := w.Flush(); err != nil {
		return File{}, fmt.Errorf("files: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return File{}, fmt.Errorf("files: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return File{}, fmt.Errorf("files: close: %w", err)
	}

	sum := hex.EncodeToString(h.Sum(nil))
	final := s.path(sum)
	now := s.clock.Now()
	if _, err := os.Stat(final); err == nil {
		// Same content already stored: keep that copy, and refresh its time
		// so Sweep does not take it while this transaction is open.
		_ = os.Chtimes(final, now, now)
	} else {
		if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
			return File{}, fmt.Errorf("files: mkdir: %w", err)
		}
		if err := os.Rename(tmp.Name(), final); err != nil {
			return File{}, fmt.Errorf("files: rename: %w", err)
		}
		committed = true
	}

	f := File{SHA256: sum, ContentType: contentType, SizeBytes: n,
		OriginalName: cleanName(declaredName), CreatedAt: now}
	f.CreatedBy = actor.From(ctx).OptionalUserID()
	// The first upload of a content names it; later ones get its id.
	err = tx.WithContext(ctx).Raw(`
		INSERT INTO files (sha256, content_type, size_bytes, original_name, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (sha256) DO UPDATE SET sha256 = EXCLUDED.sha256
		RETURNING id, sha256, content_type, size_bytes, original_name, created_by, created_at`,
		f.SHA256, f.ContentType, f.SizeBytes, f.OriginalName, f.CreatedBy, f.CreatedAt).
		Scan(&f).Error
	if err != nil {
		return File{}, fmt.Errorf("files: record: %w", err)
	}
	return f, nil
}

// TooLarge is the fault for a file over the limit.
func TooLarge(field string, limit int64) *fault.Error {
	return &fault.Error{Kind: fault.KindTooLarge, Code: "file_too_large",
		Detail: fmt.Sprintf("Berkas melebihi batas %s.", humanBytes(limit)),
		Fields: []fault.FieldError{{Field: field, Reason: "ukuran melebihi " + humanBytes(limit)}}}
}

// readError turns a failure reading the upload into a fault when it is the
// request's own (its body limit), else keeps it internal.
func readError(err error, field string) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return TooLarge(field, mbe.Limit)
	}
	return fmt.Errorf("files: read upload: %w", err)
}

// Detect judges content from its first and last bytes: the type, or a reason
// (in Bahasa Indonesia) why it is refused. It asks http.DetectContentType
// and also checks each format's own signature and structure, so neither a
// renamed text file nor a truncated document passes.
func Detect(head, tail []byte) (contentType, reason string) {
	sniffed := http.DetectContentType(head)
	switch {
	case sniffed == PDF && bytes.HasPrefix(head, []byte("%PDF-")):
		if !bytes.Contains(tail, []byte("%%EOF")) {
			return "", "berkas PDF tidak lengkap atau rusak"
		}
		return PDF, ""
	case sniffed == JPEG && bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		if _, err := jpeg.DecodeConfig(bytes.NewReader(head)); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return "", "berkas JPEG rusak"
		}
		return JPEG, ""
	case sniffed == PNG && bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		if _, err := png.DecodeConfig(bytes.NewReader(head)); err != nil {
			return "", "berkas PNG rusak"
		}
		return PNG, ""
	}
	return "", ReasonType
}

// Get returns a file's metadata.
func Get(ctx context.Context, db *gorm.DB, id int64) (File, error) {
	var f File
	err := db.WithContext(ctx).Where("id = ?", id).Take(&f).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return File{}, NotFound()
	}
	if err != nil {
		return File{}, fmt.Errorf("files: get %d: %w", id, err)
	}
	return f, nil
}

// NotFound is the fault for a missing file.
func NotFound() *fault.Error { return fault.NotFound("file_not_found", "Berkas tidak ditemukan.") }

// Open returns a file's metadata and its content. The caller must already
// have decided that the actor may see the record the file belongs to.
func (s *Store) Open(ctx context.Context, db *gorm.DB, id int64) (File, *os.File, error) {
	f, err := Get(ctx, db, id)
	if err != nil {
		return File{}, nil, err
	}
	rc, err := os.Open(s.path(f.SHA256))
	if err != nil {
		return File{}, nil, fmt.Errorf("files: open %d (%s): %w", id, f.SHA256, err)
	}
	return f, rc, nil
}

// Sweep removes stored contents that no files row names and that were last
// written or reused before olderThan: what rolled-back uploads left behind,
// and abandoned temp files. It returns how many it removed.
func (s *Store) Sweep(ctx context.Context, db *gorm.DB, olderThan time.Time) (int, error) {
	removed := 0
	var batch []string // paths of old blobs, checked against the table in bulk
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		names := make([]string, len(batch))
		for i, p := range batch {
			names[i] = filepath.Base(p)
		}
		var known []string
		if err := db.WithContext(ctx).Model(&File{}).Where("sha256 IN ?", names).Pluck("sha256", &known).Error; err != nil {
			return err
		}
		keep := make(map[string]bool, len(known))
		for _, k := range known {
			keep[k] = true
		}
		for _, p := range batch {
			if !keep[filepath.Base(p)] && os.Remove(p) == nil {
				removed++
			}
		}
		batch = batch[:0]
		return nil
	}
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil || !info.ModTime().Before(olderThan) {
			return nil
		}
		batch = append(batch, p)
		if len(batch) == 1000 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return removed, fmt.Errorf("files: sweep: %w", err)
	}
	return removed, nil
}

func (s *Store) path(sum string) string {
	return filepath.Join(s.dir, sum[0:2], sum[2:4], sum)
}

// tempFile is created inside the store so the final rename stays on one
// file system and is atomic.
func (s *Store) tempFile() (*os.File, error) {
	dir := filepath.Join(s.dir, "tmp")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("files: mkdir: %w", err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	f, err := os.OpenFile(filepath.Join(dir, "upload-"+hex.EncodeToString(b)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, fmt.Errorf("files: temp: %w", err)
	}
	return f, nil
}

// cleanName keeps a declared name for display and download only: no path,
// no control characters, at most 200 bytes.
func cleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = filepath.Base("/" + name)
	if name == "/" || name == "." {
		return ""
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return strings.TrimSpace(name)
}

func typeNames(types []string) string {
	names := map[string]string{PDF: "PDF", JPEG: "JPEG", PNG: "PNG"}
	var out []string
	for _, t := range types {
		out = append(out, names[t])
	}
	if len(out) <= 1 {
		return strings.Join(out, "")
	}
	return strings.Join(out[:len(out)-1], ", ") + " atau " + out[len(out)-1]
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	default:
		return fmt.Sprintf("%d bita", n)
	}
}

// prefixBuffer keeps the first max bytes written to it.
type prefixBuffer struct {
	buf []byte
	max int
}

func (b *prefixBuffer) Write(p []byte) (int, error) {
	if room := b.max - len(b.buf); room > 0 {
		if len(p) < room {
			room = len(p)
		}
		b.buf = append(b.buf, p[:room]...)
	}
	return len(p), nil
}

func (b *prefixBuffer) Bytes() []byte { return b.buf }

// suffixBuffer keeps the last max bytes written to it.
type suffixBuffer struct {
	buf []byte
	max int
}

func (b *suffixBuffer) Write(p []byte) (int, error) {
	if len(p) >= b.max {
		b.buf = append(b.buf[:0], p[len(p)-b.max:]...)
		return len(p), nil
	}
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *suffixBuffer) Bytes() []byte { return b.buf }
