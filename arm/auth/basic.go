package auth

import (
	"bufio"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// basic is ModeBasic's Authenticator over an htpasswd-style file.
type basic struct {
	realm string
	users map[string]string // user → hash
	roles map[string][]string
	now   func() time.Time

	// bcrypt is deliberately slow; a verified user:password pair is
	// remembered (by its SHA-256) for a while so that every request of a
	// busy client does not pay for it.
	mu    sync.Mutex
	cache map[[32]byte]time.Time
}

const (
	basicCacheTTL = 5 * time.Minute
	basicCacheMax = 4096
)

func newBasic(cfg Config, roles map[string][]string) (*basic, error) {
	users, err := readHTPasswd(cfg.HTPasswdFile)
	if err != nil {
		return nil, err
	}
	return &basic{realm: cfg.Realm, users: users, roles: roles, now: cfg.Now, cache: map[[32]byte]time.Time{}}, nil
}

// readHTPasswd reads user:hash lines. The hash is 64 hex digits (SHA-256 of
// the password, as INTER-MW stored it) or a bcrypt hash.
func readHTPasswd(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: htpasswd file: %w", ErrInvalidConfig, err)
	}
	defer f.Close()
	users := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		user, hash, ok := strings.Cut(line, ":")
		if !ok || user == "" || !validHash(hash) {
			return nil, fmt.Errorf("%w: htpasswd file %s line %d: want user:sha256hex or user:bcrypt", ErrInvalidConfig, path, n)
		}
		users[user] = hash
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: htpasswd file: %w", ErrInvalidConfig, err)
	}
	return users, nil
}

func validHash(h string) bool {
	if isBcrypt(h) {
		return true
	}
	b, err := hex.DecodeString(h)
	return err == nil && len(b) == sha256.Size
}

func isBcrypt(h string) bool {
	return strings.HasPrefix(h, "$2a$") || strings.HasPrefix(h, "$2b$") || strings.HasPrefix(h, "$2y$")
}

// Authenticate implements Authenticator.
func (b *basic) Authenticate(r *http.Request) (Principal, error) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return Principal{}, fmt.Errorf("%w: basic credentials required", ErrUnauthenticated)
	}
	hash, known := b.users[user]
	if !known {
		// Spend about the same time as a wrong password would.
		_ = b.check(dummyHash, user, pass)
		return Principal{}, fmt.Errorf("%w: bad credentials", ErrUnauthenticated)
	}
	if !b.check(hash, user, pass) {
		return Principal{}, fmt.Errorf("%w: bad credentials", ErrUnauthenticated)
	}
	return Principal{ID: user, Roles: b.roles[user]}, nil
}

var dummyHash = strings.Repeat("0", 64)

func (b *basic) check(hash, user, pass string) bool {
	if !isBcrypt(hash) {
		sum := sha256.Sum256([]byte(pass))
		want, _ := hex.DecodeString(hash)
		return subtle.ConstantTimeCompare(sum[:], want) == 1
	}
	key := sha256.Sum256([]byte(hash + "\x00" + user + "\x00" + pass))
	now := b.now()
	b.mu.Lock()
	at, hit := b.cache[key]
	b.mu.Unlock()
	if hit && now.Sub(at) < basicCacheTTL {
		return true
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(pass)) != nil {
		return false
	}
	b.mu.Lock()
	if len(b.cache) >= basicCacheMax {
		clear(b.cache)
	}
	b.cache[key] = now
	b.mu.Unlock()
	return true
}

// Challenge implements Authenticator.
func (b *basic) Challenge() string { return `Basic realm="` + b.realm + `", charset="UTF-8"` }
