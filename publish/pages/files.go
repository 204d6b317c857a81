package pages

import (
	"fmt"
	"os"
	"path/filepath"
)

// FileName is the file a program's page for a week is written to: the program's slug, the
// week and the format's extension, e.g. checkout-v2-2026-W48.html. It never contains a path
// separator, whatever the program is called.
func FileName(program, week string, format Format) string {
	if !ValidWeek(week) {
		week = "unknown-week"
	}
	return Slug(program) + "-" + week + format.Ext()
}

// LatestFileName is the file that holds a program's latest page: checkout-v2-latest.html.
func LatestFileName(program string, format Format) string {
	return Slug(program) + "-latest" + format.Ext()
}

// File is one rendered page.
type File struct {
	Program string
	Format  Format
	Name    string // FileName
	Body    []byte
}

// RenderAll renders the pages of the named programs (every program in the report when none
// are named; a name or a slug) in each format, in memory. Two programs whose slugs collide
// are an error rather than one page overwriting the other.
func (r *Renderer) RenderAll(in *Inputs, formats []Format, programs ...string) ([]File, error) {
	var files []File
	seen := map[string]string{}
	for _, p := range in.Report.Programs {
		if len(programs) > 0 && !containsProgram(programs, p.Name) {
			continue
		}
		for _, f := range formats {
			name := FileName(p.Name, in.Report.Week, f)
			if other, dup := seen[name]; dup {
				return nil, fmt.Errorf("render pages: programs %q and %q both map to %s", other, p.Name, name)
			}
			seen[name] = p.Name
			body, err := r.Render(in.Report, in.Previous, in.Snapshots, p.Name, f)
			if err != nil {
				return nil, err
			}
			files = append(files, File{Program: p.Name, Format: f, Name: name, Body: body})
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("render pages: no program matches %q in the report for %s", programs, in.Report.Week)
	}
	return files, nil
}

// WriteFiles renders the pages of the named programs (all when none are named) in each
// format and writes them into dir, which it creates. Everything is rendered before the first
// file is written, and each file is written to a temporary name and renamed, so a failure
// never leaves a half-written page. It returns the paths written.
func (r *Renderer) WriteFiles(dir string, in *Inputs, formats []Format, programs ...string) ([]string, error) {
	files, err := r.RenderAll(in, formats, programs...)
	if err != nil {
		return nil, err
	}
	return writeFiles(dir, files, false)
}

// writeFiles writes files into dir atomically; with latest, each also as its program's
// LatestFileName.
func writeFiles(dir string, files []File, latest bool) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write pages: %w", err)
	}
	var paths []string
	for _, f := range files {
		names := []string{f.Name}
		if latest {
			names = append(names, LatestFileName(f.Program, f.Format))
		}
		for _, name := range names {
			path := filepath.Join(dir, name)
			if err := writeAtomic(path, f.Body); err != nil {
				return paths, fmt.Errorf("write pages: %w", err)
			}
			paths = append(paths, path)
		}
	}
	return paths, nil
}

// writeAtomic writes body to a temporary file in path's directory, syncs it and renames it
// over path, so a reader (or a crash) sees the old page or the new one, never a mix.
func writeAtomic(path string, body []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(body); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
