package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
	"github.com/bulkunfollow/bulkunfollow/internal/atomicfile"
)

func testCred(id, username string) Credential {
	return Credential{
		Method: MethodOAuth2, UserID: id, Username: username, APIBaseURL: "http://sim.test",
		ClientID: "cid", ClientSecret: "client-secret-" + id, AccessToken: "access-token-" + id,
		RefreshToken: "refresh-token-" + id, Expiry: time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC),
		Scopes: DefaultScopes,
	}
}

func TestStoreModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config", "bulkunfollow")
	s := NewStore(dir, nil)
	if err := s.Put(context.Background(), testCred("1", "one")); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		path string
		mode os.FileMode
	}{
		{dir, 0o700 | os.ModeDir},
		{s.Path(), 0o600},
		{filepath.Join(dir, lockFile), 0o600},
	} {
		fi, err := os.Stat(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != tt.mode {
			t.Errorf("%s: mode %v, want %v", tt.path, fi.Mode(), tt.mode)
		}
	}
}

// A credential directory that already exists with looser permissions is
// tightened before tokens are written into it, when it is the user's own
// and holds only the store's files (here: a leftover of an earlier save).
func TestStoreTightensExistingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bulkunfollow")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil { // whatever the umask
		t.Fatal(err)
	}
	for _, name := range []string{credentialsFile, lockFile, ".credentials.json.tmp-123"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(`{"version":1}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := NewStore(dir, nil).Put(context.Background(), testCred("1", "one")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", fi.Mode().Perm())
	}
}

// A fresh directory is created 0700.
func TestStoreCreatesPrivateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	if err := NewStore(dir, nil).Put(context.Background(), testCred("1", "one")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode() != os.ModeDir|0o700 {
		t.Fatalf("new directory: %v, %v; want drwx------", fi.Mode(), err)
	}
}

// A directory others use is never chmod'ed: a 1777 one holding another
// user's file (--config-dir /tmp, or a shared scratch directory), one
// holding files that are not the store's, another user's directory, and
// the target of a symbolic link. The store refuses, says why and what to
// do, and leaves the mode (sticky bit included) as it was.
func TestStoreRefusesSharedDir(t *testing.T) {
	const nobody = 65534
	tests := []struct {
		name   string
		mode   os.FileMode
		setup  func(t *testing.T, dir string) string // returns the --config-dir to use
		reason string
	}{
		{
			name: "sticky 1777 with another user's file", mode: 0o777 | os.ModeSticky,
			setup: func(t *testing.T, dir string) string {
				f := filepath.Join(dir, "someone-elses.txt")
				mustWrite(t, f)
				if err := os.Chown(f, nobody, nobody); err != nil {
					t.Fatal(err)
				}
				return dir
			},
			reason: "sticky bit, so it is a shared directory",
		},
		{
			name: "sticky 1777 holding only a foreign credentials.json", mode: 0o777 | os.ModeSticky,
			setup: func(t *testing.T, dir string) string {
				f := filepath.Join(dir, credentialsFile)
				mustWrite(t, f)
				if err := os.Chown(f, nobody, nobody); err != nil {
					t.Fatal(err)
				}
				return dir
			},
			reason: "sticky bit",
		},
		{
			name: "own 0755 directory with other files", mode: 0o755,
			setup: func(t *testing.T, dir string) string {
				mustWrite(t, filepath.Join(dir, "notes.txt"))
				return dir
			},
			reason: "holds files that are not bulkunfollow's (notes.txt)",
		},
		{
			name: "own 0770 directory holding another user's lock file", mode: 0o770,
			setup: func(t *testing.T, dir string) string {
				f := filepath.Join(dir, lockFile)
				mustWrite(t, f)
				if err := os.Chown(f, nobody, nobody); err != nil {
					t.Fatal(err)
				}
				return dir
			},
			reason: "holds credentials.lock, which belongs to another user (uid 65534)",
		},
		{
			name: "another user's 0755 directory", mode: 0o755,
			setup: func(t *testing.T, dir string) string {
				if err := os.Chown(dir, nobody, nobody); err != nil {
					t.Fatal(err)
				}
				return dir
			},
			reason: "belongs to another user (uid 65534)",
		},
		{
			name: "symbolic link to an empty 0755 directory", mode: 0o755,
			setup: func(t *testing.T, dir string) string {
				link := filepath.Join(t.TempDir(), "link")
				if err := os.Symlink(dir, link); err != nil {
					t.Fatal(err)
				}
				return link
			},
			reason: "symbolic link to ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "shared")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, tt.mode); err != nil {
				t.Fatal(err)
			}
			configDir := tt.setup(t, dir)
			s := NewStore(configDir, nil)
			err := s.Put(context.Background(), testCred("1", "one"))
			var de *DirError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tt.reason) || !strings.Contains(err.Error(), "will not change its mode") {
				t.Fatalf("Put err = %v, want a *DirError saying %q", err, tt.reason)
			}
			if !strings.Contains(de.Hint(), "chmod 700") || !strings.Contains(de.Hint(), "directory of your own") {
				t.Errorf("hint %q does not say what to do", de.Hint())
			}
			if np, ok := err.(interface{ NeedsPerson() bool }); !ok || !np.NeedsPerson() {
				t.Errorf("%T does not need a person", err)
			}
			fi, err := os.Stat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != os.ModeDir|tt.mode {
				t.Errorf("directory mode %v after the refusal, want %v", fi.Mode(), os.ModeDir|tt.mode)
			}
			if _, err := os.Stat(filepath.Join(dir, credentialsFile)); err == nil && tt.name != "sticky 1777 holding only a foreign credentials.json" {
				t.Errorf("credentials written into a refused directory")
			}
		})
	}
}

// A symbolic link to a directory that is already private is used as it is
// (nothing to tighten, nothing chmod'ed).
func TestStoreAcceptsLinkToPrivateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "real")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	if err := NewStore(link, nil).Put(context.Background(), testCred("1", "one")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, credentialsFile)); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestStorePutSelectDelete(t *testing.T) {
	ctx := context.Background()
	s := NewStore(t.TempDir(), nil)
	if _, err := s.Select("", ""); !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("empty store: %v", err)
	}
	one, two := testCred("1", "one"), testCred("22", "Two")
	for _, c := range []Credential{one, two} {
		if err := s.Put(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	other := testCred("333", "elsewhere")
	other.APIBaseURL = "https://api.x.com"
	if err := s.Put(ctx, other); err != nil {
		t.Fatal(err)
	}
	// Replacing keeps one entry per account and API.
	one.AccessToken = "access-token-new"
	if err := s.Put(ctx, one); err != nil {
		t.Fatal(err)
	}
	all, _ := s.List()
	if len(all) != 3 || all[0].AccessToken != "access-token-new" {
		t.Fatalf("list after replace: %v", all)
	}

	tests := []struct {
		account, base, wantID, wantErr string
	}{
		{account: "@one", base: "http://sim.test/", wantID: "1"},
		{account: "two", base: "http://sim.test", wantID: "22"}, // case-insensitive
		{account: "22", base: "http://sim.test", wantID: "22"},
		{account: "", base: "http://sim.test", wantErr: "several accounts are stored (@one (1), @Two (22)): choose one with --account"},
		{account: "@nobody", base: "http://sim.test", wantErr: `no stored account matches "@nobody" (stored: @one (1), @Two (22))`},
		{account: "", base: "https://api.x.com", wantID: "333"},
		{account: "", base: "http://other.test", wantErr: "no stored credentials in " + s.Path() + " (stored for another API base URL"},
		{account: "@one", base: "", wantID: "1"},
	}
	for _, tt := range tests {
		c, err := s.Select(tt.account, tt.base)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Select(%q, %q) err = %v, want %q", tt.account, tt.base, err, tt.wantErr)
			}
			assertNoSecrets(t, fmt.Sprint(err), one.AccessToken, two.RefreshToken, two.ClientSecret)
			continue
		}
		if err != nil || c.UserID != tt.wantID {
			t.Errorf("Select(%q, %q) = %s, %v; want %s", tt.account, tt.base, c.Label(), err, tt.wantID)
		}
	}

	for _, c := range []Credential{one, two, other} {
		if err := s.Delete(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(s.Path()); !os.IsNotExist(err) {
		t.Errorf("file left after the last account was removed: %v", err)
	}
	if err := s.Delete(ctx, one); err == nil {
		t.Error("deleting a missing account succeeded")
	}
}

// A save that fails at any step leaves the previous file byte for byte,
// and no temporary file behind.
func TestStoreSaveFailureLeavesOldFile(t *testing.T) {
	for _, step := range []string{"partial", "write", "sync", "rename"} {
		t.Run(step, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			s := NewStore(dir, nil)
			if err := s.Put(ctx, testCred("1", "one")); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(s.Path())
			s.failAt = failStep(step)
			changed := testCred("1", "one")
			changed.AccessToken = "access-token-changed"
			if err := s.Put(ctx, changed); err == nil {
				t.Fatal("save succeeded despite the injected failure")
			}
			after, _ := os.ReadFile(s.Path())
			if string(after) != string(before) {
				t.Errorf("file changed by a failed save:\n%s", after)
			}
			var f storeFile
			if err := json.Unmarshal(after, &f); err != nil {
				t.Errorf("file is not valid JSON: %v", err)
			}
			assertOnlyStoreFiles(t, dir)
		})
	}
}

func failStep(step string) func(string) error {
	return func(s string) error {
		if s == step {
			return fmt.Errorf("injected failure at %s", s)
		}
		return nil
	}
}

func assertOnlyStoreFiles(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != credentialsFile && e.Name() != lockFile {
			t.Errorf("stray file %s in the store directory", e.Name())
		}
	}
}

func TestStoreCorruptFileIsNotQuoted(t *testing.T) {
	s := NewStore(t.TempDir(), nil)
	if err := os.WriteFile(s.Path(), []byte(`{"accounts":[{"access_token":"leaked-token-123"`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.List()
	if err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Fatalf("err = %v", err)
	}
	assertNoSecrets(t, err.Error(), "leaked-token-123")
}

func TestCredentialNeverPrintsSecrets(t *testing.T) {
	c := testCred("1", "one")
	c.ConsumerSecret, c.TokenSecret = "consumer-secret-1", "token-secret-1"
	k := apiclient.OAuth1Credentials{ConsumerKey: "ck-1", ConsumerSecret: "consumer-secret-1", Token: "tok-1", TokenSecret: "token-secret-1"}
	out := fmt.Sprintf("%v %+v %#v %s %v %+v %#v", c, c, c, &c, []Credential{c}, k, k)
	assertNoSecrets(t, out, c.AccessToken, c.RefreshToken, c.ClientSecret, c.ConsumerSecret, c.TokenSecret)
	if !strings.Contains(out, "@one (1)") {
		t.Errorf("label missing: %s", out)
	}
}

func TestDefaultDir(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_CONFIG_HOME": "/x/cfg", "HOME": "/home/a"}, "/x/cfg/bulkunfollow"},
		{map[string]string{"XDG_CONFIG_HOME": "relative", "HOME": "/home/a"}, "/home/a/.config/bulkunfollow"},
		{map[string]string{"HOME": "/home/a"}, "/home/a/.config/bulkunfollow"},
	}
	for _, tt := range tests {
		got, err := DefaultDir(func(k string) string { return tt.env[k] })
		if err != nil || got != filepath.FromSlash(tt.want) {
			t.Errorf("%v: %q, %v; want %q", tt.env, got, err, tt.want)
		}
	}
}

// The store writes through internal/atomicfile, the tool's one atomic
// writer: while a save is in progress its temporary file is the one
// atomicfile names (so its leftovers are found the same way), 0600 from
// its creation.
func TestStoreSavesThroughAtomicfile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := NewStore(dir, nil)
	var seen []string
	s.failAt = func(step string) error {
		if step == "rename" {
			seen, _ = filepath.Glob(atomicfile.Leftovers(s.Path()))
			for _, p := range seen {
				if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("temporary file %s: %v, %v; want 0600", p, fi.Mode().Perm(), err)
				}
			}
		}
		return nil
	}
	if err := s.Put(ctx, testCred("1", "one")); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 {
		t.Fatalf("temporary files matching atomicfile.Leftovers during the save: %v, want one", seen)
	}
	assertOnlyStoreFiles(t, dir)
}
