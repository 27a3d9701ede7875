package input

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"testing"
)

// genLines returns header and then n random 19-digit ids, each formatted by line.
func genLines(n int, header string, line func(b []byte, id uint64) []byte) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 0, n*24+len(header))
	buf = append(buf, header...)
	for i := 0; i < n; i++ {
		id := 1_000_000_000_000_000_000 + r.Uint64N(8_000_000_000_000_000_000)
		buf = line(buf, id)
	}
	return buf
}

func benchRead(b *testing.B, name string, data []byte, n int) {
	b.Helper()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		count := 0
		err := Read(bytes.NewReader(data), name, Auto, Options{}, func(e Entry) error {
			count++
			return nil
		})
		if err != nil || count != n {
			b.Fatalf("Read: %v, %d entries, want %d", err, count, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
}

const benchN = 1_000_000

// BenchmarkReadCSV1M is the import benchmark's input: 1,000,000 random
// 19-digit ids, one per line, with a header.
func BenchmarkReadCSV1M(b *testing.B) {
	data := genLines(benchN, "id\n", func(buf []byte, id uint64) []byte {
		return append(strconv.AppendUint(buf, id, 10), '\n')
	})
	benchRead(b, "ids.csv", data, benchN)
}

// BenchmarkReadCSV1MColumns reads the id from the second of three columns
// with CRLF line ends (a spreadsheet export).
func BenchmarkReadCSV1MColumns(b *testing.B) {
	data := genLines(benchN, "name,user_id,note\r\n", func(buf []byte, id uint64) []byte {
		buf = append(buf, "someone,"...)
		buf = strconv.AppendUint(buf, id, 10)
		return append(buf, ",x\r\n"...)
	})
	benchRead(b, "ids.csv", data, benchN)
}

// BenchmarkReadCSV1MQuoted takes the slow path: every field quoted.
func BenchmarkReadCSV1MQuoted(b *testing.B) {
	data := genLines(benchN, "\"id\"\n", func(buf []byte, id uint64) []byte {
		buf = append(buf, '"')
		buf = strconv.AppendUint(buf, id, 10)
		return append(buf, "\"\n"...)
	})
	benchRead(b, "ids.csv", data, benchN)
}

func BenchmarkReadText1M(b *testing.B) {
	data := genLines(benchN, "# ids\n", func(buf []byte, id uint64) []byte {
		return append(strconv.AppendUint(buf, id, 10), '\n')
	})
	benchRead(b, "ids.txt", data, benchN)
}

func BenchmarkReadJSON1M(b *testing.B) {
	data := genLines(benchN, "[\n", func(buf []byte, id uint64) []byte {
		buf = append(buf, "\""...)
		buf = strconv.AppendUint(buf, id, 10)
		return append(buf, "\",\n"...)
	})
	data = append(data, "\"1\"]"...)
	benchRead(b, "ids.json", data, benchN+1)
}

func BenchmarkReadJSONL1M(b *testing.B) {
	data := genLines(benchN, "", func(buf []byte, id uint64) []byte {
		buf = append(buf, `{"id":"`...)
		buf = strconv.AppendUint(buf, id, 10)
		return append(buf, "\"}\n"...)
	})
	benchRead(b, "ids.jsonl", data, benchN)
}

func BenchmarkReadArchive100k(b *testing.B) {
	const n = 100_000
	data := genLines(n, "window.YTD.following.part0 = [\n", func(buf []byte, id uint64) []byte {
		s := strconv.FormatUint(id, 10)
		return append(buf, "  {\n    \"following\" : {\n      \"accountId\" : \""+s+"\",\n      \"userLink\" : \"https://twitter.com/intent/user?user_id="+s+"\"\n    }\n  },\n"...)
	})
	data = append(data, "{\"following\":{\"accountId\":\"1\"}}]"...)
	benchRead(b, "following.js", data, n+1)
}
