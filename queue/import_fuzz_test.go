package queue

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/queue/input"
)

// FuzzImport runs whole imports of random bytes (split into two sources,
// in a format picked by the fuzzer) into a queue that already holds
// targets, pending and finished. Whatever the bytes:
//   - Import never panics;
//   - it fails with *InvalidError exactly when input.Read finds a bad
//     entry in some source, else with *UnmarkedError exactly when a
//     source has a decision column and no entry marked unfollow, and then
//     the queue is unchanged, target for target;
//   - otherwise every valid entry to queue (all of them, or in a source
//     with a decision column those marked unfollow) is in the queue, the
//     targets already there are untouched, Added counts the new keys, and
//     the file passes the consistency check.
func FuzzImport(f *testing.F) {
	seeds := []struct {
		data   string
		format uint8
		split  uint16
	}{
		{"12\n@jack\n13\n", 0, 3},
		{"id,name\n12,a\n1.23457E+18,b\n", 1, 0},
		{"window.YTD.following.part0 = [\n  {\n    \"following\" : {\n      \"accountId\" : \"12\"\n    }\n  }\n]", 5, 0},
		{`{"data":[{"id":"14","username":"x"}],"meta":{"result_count":1}}`, 3, 0},
		{"\"12\"\n{\"id_str\":\"15\"},\n\n", 4, 4},
		{"\xff\xfe1\x002\x00\n\x00", 0, 0},
		{"PK\x03\x04", 0, 0},
		{"1\n2\n", 2, 1},
		{"12\r13\r", 0, 2},
		{"@A\n@a\n1\n", 2, 2},
		{"@Bob\n@BOB\n", 2, 0},
		{"id,protected,decision\n12,yes,unfollow\n13,no,keep\n14,,\n", 1, 0},
		{"id,decision\n12,keep\n13,\n", 1, 0},
		{"{\"id\":\"12\",\"decision\":\"unfollow\"}\n{\"id\":\"13\",\"decision\":\"\"}\n", 4, 0},
	}
	for _, s := range seeds {
		f.Add([]byte(s.data), s.format, s.split)
	}
	formats := []input.Format{input.Auto, input.CSV, input.Text, input.JSON, input.JSONL, input.Archive}
	dir := f.TempDir()
	var s *Store
	var n int
	f.Cleanup(func() {
		if s != nil {
			s.Close()
		}
	})
	f.Fuzz(func(t *testing.T, data []byte, format uint8, split uint16) {
		// One queue per fuzzing process, recreated now and then so that
		// it stays small.
		if n++; s == nil || n%500 == 0 {
			if s != nil {
				s.Close()
			}
			path := filepath.Join(dir, "q.db")
			os.Remove(path)
			var err error
			if s, err = Open(path, Options{Now: newClock().Now}); err != nil {
				t.Fatal(err)
			}
			seed := []Source{{Name: "seed.txt", R: bytes.NewReader([]byte("1\n2\n@a\n3\n")), Format: input.Text}}
			if _, err := s.Import(t.Context(), seed, ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := s.Record(2, Result{State: Done, Reason: "unfollowed"}); err != nil {
				t.Fatal(err)
			}
		}
		ff := formats[int(format)%len(formats)]
		cut := int(split) % (len(data) + 1)
		parts := [][]byte{data[:cut], data[cut:]}
		names := []string{"a", "b.txt"}

		// What the parser makes of each part, on its own.
		var want []string
		bad, unmarked := false, false
		read := 0
		for i, p := range parts {
			marked := 0
			info, err := input.ReadInfo(bytes.NewReader(p), names[i], ff, input.Options{}, func(e input.Entry) error {
				if e.Decision == input.NoDecision || e.Decision == input.Unfollow {
					want = append(want, e.Key())
					marked++
				}
				return nil
			})
			read += info.Entries
			unmarked = unmarked || info.Decisions && marked == 0
			var ie *input.InvalidError
			switch {
			case errors.As(err, &ie):
				bad = true
			case err != nil:
				t.Fatalf("input.Read: %v", err)
			}
		}

		before := exportAll(t, s)
		srcs := make([]Source, len(parts))
		for i, p := range parts {
			srcs[i] = Source{Name: names[i], R: bytes.NewReader(p), Format: ff}
		}
		sum, err := s.Import(t.Context(), srcs, ImportOptions{})
		after := exportAll(t, s)
		if bad || unmarked {
			var ie *InvalidError
			var ue *UnmarkedError
			if bad && (!errors.As(err, &ie) || ie.Total == 0 || len(ie.Errors) == 0) {
				t.Fatalf("Import = %v, want *InvalidError", err)
			}
			if !bad && !errors.As(err, &ue) {
				t.Fatalf("Import = %v, want *UnmarkedError", err)
			}
			if !slices.EqualFunc(before, after, equalTarget) {
				t.Fatalf("a failed import changed the queue:\nbefore %v\nafter  %v", keys(before), keys(after))
			}
			return
		}
		if err != nil {
			t.Fatalf("Import: %v", err)
		}
		if !slices.EqualFunc(before, after[:len(before)], equalTarget) {
			t.Fatalf("import changed targets already queued")
		}
		have := map[string]bool{}
		for _, tg := range after {
			have[strings.ToLower(tg.Key())] = true
		}
		newKeys := map[string]bool{}
		for _, k := range want {
			if !have[k] {
				t.Fatalf("entry %s is not in the queue", k)
			}
			if !slices.ContainsFunc(before, func(tg Target) bool { return strings.ToLower(tg.Key()) == k }) {
				newKeys[k] = true
			}
		}
		if sum.Added != len(newKeys) || len(after) != len(before)+len(newKeys) || sum.Read != read || sum.Read-sum.Kept-sum.Undecided != len(want) {
			t.Fatalf("summary %+v: read %d entries, %d new keys, queue %d → %d", sum, len(want), len(newKeys), len(before), len(after))
		}
		if err := s.Check(); err != nil {
			t.Fatalf("consistency check: %v", err)
		}
	})
}

func exportAll(t *testing.T, s *Store) []Target {
	t.Helper()
	var out []Target
	if err := s.Export(0, func(tg Target) error { out = append(out, tg); return nil }); err != nil {
		t.Fatalf("export: %v", err)
	}
	return out
}
