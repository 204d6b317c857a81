package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestPackedRoundTrip reads awkward values (the separator, digits and colons, multi-byte text,
// NULL, integers) back through packSQL and fields exactly.
func TestPackedRoundTrip(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	values := []string{"", "3:abc", "12:", ":", "héllo wörld ✓", "a\x00b", "\x1f;\n", "0"}
	for _, a := range values {
		for _, b := range values {
			var row string
			err := db.View(ctx, func(tx *sql.Tx) error {
				return tx.QueryRowContext(ctx, `SELECT `+packSQL("a", "n", "b", "z", "i")+`
					FROM (SELECT ? AS a, NULL AS n, ? AS b, 0 AS z, -42 AS i)`, a, b).Scan(&row)
			})
			if err != nil {
				t.Fatal(err)
			}
			f := fields{s: row}
			ga, gn, gb, gz, gi := f.next(), f.next(), f.next(), f.bool(), f.int()
			if err := f.done(); err != nil || ga != a || gn != "" || gb != b || gz || gi != -42 {
				t.Errorf("(%q, %q) packed as %q read back (%q, %q, %q, %v, %d), err %v", a, b, row, ga, gn, gb, gz, gi, err)
			}
		}
	}
	for _, bad := range []string{"3:ab", "x:1", "2:abc", ":"} {
		f := fields{s: bad}
		f.next()
		if f.done() == nil {
			t.Errorf("fields(%q): no error", bad)
		}
	}
}
