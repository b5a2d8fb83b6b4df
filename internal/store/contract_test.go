package store_test

import (
	"context"
	"testing"

	"github.com/iamd/iamd/internal/store"
	"github.com/iamd/iamd/internal/store/storetest"
)

// TestContract runs the storage contract on every engine.
func TestContract(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			storetest.Contract(t, func(t testing.TB) storetest.Store {
				// The races open 50 connections at once; keeping them
				// between races saves seconds on PostgreSQL.
				cfg := e.Config(t, t.TempDir())
				cfg.MaxIdleConns = 64
				st, err := store.Open(context.Background(), cfg, storetest.Sealer(t))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { st.Close() })
				return st
			})
		})
	}
}
