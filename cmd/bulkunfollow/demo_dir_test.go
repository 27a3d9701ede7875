package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemoDirAsksBeforeReplacingAQueue: a second "demo --dir DIR" does not
// replace DIR/demo.db unasked: without a terminal it refuses (exit 1, the
// file untouched); at a terminal "n" keeps it (exit 4) and "y" replaces it.
func TestDemoDirAsksBeforeReplacingAQueue(t *testing.T) {
	work := t.TempDir()
	qp := filepath.Join(work, "demo.db")
	args := []string{"demo", "--dir", work, "--limit", "1000", "--window", "1s"}
	if code, _, stderr := runCLI(t, nil, "", args...); code != exitOK {
		t.Fatalf("first demo: exit %d\n%s", code, stderr)
	}
	before, _ := os.ReadFile(qp)
	code, _, stderr := runCLI(t, nil, "", args...)
	stderr = eventsAsText(stderr)
	if code != exitPerson || !strings.Contains(stderr, "holds the queue of an earlier demo") || !strings.Contains(stderr, "Hint:  remove it (rm "+qp+")") {
		t.Fatalf("second demo without a terminal: exit %d, want %d refusing\n%s", code, exitPerson, stderr)
	}
	if after, _ := os.ReadFile(qp); !bytes.Equal(before, after) {
		t.Fatal("the refused demo changed the queue")
	}
	atTerminal := func(answer string) (int, string) {
		var out, errOut bytes.Buffer
		c := &cli{stdin: strings.NewReader(answer), stdout: &out, stderr: &errOut, interactive: true, getenv: func(string) string { return "" }}
		return c.main(context.Background(), append(args, "--log-format", "json")), errOut.String()
	}
	if code, stderr := atTerminal("n\n"); code != exitDeclined || !strings.Contains(stderr, "Replace it? [y/N]") {
		t.Fatalf("answer n: exit %d, want %d\n%s", code, exitDeclined, stderr)
	}
	if after, _ := os.ReadFile(qp); !bytes.Equal(before, after) {
		t.Fatal("answering no changed the queue")
	}
	if code, stderr := atTerminal("y\n"); code != exitOK {
		t.Fatalf("answer y: exit %d\n%s", code, stderr)
	}
}
