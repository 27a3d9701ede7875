package queue

import (
	"os"
	"path/filepath"
	"testing"
)

// DiscardIfEmpty deletes a queue that holds nothing (file and status
// snapshot), and leaves one with targets or a bound account alone.
func TestDiscardIfEmpty(t *testing.T) {
	tests := []struct {
		name   string
		fill   func(t *testing.T, s *Store)
		remove bool
	}{
		{name: "empty", fill: func(*testing.T, *Store) {}, remove: true},
		{name: "targets", fill: func(t *testing.T, s *Store) {
			if _, err := s.Import(t.Context(), []Source{textSource("l.txt", "12")}, ImportOptions{}); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "bound account", fill: func(t *testing.T, s *Store) {
			if err := s.BindAccount("42", "me"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "q.db")
			s, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			tt.fill(t, s)
			removed, err := s.DiscardIfEmpty()
			if err != nil || removed != tt.remove {
				t.Fatalf("DiscardIfEmpty = %v, %v; want %v", removed, err, tt.remove)
			}
			_, errQ := os.Stat(path)
			_, errS := os.Stat(path + ".status")
			if tt.remove {
				if !os.IsNotExist(errQ) || !os.IsNotExist(errS) {
					t.Fatalf("files left: queue %v, status %v", errQ, errS)
				}
				if _, err := s.Counts(); err == nil {
					t.Error("the store is still usable after discarding")
				}
				// The path is free for a new queue.
				s2, err := Open(path, Options{})
				if err != nil {
					t.Fatal(err)
				}
				s2.Close()
				return
			}
			if errQ != nil {
				t.Fatalf("queue removed: %v", errQ)
			}
			if _, err := s.Counts(); err != nil {
				t.Fatalf("store closed: %v", err)
			}
		})
	}
}
