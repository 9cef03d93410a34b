package dbtest

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
	"gorm.io/gorm"
)

// Proxy relays TCP connections to the test server, so a test can take the
// database away from code under test and give it back: Down drops every
// relayed connection and refuses new ones, as a stopped server does;
// NotReady drops them and answers new ones as a server that is starting up
// or shutting down does; Up relays again on the same address.
type Proxy struct {
	t        testing.TB
	target   string
	addr     string
	mu       sync.Mutex
	ln       net.Listener
	conns    map[net.Conn]struct{}
	notReady string // when set, the FATAL message every new connection gets
}

// NewProxied returns a fresh migrated database reached through a proxy,
// the proxy, and the database reached directly (for setting up and
// checking rows while the proxy is down). Both pools close when t ends.
func NewProxied(t testing.TB) (through *gorm.DB, p *Proxy, direct *gorm.DB) {
	t.Helper()
	raw := URL(t, true)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p = &Proxy{t: t, target: u.Host, conns: map[net.Conn]struct{}{}}
	p.addr = "127.0.0.1:0"
	p.listen("")
	t.Cleanup(p.Down)
	u.Host = p.addr
	return open(t, u.String()), p, open(t, raw)
}

// Up relays connections to the server (again).
func (p *Proxy) Up() {
	p.t.Helper()
	p.Down()
	p.listen("")
}

// NotReady drops every relayed connection and refuses each new one with
// SQLSTATE 57P03 and message, for example "the database system is starting up".
func (p *Proxy) NotReady(message string) {
	p.t.Helper()
	p.Down()
	p.listen(message)
}

func (p *Proxy) listen(notReady string) {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("dbtest: proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln, p.addr, p.notReady = ln, ln.Addr().String(), notReady
	p.mu.Unlock()
	go p.accept(ln, notReady)
}

// Down closes the listener and every relayed connection.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
		delete(p.conns, c)
	}
}

func (p *Proxy) accept(ln net.Listener, notReady string) {
	for {
		client, err := ln.Accept()
		if err != nil {
			return
		}
		if notReady != "" {
			go refuse(client, notReady)
			continue
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		p.mu.Lock()
		if p.ln != ln { // went down meanwhile
			p.mu.Unlock()
			_ = client.Close()
			_ = server.Close()
			return
		}
		p.conns[client], p.conns[server] = struct{}{}, struct{}{}
		p.mu.Unlock()
		go relay(client, server)
		go relay(server, client)
	}
}

func relay(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
}

// refuse answers a connection's startup as a PostgreSQL server that is not
// ready does, with a FATAL error 57P03, and closes it.
func refuse(conn net.Conn, message string) {
	defer conn.Close()
	be := pgproto3.NewBackend(conn, conn)
	for {
		msg, err := be.ReceiveStartupMessage()
		if err != nil {
			return
		}
		if _, ssl := msg.(*pgproto3.SSLRequest); !ssl {
			break
		}
		if _, err := conn.Write([]byte("N")); err != nil {
			return
		}
	}
	be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "57P03", Message: message})
	_ = be.Flush()
}
