package files_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gorm.io/gorm"

	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/dbtest"
	"kemitraan/app/platform/fault"
	"kemitraan/app/platform/files"
)

// Sample contents other packages' tests can copy.
func samplePDF(body string) []byte {
	return []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% " + body + "\ntrailer << /Root 1 0 R >>\n%%EOF\n")
}

func samplePNG(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sampleJPEG(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 8)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// blobs lists every regular file under dir (temp files included).
func blobs(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return out
}

func countRows(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Table("files").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSaveAcceptsOnlyAllowedContent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	tests := []struct {
		name     string
		content  []byte
		declared string
		opt      files.Options
		wantType string
		reason   string // field reason when refused
		field    string
	}{
		{"pdf", samplePDF("a"), "perjanjian.pdf", files.Options{}, files.PDF, "", ""},
		{"png named jpg", samplePNG(t), "foto.jpg", files.Options{}, files.PNG, "", ""},
		{"jpeg with no name", sampleJPEG(t), "", files.Options{}, files.JPEG, "", ""},
		{"text named pdf", []byte("Ini bukan PDF, hanya teks biasa.\n"), "perjanjian.pdf", files.Options{}, "", files.ReasonType, "file"},
		{"html named pdf", []byte("<html><body>%PDF-1.4</body></html>"), "x.pdf", files.Options{Field: "document"}, "", files.ReasonType, "document"},
		{"zip", []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00rest-of-archive"), "arsip.pdf", files.Options{}, "", files.ReasonType, "file"},
		{"truncated pdf", []byte("%PDF-1.7\n1 0 obj << >> endobj\n"), "potong.pdf", files.Options{}, "", "berkas PDF tidak lengkap atau rusak", "file"},
		{"png magic with garbage", append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0x42}, 40)...), "x.png", files.Options{}, "", "berkas PNG rusak", "file"},
		{"empty", nil, "kosong.pdf", files.Options{}, "", "berkas kosong", "file"},
		{"png where only pdf is allowed", samplePNG(t), "scan.png", files.Options{Field: "document", Types: []string{files.PDF}},
			"", "jenis berkas tidak diizinkan: hanya PDF", "document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			store := files.NewStore(dir, 1<<20, clock.NewFixed(time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)))
			before := countRows(t, db)
			f, err := store.Save(ctx, db, bytes.NewReader(tt.content), tt.declared, tt.opt)
			if tt.reason != "" {
				fe, ok := fault.As(err)
				if !ok {
					t.Fatalf("err %v, want field %s: %s", err, tt.field, tt.reason)
				}
				type refusal struct {
					Kind   fault.Kind
					Fields []fault.FieldError
				}
				want := refusal{Kind: fault.KindInvalid, Fields: []fault.FieldError{{Field: tt.field, Reason: tt.reason}}}
				if diff := cmp.Diff(want, refusal{Kind: fe.Kind, Fields: fe.Fields},
					cmpopts.IgnoreFields(fault.FieldError{}, "Line")); diff != "" {
					t.Fatalf("err %v (-want +got):\n%s", err, diff)
				}
				if got := countRows(t, db); got != before {
					t.Errorf("files rows %d → %d on refusal", before, got)
				}
				if left := blobs(t, dir); len(left) != 0 {
					t.Errorf("left on disk: %v", left)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.ID == 0 {
				t.Errorf("saved without an id: %+v", f)
			}
			wantFile := files.File{ContentType: tt.wantType, SizeBytes: int64(len(tt.content)), OriginalName: tt.declared}
			if diff := cmp.Diff(wantFile, f,
				cmpopts.IgnoreFields(files.File{}, "ID", "SHA256", "CreatedBy", "CreatedAt")); diff != "" {
				t.Errorf("saved (-want +got):\n%s", diff)
			}
			stored, rc, err := store.Open(ctx, db, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			got, _ := io.ReadAll(rc)
			if !bytes.Equal(got, tt.content) || stored.SHA256 != f.SHA256 {
				t.Error("stored content differs from the upload")
			}
			want := filepath.Join(dir, f.SHA256[:2], f.SHA256[2:4], f.SHA256)
			if left := blobs(t, dir); len(left) != 1 || left[0] != want {
				t.Errorf("on disk %v, want only %s", left, want)
			}
		})
	}
}

func TestSaveStoresEachContentOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	dir := t.TempDir()
	store := files.NewStore(dir, 1<<20, clock.System{})
	content := samplePDF("sekali")
	first, err := store.Save(ctx, db, bytes.NewReader(content), "asli.pdf", files.Options{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := store.Save(ctx, db, bytes.NewReader(content), "salinan.pdf", files.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if second.ID != first.ID || second.OriginalName != "asli.pdf" {
		t.Errorf("second save %+v, want the first row %+v", second, first)
	}
	if n := countRows(t, db); n != 1 {
		t.Errorf("%d rows, want 1", n)
	}
	if left := blobs(t, dir); len(left) != 1 {
		t.Errorf("on disk %v, want one blob", left)
	}
}

func TestSaveRefusesOversizedFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	dir := t.TempDir()
	store := files.NewStore(dir, 2048, clock.System{})
	big := samplePDF(strings.Repeat("x", 4096))
	_, err := store.Save(ctx, db, bytes.NewReader(big), "besar.pdf", files.Options{Field: "document"})
	fe, ok := fault.As(err)
	if !ok || len(fe.Fields) == 0 {
		t.Fatalf("err %v, want too large naming document and 2 KB", err)
	}
	type refusal struct {
		Kind           fault.Kind
		Field          string
		DetailNames2KB bool
	}
	want := refusal{Kind: fault.KindTooLarge, Field: "document", DetailNames2KB: true}
	got := refusal{Kind: fe.Kind, Field: fe.Fields[0].Field, DetailNames2KB: strings.Contains(fe.Detail, "2 KB")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("err %v (-want +got):\n%s", err, diff)
	}
	if countRows(t, db) != 0 || len(blobs(t, dir)) != 0 {
		t.Error("an oversized upload left something behind")
	}
	// Exactly at the limit is fine.
	exact := samplePDF(strings.Repeat("y", 2048-len(samplePDF(""))))
	if _, err := store.Save(ctx, db, bytes.NewReader(exact), "pas.pdf", files.Options{}); err != nil {
		t.Fatalf("a file of exactly the limit: %v", err)
	}
}

func TestSaveInsideARolledBackTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	dir := t.TempDir()
	now := time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)
	store := files.NewStore(dir, 1<<20, clock.NewFixed(now))
	errRollback := errors.New("roll back")
	err := db.Transaction(func(tx *gorm.DB) error {
		if _, err := store.Save(ctx, tx, bytes.NewReader(samplePDF("batal")), "batal.pdf", files.Options{}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if countRows(t, db) != 0 {
		t.Fatal("row survived the rollback")
	}
	kept, err := store.Save(ctx, db, bytes.NewReader(samplePDF("tetap")), "tetap.pdf", files.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Make every blob old, then sweep: only the unreferenced one goes.
	old := now.Add(-2 * time.Hour)
	for _, p := range blobs(t, dir) {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := store.Sweep(ctx, db, now.Add(-time.Hour))
	if err != nil || removed != 1 {
		t.Fatalf("sweep removed %d, %v; want 1", removed, err)
	}
	left := blobs(t, dir)
	if len(left) != 1 || filepath.Base(left[0]) != kept.SHA256 {
		t.Errorf("after sweep %v, want only %s", left, kept.SHA256)
	}
}

func TestOpenUnknownFile(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	store := files.NewStore(t.TempDir(), 1<<20, nil)
	if _, _, err := store.Open(context.Background(), db, 999); !errors.Is(err, fault.ErrNotFound) {
		t.Fatalf("err %v, want not found", err)
	}
}

func TestDeclaredNamesAreCleaned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	store := files.NewStore(t.TempDir(), 1<<20, nil)
	tests := []struct{ declared, want string }{
		{"../../etc/passwd.pdf", "passwd.pdf"},
		{`C:\Users\budi\Perjanjian Kemitraan.pdf`, "Perjanjian Kemitraan.pdf"},
		{"a\x00b\nc.pdf", "abc.pdf"},
		{strings.Repeat("é", 150) + ".pdf", strings.Repeat("é", 100)},
	}
	for i, tt := range tests {
		f, err := store.Save(ctx, db, bytes.NewReader(samplePDF(strings.Repeat("n", i+1))), tt.declared, files.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if f.OriginalName != tt.want {
			t.Errorf("%q stored as %q, want %q", tt.declared, f.OriginalName, tt.want)
		}
	}
}
