package procurement

import (
	"encoding/binary"
	"strings"
	"testing"

	"kemitraan/app/platform/format"
	"kemitraan/app/platform/sheet"
)

// The whole transition table, status by decision: a confirmed purchase
// takes no decision at all (it is locked), and nothing leaves a final state.
func TestTransitionTable(t *testing.T) {
	t.Parallel()
	want := map[Status][]Decision{
		StatusReported:  {Confirm, Dispute, Verify, Reject, WithdrawOwnItem},
		StatusDisputed:  {Verify, ResolveConfirm, ResolveReject, Reject, WithdrawOwnItem},
		StatusConfirmed: nil,
		StatusRejected:  nil,
		StatusWithdrawn: nil,
	}
	decisions := []Decision{Confirm, Dispute, Verify, ResolveConfirm, ResolveReject, Reject, WithdrawOwnItem}
	for _, st := range Statuses {
		for _, d := range decisions {
			allowed := false
			for _, w := range want[st] {
				allowed = allowed || w == d
			}
			if got := Allowed(d, st); got != allowed {
				t.Errorf("%s on %s: allowed %v, want %v", d, st, got, allowed)
			}
		}
	}
	if Allowed("delete", StatusReported) {
		t.Error("an unknown decision is allowed")
	}
}

func TestTextFormats(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "Rp0", 999: "Rp999", 1000: "Rp1.000", 1_500_000: "Rp1.500.000",
		-1_500_000: "-Rp1.500.000", 10_000_000_000: "Rp10.000.000.000"} {
		if got := format.Rupiah(n); got != want {
			t.Errorf("format.Rupiah(%d) = %q, want %q", n, got, want)
		}
	}
	for in, want := range map[string]int64{"1500000": 1500000, " 42 ": 42, "1500000.0": 1500000} {
		if got, ok := parseWhole(in); !ok || got != want {
			t.Errorf("parseWhole(%q) = %d, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "1.500.000", "1,5", "-5", "Rp100", "1e6"} {
		if _, ok := parseWhole(in); ok {
			t.Errorf("parseWhole(%q) accepted", in)
		}
	}
	for in, want := range map[string]string{"2025-03-10": "2025-03-10", "10/03/2025": "2025-03-10", "1/3/2025": "2025-03-01"} {
		if got, ok := parseDate(in); !ok || got.Format("2006-01-02") != want {
			t.Errorf("parseDate(%q) = %v, %v", in, got, ok)
		}
	}
	if _, ok := parseDate("2025-02-30"); ok {
		t.Error("30 February accepted")
	}
	if got := sheet.DateCell("45726", sheet.XLSX); got != "2025-03-10" {
		t.Errorf("XLSX serial 45726 = %q", got)
	}
	if got := sheet.DateCell("45726", sheet.CSV); got != "45726" {
		t.Errorf("a CSV number is read as a date: %q", got)
	}
}

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func TestTokensAreSignedAndReproducible(t *testing.T) {
	t.Parallel()
	secret := []byte("a-secret-of-at-least-thirty-two-bytes")
	nonce, err := linkNonce(1234567)
	if err != nil {
		t.Fatal(err)
	}
	if binary.BigEndian.Uint64(nonce) != 1234567 {
		t.Errorf("the nonce %x does not name its purchase", nonce)
	}
	tok := tokenFor(secret, nonce)
	checked, ok := checkToken(secret, tok.value)
	if !ok || string(checked.hash) != string(tok.hash) || string(checked.nonce) != string(nonce) {
		t.Fatal("a fresh token does not verify")
	}
	if other, _ := linkNonce(1234567); string(other[8:]) == string(nonce[8:]) {
		t.Error("two links of one purchase share their random half")
	}
	if again := tokenFor(secret, tok.nonce); again.value != tok.value {
		t.Error("the link cannot be rebuilt from its nonce")
	}
	if _, ok := checkToken([]byte("another-secret-of-thirty-two-bytes!!"), tok.value); ok {
		t.Error("a token verifies under another secret")
	}
	// The last character of the MAC carries two spare bits: set, they spell
	// the same bytes another way, which is refused too.
	last := strings.IndexByte(b64Alphabet, tok.value[len(tok.value)-1])
	respelled := tok.value[:len(tok.value)-1] + string(b64Alphabet[last|1])
	for _, forged := range []string{"", "abc", tok.value + "x", "x" + tok.value, tok.value[:len(tok.value)-1] + "A", respelled} {
		if _, ok := checkToken(secret, forged); ok && forged != tok.value {
			t.Errorf("forged token %q verifies", forged)
		}
	}
}
