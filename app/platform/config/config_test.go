package config

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kemitraan.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, "http:\n  addr: 0.0.0.0:9000\n  read_timeout: 5s\nlog:\n  level: debug\n")
	tests := []struct {
		name      string
		env       map[string]string
		wantAddr  string
		wantLevel string
		wantRead  time.Duration
	}{
		{"file over defaults", nil, "0.0.0.0:9000", "debug", 5 * time.Second},
		{"env over file", map[string]string{"KEMITRAAN_HTTP_ADDR": "127.0.0.1:7000", "KEMITRAAN_HTTP_READ_TIMEOUT": "7s"},
			"127.0.0.1:7000", "debug", 7 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(file, true, envOf(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if cfg.HTTP.Addr != tt.wantAddr || cfg.Log.Level != tt.wantLevel || cfg.HTTP.ReadTimeout != tt.wantRead {
				t.Errorf("got addr %s level %s read %s", cfg.HTTP.Addr, cfg.Log.Level, cfg.HTTP.ReadTimeout)
			}
			// Untouched keys keep their defaults.
			if cfg.HTTP.WriteTimeout != Default().HTTP.WriteTimeout {
				t.Errorf("write timeout %s, want default", cfg.HTTP.WriteTimeout)
			}
		})
	}
}

func TestTrustedProxiesFromEnv(t *testing.T) {
	cfg, err := Load("", false, envOf(map[string]string{"KEMITRAAN_HTTP_TRUSTED_PROXIES": " 10.0.0.5, ,10.1.0.0/16,2001:db8::1 "}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10.0.0.5", "10.1.0.0/16", "2001:db8::1"}; !reflect.DeepEqual(cfg.HTTP.TrustedProxies, want) {
		t.Fatalf("trusted proxies %q, want %q", cfg.HTTP.TrustedProxies, want)
	}
	nets, err := cfg.HTTP.TrustedNets()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range nets {
		got = append(got, n.String())
	}
	if want := []string{"10.0.0.5/32", "10.1.0.0/16", "2001:db8::1/128"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ranges %q, want %q", got, want)
	}
}

func TestDefaultsWhenNoFile(t *testing.T) {
	cfg, err := Load(filepath.Join(t.TempDir(), "absent.yaml"), false, envOf(map[string]string{
		"DATABASE_URL": "postgres://u:hunter2@db:5432/k",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != "127.0.0.1:8080" {
		t.Errorf("defaults not applied: %+v", cfg.HTTP)
	}
	if cfg.Database.URL.Value() != "postgres://u:hunter2@db:5432/k" {
		t.Errorf("DATABASE_URL not read")
	}
	if s := cfg.Database.URL.String(); strings.Contains(s, "hunter2") {
		t.Errorf("secret printed: %s", s)
	}
	if s := RedactURL(cfg.Database.URL.Value()); strings.Contains(s, "hunter2") {
		t.Errorf("redacted URL shows the password: %s", s)
	}
}

func TestInvalidValuesNameTheKey(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  map[string]string
		want []string
	}{
		{"bad address", "", map[string]string{"KEMITRAAN_HTTP_ADDR": "8080"}, []string{"http.addr"}},
		{"bad duration env", "", map[string]string{"KEMITRAAN_HTTP_READ_TIMEOUT": "soon"}, []string{"KEMITRAAN_HTTP_READ_TIMEOUT", "duration"}},
		{"bad number env", "", map[string]string{"KEMITRAAN_DB_MAX_OPEN_CONNS": "many"}, []string{"KEMITRAAN_DB_MAX_OPEN_CONNS", "whole number"}},
		{"several at once", "log:\n  level: loud\n  format: xml\n", nil, []string{"log.level", "log.format"}},
		{"unknown key", "htp:\n  addr: x\n", nil, []string{"htp"}},
		{"bad database url", "", map[string]string{"DATABASE_URL": "mysql://x"}, []string{"database.url"}},
		{"short token secret", "", map[string]string{"KEMITRAAN_TOKEN_SECRET": "pendek"}, []string{"auth.token_secret"}},
		{"the time zone is WIB, not a setting", "timezone: Asia/Makassar\n", nil, []string{"timezone"}},
		{"bad trusted proxy", "", map[string]string{"KEMITRAAN_HTTP_TRUSTED_PROXIES": "10.0.0.5, 10.0.0.300/8"},
			[]string{`http.trusted_proxies: "10.0.0.300/8" is neither an IP address nor a CIDR range`}},
		{"bad trusted proxy in the file", "http:\n  trusted_proxies: [proxy.local]\n", nil,
			[]string{`http.trusted_proxies: "proxy.local"`}},
		{"address login limit below the username's", "", map[string]string{"KEMITRAAN_LOGIN_MAX_FAILS": "10",
			"KEMITRAAN_LOGIN_MAX_FAILS_PER_ADDRESS": "9"}, []string{"auth.login_max_fails_per_address: must be at least auth.login_max_fails"}},
		{"durations in file order", "", map[string]string{"KEMITRAAN_HTTP_READ_TIMEOUT": "-1s",
			"KEMITRAAN_HTTP_WRITE_TIMEOUT": "0s", "KEMITRAAN_SESSION_TTL": "-1h"},
			[]string{"http.read_timeout: must be positive\n  http.write_timeout: must be positive\n  auth.session_ttl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeFile(t, tt.file)
			}
			_, err := Load(path, tt.file != "", envOf(tt.env))
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// The shipped file says it shows the built-in defaults and names each key's
// environment variable beside it; both claims are checked here.
func TestShippedConfigFileLoads(t *testing.T) {
	const path = "../../../config/kemitraan.yaml"
	cfg, err := Load(path, true, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Jobs.Schedules["evaluate"] == "" {
		t.Error("shipped config has no evaluate schedule")
	}
	if !reflect.DeepEqual(cfg, Default()) {
		t.Errorf("shipped config differs from the defaults:\n file    %+v\n default %+v", cfg, Default())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var walk func(reflect.Type)
	walk = func(typ reflect.Type) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type)
			} else if name := f.Tag.Get("env"); name != "" && !strings.Contains(string(raw), name) {
				t.Errorf("shipped config does not name %s beside %s", name, f.Tag.Get("yaml"))
			}
		}
	}
	walk(reflect.TypeOf(Config{}))
}

func TestLogFormatFollowsEnvironment(t *testing.T) {
	tests := []struct{ env, format, want string }{
		{"development", "", "text"},
		{"production", "", "json"},
		{"production", "text", "text"},
	}
	for _, tt := range tests {
		cfg, err := Load("", false, envOf(map[string]string{"KEMITRAAN_ENV": tt.env, "KEMITRAAN_LOG_FORMAT": tt.format}))
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.LogFormat(); got != tt.want {
			t.Errorf("env %s format %q: got %s, want %s", tt.env, tt.format, got, tt.want)
		}
	}
}

// writeImage writes a small PNG or JPEG logo into a temporary directory.
func writeImage(t *testing.T, name string, encode func(io.Writer, image.Image) error) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = 0xc0
	}
	var buf bytes.Buffer
	if err := encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLetterheadLogo: office.logo_file is checked at start: a PNG or JPEG
// is taken, and anything the letters could not print stops start-up naming
// the key and why.
func TestLetterheadLogo(t *testing.T) {
	pngFile := writeImage(t, "logo.png", png.Encode)
	jpegFile := writeImage(t, "logo.jpg", func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) })
	for file, want := range map[string]string{pngFile: "PNG", jpegFile: "JPG"} {
		cfg, err := Load("", false, envOf(map[string]string{"KEMITRAAN_OFFICE_LOGO_FILE": file}))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if _, kind, err := ReadLogo(cfg.Office.LogoFile); err != nil || kind != want {
			t.Errorf("%s read as %q (%v), want %s", file, kind, err, want)
		}
	}

	// An interlaced PNG: the same image with IHDR's interlace byte set and
	// the chunk's checksum made right again.
	raw, err := os.ReadFile(pngFile)
	if err != nil {
		t.Fatal(err)
	}
	raw[28] = 1
	binary.BigEndian.PutUint32(raw[29:33], crc32.ChecksumIEEE(raw[12:29]))
	interlaced := filepath.Join(t.TempDir(), "interlaced.png")
	text := filepath.Join(t.TempDir(), "logo.png")
	big := filepath.Join(t.TempDir(), "big.png")
	for p, body := range map[string][]byte{interlaced: raw, text: []byte("bukan gambar"), big: make([]byte, 2<<20)} {
		if err := os.WriteFile(p, body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ file, want string }{
		{filepath.Join(t.TempDir(), "absent.png"), "office.logo_file: cannot be read"},
		{text, "office.logo_file: must be a PNG or JPEG image"},
		{interlaced, "office.logo_file: must not be an interlaced PNG"},
		{big, "office.logo_file: must be at most 1024 KiB"},
	} {
		_, err := Load("", false, envOf(map[string]string{"KEMITRAAN_OFFICE_LOGO_FILE": tc.file}))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", filepath.Base(tc.file), err, tc.want)
		}
	}
}

func TestLetterCopies(t *testing.T) {
	cfg, err := Load("", false, envOf(map[string]string{"KEMITRAAN_OFFICE_LETTER_COPIES": "Bupati Bekasi, Arsip"}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"Bupati Bekasi", "Arsip"}; !reflect.DeepEqual(cfg.Office.LetterCopies, want) {
		t.Errorf("copies %q, want %q", cfg.Office.LetterCopies, want)
	}
	cfg, err = Load(writeFile(t, "office:\n  letter_copies: []\n"), true, envOf(nil))
	if err != nil || len(cfg.Office.LetterCopies) != 0 {
		t.Errorf("an empty list: %q %v", cfg.Office.LetterCopies, err)
	}
	_, err = Load(writeFile(t, "office:\n  letter_copies: [Arsip, \"  \"]\n"), true, envOf(nil))
	if err == nil || !strings.Contains(err.Error(), "office.letter_copies[1]") {
		t.Errorf("a blank entry: %v", err)
	}
}
