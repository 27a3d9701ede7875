package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDocsAgreeWithHelp: what the README and docs/simulator.md say about
// the demo, the simulator's following file and the test command is what
// the tool's --help says. (The demo takes about 10 s: one compressed
// window of 10 s; measured with "time bulkunfollow demo".)
func TestDocsAgreeWithHelp(t *testing.T) {
	readme := readDoc(t, "../../README.md")
	_, demoHelp, _ := runCLI(t, nil, "", "demo", "--help")
	readmeSecs := regexp.MustCompile(`demo[^\n]*\n?[^\n]*about (\d+) s\b|about (\d+) s\n[^\n]*demo`).FindStringSubmatch(readme)
	helpSecs := regexp.MustCompile(`about (\d+) seconds`).FindStringSubmatch(demoHelp)
	if readmeSecs == nil || helpSecs == nil || readmeSecs[1]+readmeSecs[2] != helpSecs[1] {
		t.Errorf("README says the demo takes %q, demo --help %q", readmeSecs, helpSecs)
	}
	if !strings.Contains(readme, "\ngo test ./...") {
		t.Error("README gives no test command for a machine without a C compiler (go test ./... without -race)")
	}

	sim := readDoc(t, "../../docs/simulator.md")
	_, simHelp, _ := runCLI(t, nil, "", "simulate", "--help")
	for _, format := range []string{"JSON Lines", "following.js", "CSV"} {
		if strings.Contains(sim, format) && !strings.Contains(simHelp, format) {
			t.Errorf("docs/simulator.md reads %s following files, simulate --help does not say so", format)
		}
	}
	if !strings.Contains(sim, "needs ids") {
		t.Error("docs/simulator.md does not say the following file names accounts by id")
	}
}

func readDoc(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
