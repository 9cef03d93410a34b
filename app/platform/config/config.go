// Package config holds the one typed configuration of the service: defaults,
// then an optional YAML file, then environment variables, validated once at
// start and passed down explicitly.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // the letterhead logo may be a JPEG
	_ "image/png"  // or a PNG
	"io"
	"net"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration. The yaml tag is the key in
// config/kemitraan.yaml; the env tag is the environment variable that
// overrides it.
type Config struct {
	// Env is "development" (text logs, logging e-mail sender) or "production".
	Env      string   `yaml:"env" env:"KEMITRAAN_ENV"`
	HTTP     HTTP     `yaml:"http"`
	Database Database `yaml:"database"`
	Log      Log      `yaml:"log"`
	Uploads  Uploads  `yaml:"uploads"`
	Auth     Auth     `yaml:"auth"`
	Jobs     Jobs     `yaml:"jobs"`
	Mail     Mail     `yaml:"mail"`
	WhatsApp WhatsApp `yaml:"whatsapp"`
	Office   Office   `yaml:"office"`
	// Procurement bounds what companies may report.
	Procurement Procurement `yaml:"procurement"`
	// RulesDir is where the rule set YAML files live (one per version).
	RulesDir string `yaml:"rules_dir" env:"KEMITRAAN_RULES_DIR"`
}

type HTTP struct {
	Addr            string        `yaml:"addr" env:"KEMITRAAN_HTTP_ADDR"`
	ReadTimeout     time.Duration `yaml:"read_timeout" env:"KEMITRAAN_HTTP_READ_TIMEOUT"`
	WriteTimeout    time.Duration `yaml:"write_timeout" env:"KEMITRAAN_HTTP_WRITE_TIMEOUT"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout" env:"KEMITRAAN_HTTP_SHUTDOWN_TIMEOUT"`
	// BodyLimit caps JSON request bodies in bytes; uploads have their own limit.
	BodyLimit int64 `yaml:"body_limit" env:"KEMITRAAN_HTTP_BODY_LIMIT"`
	// PublicURL is the address people reach the service at, used in links
	// sent by e-mail (for example the IKM confirmation link).
	PublicURL string `yaml:"public_url" env:"KEMITRAAN_PUBLIC_URL"`
	// RequestTimeout is the budget of one request: past it the request is
	// answered 503 and its database work is cancelled. Imports and exports
	// have their own, larger budgets.
	RequestTimeout time.Duration `yaml:"request_timeout" env:"KEMITRAAN_HTTP_REQUEST_TIMEOUT"`
	ImportTimeout  time.Duration `yaml:"import_timeout" env:"KEMITRAAN_HTTP_IMPORT_TIMEOUT"`
	ExportTimeout  time.Duration `yaml:"export_timeout" env:"KEMITRAAN_HTTP_EXPORT_TIMEOUT"`
	// TrustedProxies are the reverse proxies (IP addresses or CIDR ranges)
	// whose X-Forwarded-For is believed. From anyone else the header is
	// ignored, so nobody can forge the address that audit events record and
	// the per-address login limit counts; with none, the address is the TCP
	// peer's.
	TrustedProxies []string `yaml:"trusted_proxies" env:"KEMITRAAN_HTTP_TRUSTED_PROXIES"`
}

// TrustedNets parses TrustedProxies; an address alone is a range of one.
// The error names the first entry that is neither.
func (h HTTP) TrustedNets() ([]*net.IPNet, error) {
	nets := make([]*net.IPNet, 0, len(h.TrustedProxies))
	for _, entry := range h.TrustedProxies {
		if _, n, err := net.ParseCIDR(entry); err == nil {
			nets = append(nets, n)
			continue
		}
		ip := net.ParseIP(entry)
		if ip == nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR range", entry)
		}
		bits := 8 * net.IPv6len
		if ip4 := ip.To4(); ip4 != nil {
			ip, bits = ip4, 8*net.IPv4len
		}
		nets = append(nets, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
	}
	return nets, nil
}

type Database struct {
	URL             Secret        `yaml:"url" env:"DATABASE_URL"`
	MaxOpenConns    int           `yaml:"max_open_conns" env:"KEMITRAAN_DB_MAX_OPEN_CONNS"`
	MaxIdleConns    int           `yaml:"max_idle_conns" env:"KEMITRAAN_DB_MAX_IDLE_CONNS"`
	ConnMaxLifetime time.Duration `yaml:"conn_max_lifetime" env:"KEMITRAAN_DB_CONN_MAX_LIFETIME"`
	// AcquireTimeout bounds the wait for a free pooled connection; past it
	// the request is answered 503 (the database is busy).
	AcquireTimeout time.Duration `yaml:"acquire_timeout" env:"KEMITRAAN_DB_ACQUIRE_TIMEOUT"`
	// StatementTimeout and IdleInTransactionTimeout are set on every
	// connection (PostgreSQL's statement_timeout and
	// idle_in_transaction_session_timeout; 0 turns one off): the server's
	// own backstop for work nobody waits for any more.
	StatementTimeout         time.Duration `yaml:"statement_timeout" env:"KEMITRAAN_DB_STATEMENT_TIMEOUT"`
	IdleInTransactionTimeout time.Duration `yaml:"idle_in_transaction_timeout" env:"KEMITRAAN_DB_IDLE_IN_TRANSACTION_TIMEOUT"`
	// Migrate applies pending migrations when serve starts instead of refusing.
	Migrate bool `yaml:"migrate" env:"KEMITRAAN_DB_MIGRATE"`
}

type Log struct {
	Level  string `yaml:"level" env:"KEMITRAAN_LOG_LEVEL"`
	Format string `yaml:"format" env:"KEMITRAAN_LOG_FORMAT"`
}

type Uploads struct {
	Dir      string `yaml:"dir" env:"KEMITRAAN_UPLOADS_DIR"`
	MaxBytes int64  `yaml:"max_bytes" env:"KEMITRAAN_UPLOADS_MAX_BYTES"`
}

type Auth struct {
	// TokenSecret signs password-less confirmation links. When empty, a
	// random secret generated once per installation and kept in the
	// database is used, so every replica signs alike.
	TokenSecret Secret        `yaml:"token_secret" env:"KEMITRAAN_TOKEN_SECRET"`
	SessionTTL  time.Duration `yaml:"session_ttl" env:"KEMITRAAN_SESSION_TTL"`
	// LoginMaxFails locks one username out; LoginMaxFailsPerAddress locks
	// one address out, whatever usernames it tries. The people of an office
	// often share one address, so its limit is higher: one person's typos
	// must not lock out everyone there.
	LoginMaxFails           int           `yaml:"login_max_fails" env:"KEMITRAAN_LOGIN_MAX_FAILS"`
	LoginMaxFailsPerAddress int           `yaml:"login_max_fails_per_address" env:"KEMITRAAN_LOGIN_MAX_FAILS_PER_ADDRESS"`
	LoginLockWindow         time.Duration `yaml:"login_lock_window" env:"KEMITRAAN_LOGIN_LOCK_WINDOW"`
}

type Jobs struct {
	// Enabled runs the cron scheduler inside serve.
	Enabled bool `yaml:"enabled" env:"KEMITRAAN_JOBS_ENABLED"`
	// Schedules maps a job name to a cron expression, read in WIB.
	Schedules map[string]string `yaml:"schedules"`
}

type Mail struct {
	// SMTPAddr is host:port; empty means notifications are written to the log.
	SMTPAddr string `yaml:"smtp_addr" env:"KEMITRAAN_SMTP_ADDR"`
	Username string `yaml:"username" env:"KEMITRAAN_SMTP_USERNAME"`
	Password Secret `yaml:"password" env:"KEMITRAAN_SMTP_PASSWORD"`
	From     string `yaml:"from" env:"KEMITRAAN_MAIL_FROM"`
}

// WhatsApp is the WhatsApp Business Platform (Cloud API) channel: template
// messages to IKM who agreed to them. Off while BaseURL is empty.
type WhatsApp struct {
	// BaseURL is the Graph API's, with its version, for example
	// https://graph.facebook.com/v21.0.
	BaseURL       string `yaml:"base_url" env:"KEMITRAAN_WHATSAPP_BASE_URL"`
	PhoneNumberID string `yaml:"phone_number_id" env:"KEMITRAAN_WHATSAPP_PHONE_NUMBER_ID"`
	AccessToken   Secret `yaml:"access_token" env:"KEMITRAAN_WHATSAPP_ACCESS_TOKEN"`
	// Language is the templates' language code.
	Language string `yaml:"language" env:"KEMITRAAN_WHATSAPP_LANGUAGE"`
	// Templates names the approved template of each kind of message sent
	// by WhatsApp; a kind without one goes by e-mail.
	Templates map[string]string `yaml:"templates"`
	// AppSecret verifies the signature (X-Hub-Signature-256) of the
	// webhook's calls; empty: the webhook is off.
	AppSecret Secret `yaml:"app_secret" env:"KEMITRAAN_WHATSAPP_APP_SECRET"`
	// VerifyToken answers the webhook's subscription handshake.
	VerifyToken Secret `yaml:"verify_token" env:"KEMITRAAN_WHATSAPP_VERIFY_TOKEN"`
}

// Webhook reports whether WhatsApp's webhook is taken.
func (w WhatsApp) Webhook() bool { return w.AppSecret != "" }

// Title is the office as a sentence names it: "Dinas Perindustrian".
func (o Office) Title() string { return titleCase(o.Name) }

// Region is the government it serves, without "PEMERINTAH": "Kabupaten
// Bekasi".
func (o Office) Region() string { return titleCase(strings.TrimPrefix(o.Government, "PEMERINTAH ")) }

// FullName is how every message names the office: "Dinas Perindustrian
// Kabupaten Bekasi".
func (o Office) FullName() string { return strings.TrimSpace(o.Title() + " " + o.Region()) }

func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// Enabled reports whether the WhatsApp channel is configured.
func (w WhatsApp) Enabled() bool { return w.BaseURL != "" }

// Sends reports whether messages of kind go by WhatsApp (to those who
// agreed): the channel is on and the kind has its template.
func (w WhatsApp) Sends(kind string) bool { return w.Enabled() && w.Templates[kind] != "" }

type Procurement struct {
	// MaxAmount is the sanity ceiling of one purchase, in rupiah.
	MaxAmount int64 `yaml:"max_amount" env:"KEMITRAAN_PROCUREMENT_MAX_AMOUNT"`
	// ImportMaxBytes caps an uploaded CSV or XLSX import.
	ImportMaxBytes int64 `yaml:"import_max_bytes" env:"KEMITRAAN_PROCUREMENT_IMPORT_MAX_BYTES"`
	// ImportMaxRows caps the data rows of one import.
	ImportMaxRows int `yaml:"import_max_rows" env:"KEMITRAAN_PROCUREMENT_IMPORT_MAX_ROWS"`
}

// Office is the Dinas: the letterhead printed on letters, and the contact
// every page footer, notice and message gives.
type Office struct {
	Name       string `yaml:"name" env:"KEMITRAAN_OFFICE_NAME"`
	Government string `yaml:"government" env:"KEMITRAAN_OFFICE_GOVERNMENT"`
	Address    string `yaml:"address" env:"KEMITRAAN_OFFICE_ADDRESS"`
	City       string `yaml:"city" env:"KEMITRAAN_OFFICE_CITY"`
	LetterCode string `yaml:"letter_code" env:"KEMITRAAN_OFFICE_LETTER_CODE"`
	Telephone  string `yaml:"telephone" env:"KEMITRAAN_OFFICE_TELEPHONE"`
	Email      string `yaml:"email" env:"KEMITRAAN_OFFICE_EMAIL"`
	// WhatsApp is the Dinas's WhatsApp number in international form without
	// "+", for example 6281234567890 (the form wa.me links take).
	WhatsApp string `yaml:"whatsapp" env:"KEMITRAAN_OFFICE_WHATSAPP"`
	Website  string `yaml:"website" env:"KEMITRAAN_OFFICE_WEBSITE"`
	Hours    string `yaml:"hours" env:"KEMITRAAN_OFFICE_HOURS"`
	// LogoFile is the letterhead's logo, a PNG or JPEG file; empty prints
	// the letterhead without one. Checked at start (see ReadLogo).
	LogoFile string `yaml:"logo_file" env:"KEMITRAAN_OFFICE_LOGO_FILE"`
	// LetterCopies is the copy list (tembusan) printed on warnings, in
	// order; empty prints none.
	LetterCopies []string `yaml:"letter_copies" env:"KEMITRAAN_OFFICE_LETTER_COPIES"`
	// DisputesEmail is told of every dispute an IKM raises (beside the
	// officers' queue); empty: only the queue.
	DisputesEmail string `yaml:"disputes_email" env:"KEMITRAAN_OFFICE_DISPUTES_EMAIL"`
}

// Secret is a string that never prints itself.
type Secret string

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "*****"
}

// Value returns the secret itself, for the one place that needs it.
func (s Secret) Value() string { return string(s) }

// Default returns the configuration used when nothing overrides it.
func Default() Config {
	return Config{
		Env: "development",
		HTTP: HTTP{
			Addr:            "127.0.0.1:8080",
			ReadTimeout:     30 * time.Second,
			WriteTimeout:    120 * time.Second,
			ShutdownTimeout: 20 * time.Second,
			BodyLimit:       1 << 20,
			PublicURL:       "http://127.0.0.1:8080",
			RequestTimeout:  30 * time.Second,
			ImportTimeout:   10 * time.Minute,
			ExportTimeout:   5 * time.Minute,
			TrustedProxies:  []string{},
		},
		Database: Database{
			// As many idle as open: a pool that closes connections it will
			// want again a moment later pays a new backend for each.
			MaxOpenConns:             20,
			MaxIdleConns:             20,
			ConnMaxLifetime:          30 * time.Minute,
			AcquireTimeout:           10 * time.Second,
			StatementTimeout:         5 * time.Minute,
			IdleInTransactionTimeout: time.Minute,
		},
		Log:     Log{Level: "info"},
		Uploads: Uploads{Dir: ".data/uploads", MaxBytes: 10 << 20},
		Auth: Auth{
			SessionTTL:              12 * time.Hour,
			LoginMaxFails:           5,
			LoginMaxFailsPerAddress: 50,
			LoginLockWindow:         15 * time.Minute,
		},
		Jobs: Jobs{
			Enabled: true,
			Schedules: map[string]string{
				"evaluate": "30 1 * * *",
				"lapse":    "0 2 * * *",
				"remind":   "0 7 * * *",
				"expire":   "15 0 * * *",
				"outbox":   "@every 1m",
			},
		},
		Mail: Mail{From: "Dinas Perindustrian Kabupaten Bekasi <noreply@disperin.bekasikab.go.id>"},
		WhatsApp: WhatsApp{Language: "id", Templates: map[string]string{
			"purchase.confirmation_request": "konfirmasi_pembelian", "reminder.confirmation": "pengingat_konfirmasi"}},
		Office: Office{
			Name:          "DINAS PERINDUSTRIAN",
			Government:    "PEMERINTAH KABUPATEN BEKASI",
			Address:       "Kompleks Perkantoran Pemkab Bekasi, Desa Sukamahi, Cikarang Pusat, Kabupaten Bekasi 17530",
			City:          "Cikarang",
			LetterCode:    "DISPERIN",
			Telephone:     "(021) 89970001",
			Email:         "disperin@bekasikab.go.id",
			WhatsApp:      "6281110001700",
			Website:       "https://disperin.bekasikab.go.id",
			Hours:         "Senin–Jumat, 08.00–16.00 WIB",
			DisputesEmail: "disperin@bekasikab.go.id",
			LetterCopies: []string{
				"Bupati Bekasi (sebagai laporan)",
				"Kepala Dinas Penanaman Modal dan PTSP Kabupaten Bekasi",
				"Arsip",
			},
		},
		Procurement: Procurement{MaxAmount: 10_000_000_000, ImportMaxBytes: 64 << 20, ImportMaxRows: 200_000},
		RulesDir:    "config/rules",
	}
}

// Load builds the configuration from defaults, the YAML file at path (skipped
// when path is empty, or when it is the default path and does not exist) and
// the environment, then validates it.
func Load(path string, pathRequired bool, getenv func(string) string) (Config, error) {
	cfg := Default()
	if path != "" {
		raw, err := os.ReadFile(path)
		switch {
		case errors.Is(err, os.ErrNotExist) && !pathRequired:
		case err != nil:
			return cfg, fmt.Errorf("config: read %s: %w", path, err)
		default:
			dec := yaml.NewDecoder(bytes.NewReader(raw))
			dec.KnownFields(true)
			// An empty file decodes to io.EOF: nothing to override.
			if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
				return cfg, fmt.Errorf("config: %s: %w", path, err)
			}
		}
	}
	if err := applyEnv(reflect.ValueOf(&cfg).Elem(), getenv); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

func applyEnv(v reflect.Value, getenv func(string) string) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f, fv := t.Field(i), v.Field(i)
		if f.Type.Kind() == reflect.Struct {
			if err := applyEnv(fv, getenv); err != nil {
				return err
			}
			continue
		}
		name := f.Tag.Get("env")
		if name == "" {
			continue
		}
		raw := getenv(name)
		if raw == "" {
			continue
		}
		if err := setValue(fv, raw); err != nil {
			return fmt.Errorf("config: %s=%q: %w", name, raw, err)
		}
	}
	return nil
}

func setValue(fv reflect.Value, raw string) error {
	switch fv.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return errors.New("not a duration such as 30s or 5m")
		}
		fv.SetInt(int64(d))
		return nil
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(raw)
	case reflect.Slice:
		if fv.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("unsupported kind %s", fv.Kind())
		}
		// A comma-separated list; blanks around and between entries are
		// dropped.
		list := []string{}
		for _, item := range strings.Split(raw, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		fv.Set(reflect.ValueOf(list))
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return errors.New("not true or false")
		}
		fv.SetBool(b)
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return errors.New("not a whole number")
		}
		fv.SetInt(n)
	default:
		return fmt.Errorf("unsupported kind %s", fv.Kind())
	}
	return nil
}

// Validate reports every invalid key at once.
func (c Config) Validate() error {
	var problems []string
	bad := func(key, reason string) { problems = append(problems, key+": "+reason) }

	if c.Env != "development" && c.Env != "production" {
		bad("env", "must be development or production")
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("http.addr", "must be host:port, for example 127.0.0.1:8080")
	}
	if u, err := url.Parse(c.HTTP.PublicURL); err != nil || u.Scheme == "" || u.Host == "" {
		bad("http.public_url", "must be an absolute URL")
	}
	if _, err := c.HTTP.TrustedNets(); err != nil {
		bad("http.trusted_proxies", err.Error())
	}
	// A slice, not a map, so the problems come out in file order every time.
	for _, d := range []struct {
		key string
		d   time.Duration
	}{
		{"http.read_timeout", c.HTTP.ReadTimeout}, {"http.write_timeout", c.HTTP.WriteTimeout},
		{"http.shutdown_timeout", c.HTTP.ShutdownTimeout}, {"auth.session_ttl", c.Auth.SessionTTL},
		{"auth.login_lock_window", c.Auth.LoginLockWindow},
		{"http.request_timeout", c.HTTP.RequestTimeout}, {"http.import_timeout", c.HTTP.ImportTimeout},
		{"http.export_timeout", c.HTTP.ExportTimeout}, {"database.acquire_timeout", c.Database.AcquireTimeout},
	} {
		if d.d <= 0 {
			bad(d.key, "must be positive")
		}
	}
	if c.HTTP.BodyLimit < 1024 {
		bad("http.body_limit", "must be at least 1024 bytes")
	}
	if c.Database.URL != "" {
		if u, err := url.Parse(c.Database.URL.Value()); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			bad("database.url", "must be a postgres:// URL")
		}
	}
	if c.Database.MaxOpenConns < 1 {
		bad("database.max_open_conns", "must be at least 1")
	}
	if c.Database.MaxIdleConns < 0 || c.Database.MaxIdleConns > c.Database.MaxOpenConns {
		bad("database.max_idle_conns", "must be between 0 and database.max_open_conns")
	}
	if c.Database.StatementTimeout < 0 {
		bad("database.statement_timeout", "must not be negative (0 turns it off)")
	}
	if c.Database.IdleInTransactionTimeout < 0 {
		bad("database.idle_in_transaction_timeout", "must not be negative (0 turns it off)")
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "must be debug, info, warn or error")
	}
	if c.Log.Format != "" && c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format", "must be text or json (empty: json in production, text otherwise)")
	}
	if c.Uploads.Dir == "" {
		bad("uploads.dir", "must not be empty")
	}
	if c.Uploads.MaxBytes < 1024 {
		bad("uploads.max_bytes", "must be at least 1024 bytes")
	}
	// Empty means a per-installation secret kept in the database.
	if c.Auth.TokenSecret != "" && len(c.Auth.TokenSecret) < 32 {
		bad("auth.token_secret", "must be at least 32 characters")
	}
	if c.Auth.LoginMaxFails < 1 {
		bad("auth.login_max_fails", "must be at least 1")
	}
	if c.Auth.LoginMaxFailsPerAddress < c.Auth.LoginMaxFails {
		bad("auth.login_max_fails_per_address", "must be at least auth.login_max_fails")
	}
	if c.Mail.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.Mail.SMTPAddr); err != nil {
			bad("mail.smtp_addr", "must be host:port")
		}
	}
	if w := c.WhatsApp; w.Enabled() {
		if u, err := url.Parse(w.BaseURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			bad("whatsapp.base_url", "must be an absolute URL, for example https://graph.facebook.com/v21.0")
		}
		if w.PhoneNumberID == "" {
			bad("whatsapp.phone_number_id", "must be set when whatsapp.base_url is")
		}
		if w.AccessToken == "" {
			bad("whatsapp.access_token", "must be set when whatsapp.base_url is")
		}
		if w.Language == "" {
			bad("whatsapp.language", "must be set, for example id")
		}
		if len(w.Templates) == 0 {
			bad("whatsapp.templates", "must name at least one template, for example purchase.confirmation_request")
		}
	}
	if c.Procurement.MaxAmount < 1 {
		bad("procurement.max_amount", "must be at least 1 rupiah")
	}
	if c.Procurement.ImportMaxBytes < 1024 {
		bad("procurement.import_max_bytes", "must be at least 1024 bytes")
	}
	if c.Procurement.ImportMaxRows < 1 {
		bad("procurement.import_max_rows", "must be at least 1")
	}
	if w := c.Office.WhatsApp; w != "" && !validWhatsApp(w) {
		bad("office.whatsapp", "must be digits in international form without +, starting 62, for example 6281234567890")
	}
	if w := c.Office.Website; w != "" {
		if u, err := url.Parse(w); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("office.website", "must be an http(s) URL")
		}
	}
	if c.Office.LogoFile != "" {
		if _, _, err := ReadLogo(c.Office.LogoFile); err != nil {
			bad("office.logo_file", err.Error())
		}
	}
	if len(c.Office.LetterCopies) > maxLetterCopies {
		bad("office.letter_copies", fmt.Sprintf("at most %d entries", maxLetterCopies))
	}
	for i, cc := range c.Office.LetterCopies {
		if strings.TrimSpace(cc) == "" || utf8.RuneCountInString(cc) > 200 {
			bad(fmt.Sprintf("office.letter_copies[%d]", i), "must be 1 to 200 characters")
		}
	}
	if c.RulesDir == "" {
		bad("rules_dir", "must not be empty")
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid configuration:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// LogFormat is the configured log format, or by default JSON in production
// (for log collectors) and text in development (for people).
func (c Config) LogFormat() string {
	switch {
	case c.Log.Format != "":
		return c.Log.Format
	case c.Env == "production":
		return "json"
	default:
		return "text"
	}
}

// RedactURL hides the password of a database URL for logging.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable)"
	}
	return u.Redacted()
}

// maxLetterCopies keeps the copy list to what fits under a signature.
const maxLetterCopies = 10

// maxLogoBytes bounds the letterhead logo: it is embedded in every letter.
const maxLogoBytes = 1 << 20

// ReadLogo reads the letterhead logo at path and names its image type as
// the PDF writer takes it ("PNG" or "JPG"). The error says, for a person,
// why the file cannot be printed: missing, too large, not a PNG or JPEG, or
// a PNG kind the PDF writer refuses (interlaced).
func ReadLogo(path string) (data []byte, imageType string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("cannot be read (%w)", err)
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, maxLogoBytes+1))
	switch {
	case err != nil:
		return nil, "", fmt.Errorf("cannot be read (%w)", err)
	case len(data) > maxLogoBytes:
		return nil, "", fmt.Errorf("must be at most %d KiB", maxLogoBytes>>10)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	switch {
	case err != nil || (format != "png" && format != "jpeg"):
		return nil, "", errors.New("must be a PNG or JPEG image")
	case cfg.Width == 0 || cfg.Height == 0:
		return nil, "", errors.New("is an empty image")
	case format == "png" && len(data) > 28 && data[28] != 0:
		// IHDR's interlace method; the PDF writer embeds only
		// non-interlaced PNG.
		return nil, "", errors.New("must not be an interlaced PNG (save it again without interlacing)")
	case format == "png":
		return data, "PNG", nil
	}
	return data, "JPG", nil
}

// validWhatsApp: 62 and 8 to 13 more digits, as wa.me wants it.
func validWhatsApp(n string) bool {
	if !strings.HasPrefix(n, "62") || len(n) < 10 || len(n) > 15 {
		return false
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
