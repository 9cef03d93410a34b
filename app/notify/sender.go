package notify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"kemitraan/app/platform/config"
)

// NewSender returns the SMTP sender when mail.smtp_addr is set, else one
// that writes each message to the log (development).
func NewSender(cfg config.Mail, log *slog.Logger) (Sender, error) {
	if cfg.SMTPAddr == "" {
		return LogSender{Log: log}, nil
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("notify: mail.from %q: %w", cfg.From, err)
	}
	return &SMTPSender{Addr: cfg.SMTPAddr, Username: cfg.Username, Password: cfg.Password.Value(), From: from,
		Timeout: 30 * time.Second}, nil
}

// LogSender writes messages to the log instead of sending them.
type LogSender struct{ Log *slog.Logger }

// Send logs m; its status becomes logged, never sent.
func (s LogSender) Send(ctx context.Context, m Message) (Receipt, error) {
	s.Log.InfoContext(ctx, "notification (not sent: no channel is configured for it)",
		"kind", m.Kind, "channel", m.channel(), "to", m.Recipient, "subject", m.Subject, "body", m.Body, "params", m.Params)
	return Receipt{Logged: true}, nil
}

// SMTPSender delivers plain-text UTF-8 mail through one SMTP server, with
// STARTTLS when the server offers it and authentication when a username is
// configured.
type SMTPSender struct {
	Addr     string
	Username string
	Password string
	From     *mail.Address
	Timeout  time.Duration
}

// Send delivers m; the receipt carries its Message-ID. A reply in the
// 5xx range (a mailbox that does not exist) is permanent, 4xx is retried.
func (s *SMTPSender) Send(ctx context.Context, m Message) (Receipt, error) {
	to, err := mail.ParseAddress(m.Recipient)
	if err != nil {
		// Retrying cannot fix a malformed address; the row records why.
		return Receipt{}, Permanent(fmt.Errorf("recipient %q: %w", m.Recipient, err))
	}
	id, err := s.send(ctx, to, m)
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		err = Permanent(err)
	}
	return Receipt{ID: id}, err
}

func (s *SMTPSender) send(ctx context.Context, to *mail.Address, m Message) (string, error) {
	deadline := time.Now().Add(s.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	dialer := net.Dialer{Deadline: deadline}
	conn, err := dialer.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return "", fmt.Errorf("smtp dial: %w", err)
	}
	_ = conn.SetDeadline(deadline)
	host, _, _ := net.SplitHostPort(s.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return "", fmt.Errorf("smtp greeting: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return "", fmt.Errorf("smtp starttls: %w", err)
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return "", fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(s.From.Address); err != nil {
		return "", fmt.Errorf("smtp mail from: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return "", fmt.Errorf("smtp rcpt: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return "", fmt.Errorf("smtp data: %w", err)
	}
	msg, id := compose(s.From, to, m, time.Now())
	if _, err := w.Write(msg); err != nil {
		return "", fmt.Errorf("smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return "", fmt.Errorf("smtp end of data: %w", err)
	}
	return id, c.Quit()
}

// compose renders an RFC 5322 message: UTF-8 subject in encoded words and a
// quoted-printable plain-text body.
func compose(from, to *mail.Address, m Message, now time.Time) (msg []byte, messageID string) {
	var b strings.Builder
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	domain := "kemitraan.local"
	if at := strings.LastIndex(from.Address, "@"); at >= 0 {
		domain = from.Address[at+1:]
	}
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	header("Date", now.Format(time.RFC1123Z))
	messageID = "<" + hex.EncodeToString(id) + "@" + domain + ">"
	header("Message-ID", messageID)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	_, _ = qp.Write([]byte(strings.ReplaceAll(m.Body, "\n", "\r\n")))
	_ = qp.Close()
	return []byte(b.String()), messageID
}
