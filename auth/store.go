package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gofrs/flock"

	"github.com/bulkunfollow/bulkunfollow/internal/atomicfile"
)

// Method is how a credential authenticates requests.
type Method string

const (
	MethodOAuth2 Method = "oauth2"       // OAuth 2.0 user token (PKCE login), refreshed
	MethodOAuth1 Method = "oauth1"       // OAuth 1.0a user context (HMAC-SHA1)
	MethodBearer Method = "bearer-token" // a ready bearer token from the environment
)

// Store file names inside the store directory.
const (
	credentialsFile = "credentials.json"
	lockFile        = "credentials.lock"
	storeVersion    = 1
)

// DefaultDir is where credentials live: $XDG_CONFIG_HOME/bulkunfollow, or
// ~/.config/bulkunfollow when XDG_CONFIG_HOME is unset. getenv nil means
// os.Getenv.
func DefaultDir(getenv func(string) string) (string, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	if x := getenv("XDG_CONFIG_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "bulkunfollow"), nil
	}
	home := getenv("HOME")
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find config directory: %w", err)
		}
		home = h
	}
	return filepath.Join(home, ".config", "bulkunfollow"), nil
}

// Credential is one stored account. It holds secrets: never print it
// whole (String redacts them) and never log its token fields.
type Credential struct {
	Method     Method `json:"method"`
	UserID     string `json:"user_id"`
	Username   string `json:"username"`
	APIBaseURL string `json:"api_base_url"`

	// OAuth 2.0. ClientSecret is kept (0600, beside the refresh token it
	// protects) so that unattended refreshes of a confidential client work.
	ClientID     string    `json:"client_id,omitempty"`
	ClientSecret string    `json:"client_secret,omitempty"`
	AccessToken  string    `json:"access_token,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	Scopes       []string  `json:"scopes,omitempty"`

	// OAuth 1.0a.
	ConsumerKey    string `json:"consumer_key,omitempty"`
	ConsumerSecret string `json:"consumer_secret,omitempty"`
	Token          string `json:"token,omitempty"`
	TokenSecret    string `json:"token_secret,omitempty"`

	Created    time.Time `json:"created,omitzero"`
	Refreshed  time.Time `json:"refreshed,omitzero"`
	Generation int       `json:"generation"` // +1 on every saved refresh
	// NeedsLogin is why the server stopped accepting this credential; set
	// when a refresh was rejected, cleared by a new login.
	NeedsLogin string `json:"needs_login,omitempty"`
}

// Label is "@username (id)", the way messages name an account.
func (c Credential) Label() string {
	switch {
	case c.Username != "" && c.UserID != "":
		return "@" + c.Username + " (" + c.UserID + ")"
	case c.Username != "":
		return "@" + c.Username
	default:
		return c.UserID
	}
}

// String names the credential without any secret, so that an accidental
// %v never prints a token.
func (c Credential) String() string {
	return fmt.Sprintf("%s credential for %s at %s", c.Method, c.Label(), c.APIBaseURL)
}

// GoString is String: %#v must not print secrets either.
func (c Credential) GoString() string { return c.String() }

// Refreshable reports whether the credential can renew itself.
func (c Credential) Refreshable() bool { return c.Method == MethodOAuth2 && c.RefreshToken != "" }

// matches reports whether account ("@name", "name" or an id) names c.
func (c Credential) matches(account string) bool {
	a := strings.TrimSpace(account)
	if a == "" {
		return false
	}
	if a == c.UserID {
		return true
	}
	return c.Username != "" && strings.EqualFold(strings.TrimPrefix(a, "@"), c.Username)
}

// sameKey reports whether a and b are the same account at the same API.
func sameKey(a, b Credential) bool {
	return a.UserID == b.UserID && normalizeBase(a.APIBaseURL) == normalizeBase(b.APIBaseURL)
}

func normalizeBase(u string) string { return strings.TrimRight(strings.TrimSpace(u), "/") }

// storeFile is the JSON document on disk.
type storeFile struct {
	Version  int          `json:"version"`
	Accounts []Credential `json:"accounts"`
}

// Store is the credential store: one JSON file (0600) in a directory
// (0700), replaced atomically on every change, with a lock file that
// serialises changes and refreshes across processes. A Store is safe for
// use by several goroutines; separate Store values on the same directory
// (in one process or several) coordinate through the lock file.
type Store struct {
	dir string
	now func() time.Time
	// LockTimeout bounds the wait for another process holding the lock.
	LockTimeout time.Duration

	// failAt, set by tests, is called at each step of a save ("write",
	// "partial", "sync", "rename", "syncdir") and fails it when it returns
	// an error.
	failAt func(step string) error
}

// NewStore returns the store in dir; nothing is touched until it is used.
// now is the clock for timestamps (nil = time.Now).
func NewStore(dir string, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{dir: dir, now: now, LockTimeout: 2 * time.Minute}
}

// Path is the credential file.
func (s *Store) Path() string { return filepath.Join(s.dir, credentialsFile) }

// List returns every stored credential, in the order they were added.
func (s *Store) List() ([]Credential, error) {
	f, err := s.load()
	if err != nil {
		return nil, err
	}
	return f.Accounts, nil
}

// Select picks the credential to use. apiBase, when not empty, keeps only
// credentials for that API; account ("@name", "name" or id) picks one of
// them; without account the only one is chosen. Errors are *AccountError.
func (s *Store) Select(account, apiBase string) (Credential, error) {
	all, err := s.List()
	if err != nil {
		return Credential{}, err
	}
	return selectCredential(all, account, apiBase, s.Path())
}

func selectCredential(all []Credential, account, apiBase, path string) (Credential, error) {
	var cands []Credential
	var other, otherAPIs []string
	for _, c := range all {
		if apiBase == "" || normalizeBase(c.APIBaseURL) == normalizeBase(apiBase) {
			cands = append(cands, c)
		} else {
			other = append(other, c.Label()+" at "+c.APIBaseURL)
			if !slices.Contains(otherAPIs, c.APIBaseURL) {
				otherAPIs = append(otherAPIs, c.APIBaseURL)
			}
		}
	}
	labels := make([]string, 0, len(cands))
	for _, c := range cands {
		labels = append(labels, c.Label())
	}
	if account != "" {
		for _, c := range cands {
			if c.matches(account) {
				return c, nil
			}
		}
		return Credential{}, &AccountError{Wanted: account, Available: labels, Path: path, Other: other, OtherAPIs: otherAPIs}
	}
	if len(cands) == 1 {
		return cands[0], nil
	}
	return Credential{}, &AccountError{Available: labels, Path: path, Other: other, OtherAPIs: otherAPIs}
}

// Put adds c, or replaces the credential for the same account and API.
func (s *Store) Put(ctx context.Context, c Credential) error {
	return s.update(ctx, func(f *storeFile) error {
		for i := range f.Accounts {
			if sameKey(f.Accounts[i], c) {
				f.Accounts[i] = c
				return nil
			}
		}
		f.Accounts = append(f.Accounts, c)
		return nil
	})
}

// Delete removes the credential for c's account and API. Removing the last
// one removes the file.
func (s *Store) Delete(ctx context.Context, c Credential) error {
	return s.update(ctx, func(f *storeFile) error {
		n := len(f.Accounts)
		f.Accounts = slices.DeleteFunc(f.Accounts, func(x Credential) bool { return sameKey(x, c) })
		if len(f.Accounts) == n {
			return fmt.Errorf("delete %s: not stored", c.Label())
		}
		return nil
	})
}

// update runs fn on the current contents under the lock and saves them.
func (s *Store) update(ctx context.Context, fn func(*storeFile) error) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	f, err := s.load()
	if err != nil {
		return err
	}
	if err := fn(&f); err != nil {
		return err
	}
	return s.save(f)
}

// lock takes the cross-process lock, waiting for another holder at most
// LockTimeout (and no longer than ctx allows).
func (s *Store) lock(ctx context.Context) (unlock func(), err error) {
	if err := s.mkdir(); err != nil {
		return nil, err
	}
	if s.LockTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.LockTimeout)
		defer cancel()
	}
	// The lock file is opened without following a symlink planted at its
	// name: nothing the link names is created or opened.
	path := filepath.Join(s.dir, lockFile)
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, &DirError{Dir: s.dir, Reason: lockFile + " is not a regular file (a symbolic link or other); remove it"}
	}
	l := flock.New(path, flock.SetPermissions(0o600), flock.SetFlag(os.O_CREATE|os.O_RDONLY|noFollow))
	ok, err := l.TryLockContext(ctx, 20*time.Millisecond)
	if err != nil || !ok {
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("lock credential store %s: still in use by another bulkunfollow process", s.dir)
		}
		return nil, fmt.Errorf("lock credential store: %w", err)
	}
	return func() { _ = l.Unlock() }, nil
}

// Prepare creates the store directory, or checks that an existing one can
// hold credentials (see mkdir), before anything is stored: a login checks
// it first so that a refused directory is known before the browser opens.
// Errors that need a person are *DirError.
func (s *Store) Prepare() error { return s.mkdir() }

// mkdir makes sure the store directory exists and only its owner can
// use it. A directory it creates is 0700. An existing one that others can
// reach is tightened to 0700 only when that is safe: it is a real
// directory (not a symbolic link), owned by the current user, without the
// sticky bit, and holding nothing but the store's own files. Otherwise
// the directory is left as it is and a *DirError says why: chmod'ing a
// shared directory (a 1777 one like /tmp, one holding another user's
// files, or the target of a link) would break it for everyone else.
func (s *Store) mkdir() error {
	if err := os.MkdirAll(filepath.Dir(s.dir), 0o700); err != nil {
		return fmt.Errorf("create credential directory: %w", err)
	}
	err := os.Mkdir(s.dir, 0o700)
	if err == nil {
		return nil // ours, 0700 (or tighter under the umask)
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create credential directory: %w", err)
	}
	lfi, err := os.Lstat(s.dir)
	if err != nil {
		return fmt.Errorf("credential directory: %w", err)
	}
	if lfi.Mode()&fs.ModeSymlink != 0 {
		return s.checkLinkedDir()
	}
	if !lfi.IsDir() {
		return &DirError{Dir: s.dir, Reason: "it is not a directory", Fix: "point --config-dir at a directory"}
	}
	if lfi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	// Inspect and chmod through one descriptor, so that what is checked
	// is what is changed, even if the name is swapped meanwhile.
	d, err := os.Open(s.dir)
	if err != nil {
		return fmt.Errorf("credential directory: %w", err)
	}
	defer d.Close()
	fi, err := d.Stat()
	if err != nil {
		return fmt.Errorf("credential directory: %w", err)
	}
	if !os.SameFile(lfi, fi) {
		return &DirError{Dir: s.dir, Reason: "it changed while it was being checked", Fix: "run the command again"}
	}
	if why := s.notOnlyOurs(d, fi); why != "" {
		return &DirError{Dir: s.dir, Mode: fi.Mode(), Reason: why,
			Fix: "keep credentials in a directory of your own: leave --config-dir unset (" + defaultDirText + ") or name a new directory; " +
				"if this one is really private to you, restrict it yourself: chmod 700 " + s.dir}
	}
	if err := d.Chmod(0o700); err != nil {
		return fmt.Errorf("restrict credential directory %s to its owner: %w", s.dir, err)
	}
	return nil
}

const defaultDirText = "$XDG_CONFIG_HOME/bulkunfollow or ~/.config/bulkunfollow"

// checkLinkedDir accepts a store directory reached through a symbolic link
// only when the directory it points to is already private; the mode of a
// link's target is never changed (the link may lead anywhere, /tmp
// included).
func (s *Store) checkLinkedDir() error {
	fi, err := os.Stat(s.dir)
	if err != nil {
		return fmt.Errorf("credential directory %s (a symbolic link): %w", s.dir, err)
	}
	target, _ := filepath.EvalSymlinks(s.dir)
	if target == "" {
		target = "the directory it points to"
	}
	if !fi.IsDir() {
		return &DirError{Dir: s.dir, Reason: "it is a symbolic link to something that is not a directory", Fix: "point --config-dir at a directory"}
	}
	if fi.Mode().Perm()&0o077 == 0 {
		if uid, ok := fileOwner(fi); !ok || uid == os.Getuid() {
			return nil
		}
	}
	return &DirError{Dir: s.dir, Mode: fi.Mode(),
		Reason: "it is a symbolic link to " + target + ", which is not private to you, and bulkunfollow does not change the mode of a directory it reaches through a link",
		Fix:    "if " + target + " is yours alone, restrict it yourself (chmod 700 " + target + "); otherwise point --config-dir at a directory of your own"}
}

// notOnlyOurs says why the open directory d (with info fi) may not be
// tightened, or "" when it may.
func (s *Store) notOnlyOurs(d *os.File, fi fs.FileInfo) string {
	me := os.Getuid()
	if fi.Mode()&fs.ModeSticky != 0 {
		return "it has the sticky bit, so it is a shared directory (like /tmp)"
	}
	if uid, ok := fileOwner(fi); ok && uid != me {
		return fmt.Sprintf("it belongs to another user (uid %d)", uid)
	}
	ents, err := d.ReadDir(-1)
	if err != nil {
		return "its contents cannot be listed (" + err.Error() + ")"
	}
	for _, e := range ents {
		if !isStoreFile(e.Name()) || !e.Type().IsRegular() {
			return fmt.Sprintf("it holds files that are not bulkunfollow's (%s)", e.Name())
		}
		info, err := e.Info()
		if err != nil {
			return fmt.Sprintf("%s in it cannot be checked (%v)", e.Name(), err)
		}
		if uid, ok := fileOwner(info); ok && uid != me {
			return fmt.Sprintf("it holds %s, which belongs to another user (uid %d)", e.Name(), uid)
		}
	}
	return ""
}

// isStoreFile reports whether name is one the store writes: the
// credential file, its lock, or a temporary file of a save cut short.
func isStoreFile(name string) bool {
	if name == credentialsFile || name == lockFile {
		return true
	}
	ok, _ := filepath.Match(atomicfile.TempPattern(credentialsFile), name)
	return ok
}

// load reads the file; a missing file is an empty store. Readers need no
// lock: the file is only ever replaced whole.
func (s *Store) load() (storeFile, error) {
	data, err := os.ReadFile(s.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return storeFile{Version: storeVersion}, nil
	}
	if err != nil {
		return storeFile{}, fmt.Errorf("read credentials: %w", err)
	}
	var f storeFile
	if err := json.Unmarshal(data, &f); err != nil {
		// The message of a JSON error can quote the input: never show it.
		return storeFile{}, fmt.Errorf("read credentials %s: not valid JSON (remove the file and run bulkunfollow auth login)", s.Path())
	}
	if f.Version > storeVersion {
		return storeFile{}, fmt.Errorf("read credentials %s: written by a newer bulkunfollow (format %d)", s.Path(), f.Version)
	}
	return f, nil
}

// save replaces the file atomically through internal/atomicfile: a
// temporary file (0600 from its creation) beside it is written, synced and
// renamed over the old one, then the directory is synced. A crash at any
// point leaves the old or the new file, never a mix. With no accounts left
// the file is removed.
func (s *Store) save(f storeFile) error {
	if err := s.mkdir(); err != nil {
		return err
	}
	if len(f.Accounts) == 0 {
		if err := os.Remove(s.Path()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove credentials: %w", err)
		}
		if err := atomicfile.SyncDir(s.Path()); err != nil {
			return fmt.Errorf("remove credentials: %w", err)
		}
		return nil
	}
	f.Version = storeVersion
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode credentials: %w", err)
	}
	data = append(data, '\n')
	tmp, err := atomicfile.Create(s.Path(), 0o600)
	if err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	defer tmp.Abort() // after Commit: nothing
	if err := s.step("partial"); err != nil {
		_, _ = tmp.Write(data[:len(data)/2])
		return fmt.Errorf("save credentials: %w", err)
	}
	if err := s.step("write"); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	if err := s.step("sync"); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	// Synced and closed here so that the "rename" step comes between the
	// sync and the rename; Commit then renames and syncs the directory.
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	if err := s.step("rename"); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	if err := tmp.Commit(); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	// A failure here stands for a failed directory sync: the new file is
	// in place but not known to be durable.
	if err := s.step("syncdir"); err != nil {
		return fmt.Errorf("save credentials: %w", err)
	}
	return nil
}

// holds reports whether the file on disk has c's access and refresh token.
func (s *Store) holds(c Credential) bool {
	f, err := s.load()
	if err != nil {
		return false
	}
	i := indexOf(f.Accounts, c)
	return i >= 0 && f.Accounts[i].AccessToken == c.AccessToken && f.Accounts[i].RefreshToken == c.RefreshToken
}

func (s *Store) step(name string) error {
	if s.failAt == nil {
		return nil
	}
	return s.failAt(name)
}
