package auth

import (
	"regexp"
	"testing"
)

func TestPasswordHashing(t *testing.T) {
	t.Parallel()
	h1, err := HashPassword("kata-sandi-rahasia")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashPassword("kata-sandi-rahasia")
	if !regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`).MatchString(h1) {
		t.Fatalf("not a PHC argon2id string: %s", h1)
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		name, hash, password string
		ok, wantErr          bool
	}{
		{"right password", h1, "kata-sandi-rahasia", true, false},
		{"wrong password", h1, "kata-sandi-rahasiA", false, false},
		{"empty password", h1, "", false, false},
		{"other scheme", "$2a$10$abcdefghijklmnopqrstuv", "x", false, true},
		{"bad parameters", "$argon2id$v=19$m=0,t=2,p=1$c2FsdHNhbHQ$aGFzaA", "x", false, true},
		{"bad version", "$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA", "x", false, true},
		{"bad base64", "$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaA", "x", false, true},
		{"empty", "", "x", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := VerifyPassword(tt.hash, tt.password)
			if ok != tt.ok || (err != nil) != tt.wantErr {
				t.Errorf("VerifyPassword = %v, %v; want %v, error %v", ok, err, tt.ok, tt.wantErr)
			}
		})
	}
	if NeedsRehash(h1) {
		t.Error("a fresh hash needs rehashing")
	}
	if !NeedsRehash("$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g") {
		t.Error("a weaker hash does not need rehashing")
	}
}
