package engine

import (
	"testing"

	"github.com/intermw/intermw/services/triplestore"
	"github.com/intermw/intermw/services/triplestore/storetest"
)

func TestStoreSuite(t *testing.T) {
	t.Run("in memory", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) triplestore.Store { return NewMemory() })
	})
	t.Run("on disk", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) triplestore.Store {
			e, err := Open(Config{Dir: t.TempDir(), NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			return e
		})
	})
}
