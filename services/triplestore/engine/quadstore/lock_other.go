//go:build !unix

package quadstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// lockDir creates dir/LOCK exclusively. Unlike flock, a crash leaves the
// file behind; remove it by hand after making sure no process uses dir.
func lockDir(dir string) (*os.File, error) {
	path := filepath.Join(dir, "LOCK")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("%w: %s", ErrLocked, dir)
	}
	return f, err
}

// unlockDir releases the lock by removing the lock file.
func unlockDir(f *os.File) error {
	name := f.Name()
	return errors.Join(f.Close(), os.Remove(name))
}
