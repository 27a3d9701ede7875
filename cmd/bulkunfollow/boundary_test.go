package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/queue"
)

// TestVocabularyAndBoundary: the queue owns the words a run stores (no
// other package's production code spells a reason), and the command line
// decides nothing about targets: no file of cmd/ makes X's lookups or
// touches the queue's run state except through the run library and the
// queue's typed accessors.
func TestVocabularyAndBoundary(t *testing.T) {
	reasons := map[string]bool{}
	for _, r := range []string{queue.ReasonUnfollowed, queue.ReasonNotFollowing, queue.ReasonKept, queue.ReasonOwnAccount,
		queue.ReasonNotFound, queue.ReasonConfirmed, queue.ReasonOutcomeUnknown, queue.ReasonStillFollowing} {
		reasons[r] = true
	}
	lookups := map[string]bool{"Me": true, "UsersByUsernames": true, "Following": true}
	eachProductionFile(t, func(rel string) bool { return rel == "queue" || rel == "xapisim" }, // the queue owns the words; the simulator is X, not us
		func(rel string, f *ast.File) {
			inCmd := strings.HasPrefix(rel, "cmd/")
			// The name of an event's field (e.Int("kept", n)) is a JSON key
			// of docs/monitoring.md, not a reason the queue stores.
			fieldNames := map[*ast.BasicLit]bool{}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.BasicLit:
					if n.Kind == token.STRING && !fieldNames[n] {
						if s, err := strconv.Unquote(n.Value); err == nil && reasons[s] {
							t.Errorf("%s spells the reason %q: use its queue.Reason constant", rel, s)
						}
					}
				case *ast.CallExpr:
					sel, ok := n.Fun.(*ast.SelectorExpr)
					if ok && inCmd && lookups[sel.Sel.Name] {
						t.Errorf("%s calls %s: X's lookups belong to the run library (worker)", rel, sel.Sel.Name)
					}
					if ok && eventFields[sel.Sel.Name] && len(n.Args) == 2 {
						if lit, ok := n.Args[0].(*ast.BasicLit); ok {
							fieldNames[lit] = true
						}
					}
				}
				return true
			})
		})
}

// eventFields are the zerolog.Event methods that add a field: (name, value).
var eventFields = map[string]bool{"Str": true, "Strs": true, "Int": true, "Int64": true, "Bool": true, "Float64": true}

// eachProductionFile parses every non-test Go file of the module (not
// under a hidden directory, testdata, or a directory skip names by its
// path from the module root) and calls fn with its path and syntax.
func eachProductionFile(t *testing.T, skip func(rel string) bool, fn func(rel string, f *ast.File)) {
	t.Helper()
	root := "../.."
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if base := d.Name(); path != root && (strings.HasPrefix(base, ".") || base == "testdata" || skip(rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		fn(rel, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A password or token written into --api-base-url (user info, a query)
// is refused without being shown, by every command that takes the flag.
func TestBadBaseURLKeepsItsSecrets(t *testing.T) {
	q := filepath.Join(t.TempDir(), "q.db")
	for _, base := range []string{"https://user:SECRETPW@api.x.com", "https://api.x.com/?access_token=SECRETPW", "user:SECRETPW@api.x.com"} {
		for _, args := range [][]string{
			{"run", "--yes", "--queue", q},
			{"following", "--yes"},
			{"auth", "login", "--no-browser"},
			{"auth", "status"},
		} {
			code, stdout, stderr := runCLI(t, nil, "", append(args, "--api-base-url", base)...)
			if strings.Contains(stdout+stderr, "SECRETPW") {
				t.Errorf("%v --api-base-url %s: exit %d, the secret shown:\n%s%s", args, base, code, stdout, stderr)
			}
		}
	}
}
