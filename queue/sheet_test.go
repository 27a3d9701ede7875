package queue

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/bulkunfollow/bulkunfollow/queue/input"
)

// A review sheet queues only its rows marked unfollow, with the username
// and protected mark the sheet gives; keep and undecided rows are counted
// and left out. In place and through the copy alike.
func TestImportSheet(t *testing.T) {
	const sheet = "id,username,protected,description,decision\n" +
		"11,never_posted,no,,unfollow\n" +
		"12,locked,yes,\"private;\nfriends only\",Unfollow\n" +
		"13,kept_one,no,,keep\n" +
		"14,later,yes,,\n" +
		"@by_name,,no,, UNFOLLOW \n" +
		"11,never_posted,no,,unfollow\n"
	for _, tt := range []struct {
		name string
		opts ImportOptions
	}{
		{"in place", ImportOptions{}},
		{"copy", ImportOptions{InPlaceMax: -1, BatchSize: 2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			q := newTestQueue(t)
			q.mustImport("99")
			sum, err := q.Import(t.Context(), []Source{{Name: "sheet.csv", R: strings.NewReader(sheet)}}, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			want := ImportSummary{
				Sources: []SourceSummary{{Name: "sheet.csv", Format: input.CSV, Entries: 6, Decisions: true, Kept: 1, Undecided: 1}},
				Read:    6, Added: 3, AddedHandles: 1, Duplicate: 1, Kept: 1, Undecided: 1,
			}
			if !equalSummary(sum, want) {
				t.Errorf("summary = %+v\nwant      %+v", sum, want)
			}
			if got := sum.Sources[0].Unfollow(); got != 4 {
				t.Errorf("Unfollow() = %d, want 4", got)
			}
			q.reopen()
			all := q.all()
			if got := keys(all); !slices.Equal(got, []string{"99", "11", "12", "@by_name"}) {
				t.Fatalf("queue = %q", got)
			}
			for i, w := range []struct {
				username  string
				protected bool
			}{{"", false}, {"never_posted", false}, {"locked", true}, {"", false}} {
				if tg := all[i]; tg.Username != w.username || tg.Protected != w.protected {
					t.Errorf("target %s: username %q protected %v, want %q %v", tg.Key(), tg.Username, tg.Protected, w.username, w.protected)
				}
			}
			if st, _ := q.Status(); st.SchemaVersion != schemaProtected {
				t.Errorf("schema %d after importing a protected account, want %d", st.SchemaVersion, schemaProtected)
			}
			// Recording an answer keeps what the sheet said.
			if err := q.Record(3, Result{State: Done, Reason: ReasonUnfollowed, CountAttempt: true}); err != nil {
				t.Fatal(err)
			}
			if tg, _ := q.Get(3); !tg.Protected || tg.Username != "locked" || tg.State != Done {
				t.Errorf("after Record: %+v", tg)
			}
		})
	}
}

// A queue whose targets are not protected keeps its schema: an older
// bulkunfollow still reads it.
func TestImportSheetWithoutProtectedKeepsSchema(t *testing.T) {
	q := newTestQueue(t)
	sheet := "id,username,protected,decision\n11,a,no,unfollow\n12,b,yes,keep\n"
	if _, err := q.Import(t.Context(), []Source{{Name: "s.csv", R: strings.NewReader(sheet)}}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if st, _ := q.Status(); st.SchemaVersion != newSchema || st.Total != 1 {
		t.Errorf("schema %d, total %d; want %d and 1 (the protected row was kept, not queued)", st.SchemaVersion, st.Total, newSchema)
	}
}

// A sheet that marks no row unfollow is refused before the file is
// touched, however it is split over sources; a sheet next to a plain list
// is judged on its own.
func TestImportUnmarkedSheet(t *testing.T) {
	q := newTestQueue(t)
	q.mustImport("99")
	before, err := os.ReadFile(q.path)
	if err != nil {
		t.Fatal(err)
	}
	srcs := []Source{
		textSource("plain.txt", "5", "6"),
		{Name: "blank.csv", R: strings.NewReader("id,decision\n11,\n12,keep\n13, \n")},
		{Name: "header.csv", R: strings.NewReader("id,username,decision\n")},
		{Name: "marked.jsonl", R: strings.NewReader(`{"id":"14","decision":"unfollow"}` + "\n")},
	}
	for _, dry := range []bool{false, true} {
		for i := range srcs {
			if sr, ok := srcs[i].R.(*strings.Reader); ok {
				sr.Seek(0, 0)
			}
		}
		_, err := q.Import(t.Context(), srcs, ImportOptions{DryRun: dry})
		var ue *UnmarkedError
		if !errors.As(err, &ue) || len(ue.Sources) != 2 {
			t.Fatalf("dry run %v: err = %v, want *UnmarkedError for blank.csv and header.csv", dry, err)
		}
		if s := ue.Sources[0]; s.Name != "blank.csv" || s.Kept != 1 || s.Undecided != 2 || s.Unfollow() != 0 {
			t.Errorf("first refused source = %+v", s)
		}
		if s := ue.Sources[1]; s.Name != "header.csv" || s.Entries != 0 {
			t.Errorf("second refused source = %+v", s)
		}
		if !strings.Contains(err.Error(), "blank.csv, header.csv") || !strings.Contains(err.Error(), "the queue is unchanged") {
			t.Errorf("Error() = %q", err.Error())
		}
	}
	q.Close()
	q.Store = nil
	after, err := os.ReadFile(q.path)
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("a refused import changed the file (%v)", err)
	}
	// CheckImport (a dry run with no queue) says the same.
	_, err = CheckImport(t.Context(), []Source{{Name: "blank.csv", R: strings.NewReader("id,decision\n11,keep\n")}}, ImportOptions{})
	var ue *UnmarkedError
	if !errors.As(err, &ue) {
		t.Errorf("CheckImport = %v, want *UnmarkedError", err)
	}
}

// Bad lines win over the refusal: they are what to fix first.
func TestImportSheetBadDecision(t *testing.T) {
	_, err := CheckImport(t.Context(), []Source{{Name: "s.csv", R: strings.NewReader("id,decision\n11,keep\n12,maybe\n")}}, ImportOptions{})
	var ie *InvalidError
	if !errors.As(err, &ie) || ie.Total != 1 || ie.Errors[0].Line != 3 || !strings.Contains(ie.Errors[0].Reason, `decision "maybe"`) {
		t.Errorf("err = %v, want s.csv:3: decision \"maybe\" ...", err)
	}
}

// One account marked unfollow on one row and keep on another (a sheet
// with a row pasted twice, or two sheets) is no decision: the import is
// refused at the later row, naming the earlier one, whichever comes first;
// the same decision twice is a plain duplicate.
func TestImportSheetConflictingDecisions(t *testing.T) {
	for _, tc := range []struct {
		name string
		srcs []Source
		line int
		want string
	}{
		{"unfollow then keep", []Source{{Name: "s.csv", R: strings.NewReader("id,decision\n11,unfollow\n12,keep\n11,keep\n")}}, 4, "11 is marked keep here and unfollow on s.csv:2"},
		{"keep then unfollow", []Source{{Name: "s.csv", R: strings.NewReader("username,decision\n@Jack,keep\n@jack,unfollow\n")}}, 3, "@jack is marked unfollow here and keep on s.csv:2"},
		{"two sheets", []Source{{Name: "a.csv", R: strings.NewReader("id,decision\n11,keep\n")}, {Name: "b.jsonl", R: strings.NewReader(`{"id":"11","decision":"unfollow"}` + "\n")}}, 1, "11 is marked unfollow here and keep on a.csv:2"},
	} {
		_, err := CheckImport(t.Context(), tc.srcs, ImportOptions{})
		var ie *InvalidError
		if !errors.As(err, &ie) || ie.Total != 1 || ie.Errors[0].Line != tc.line || !strings.Contains(ie.Errors[0].Reason, tc.want) {
			t.Errorf("%s: err = %v, want line %d: %s", tc.name, err, tc.line, tc.want)
		}
	}
	sum, err := CheckImport(t.Context(), []Source{{Name: "s.csv", R: strings.NewReader("id,decision\n11,unfollow\n11,unfollow\n12,keep\n12,keep\n")}}, ImportOptions{})
	if err != nil || sum.Added != 1 || sum.Duplicate != 1 {
		t.Errorf("the same decision twice: %+v, %v", sum, err)
	}
}

// Records of schema 3 (a second flags byte) round-trip; records without
// one keep the version-1 layout, byte for byte, so older files and older
// readers are unaffected; a truncated version-2 record is corrupt.
func TestCodecProtected(t *testing.T) {
	r := rec{id: 1602345678912345601, hasID: true, state: Done, username: "locked", reason: "unfollowed", added: 5, finished: 9, protected: true, mayHaveTakenEffect: true}
	b := r.encode(nil)
	if b[0] != recVersion2 || b[3] != f2Protected {
		t.Fatalf("encoded % x: want version 2 with the protected bit", b[:4])
	}
	got, err := decodeRec(b)
	if err != nil || got.protected != true || got.id != r.id || got.username != "locked" || !got.mayHaveTakenEffect || got.finished != 9 {
		t.Fatalf("decode = %+v, %v", got, err)
	}
	r.protected = false
	b1 := r.encode(nil)
	if b1[0] != recVersion || len(b1) != len(b)-1 {
		t.Errorf("unprotected record: version %d, %d bytes; want version 1, one byte shorter", b1[0], len(b1))
	}
	if got, err := decodeRec(b1); err != nil || got.protected {
		t.Errorf("decode version 1 = %+v, %v", got, err)
	}
	if _, err := decodeRec(b[:11]); err != errCorrupt {
		t.Errorf("truncated version-2 record: %v, want errCorrupt", err)
	}
	if (&rec{protected: true}).schema() != schemaProtected || (&rec{hasID: true, id: 1}).schema() != 1 {
		t.Error("schema() wrong")
	}
}

// A queue marked schema 3 opens; Check flags a protected record in a file
// that does not say schema 3.
func TestCheckSchemaCoversRecords(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "q.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Import(t.Context(), []Source{{Name: "s.csv", R: strings.NewReader("id,protected\n11,yes\n")}}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatalf("check: %v", err)
	}
	if err := s.update(func(tx *bbolt.Tx) error { return tx.Bucket(bSys).Put(kSchema, []byte{2}) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err == nil || !strings.Contains(err.Error(), "needs schema 3, the file says 2") {
		t.Errorf("check = %v, want the schema complaint", err)
	}
}
