package queue

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/queue/input"
)

// benchCSV returns n unique random 19-digit ids as a CSV with a header.
func benchCSV(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	seen := make(map[uint64]bool, n)
	var b bytes.Buffer
	b.WriteString("id\n")
	for len(seen) < n {
		id := 1_000_000_000_000_000_000 + r.Uint64N(8_000_000_000_000_000_000)
		if !seen[id] {
			seen[id] = true
			fmt.Fprintf(&b, "%d\n", id)
		}
	}
	return b.Bytes()
}

var benchN = flag.Int("bench.n", 200_000, "ids BenchmarkImport imports")

// BenchmarkImport imports -bench.n ids into a fresh queue (the copy path).
// scripts/bench-import.sh measures the whole command on 1M ids.
func BenchmarkImport(b *testing.B) {
	data := benchCSV(*benchN)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "q.db")
		s, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Import(b.Context(), []Source{{Name: "ids.csv", R: bytes.NewReader(data), Format: input.CSV}}, ImportOptions{BatchSize: 100000}); err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// BenchmarkParse is the parse pass alone, for comparison.
func BenchmarkParse(b *testing.B) {
	data := benchCSV(200_000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := readSources(b.Context(), []Source{{Name: "ids.csv", R: bytes.NewReader(data), Format: input.CSV}}, ImportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
