package queue

import (
	"os"
	"path/filepath"
)

// syncParent fsyncs the directory holding path, making a rename durable.
func syncParent(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
