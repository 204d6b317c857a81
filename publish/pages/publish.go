package pages

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cairn-dev/cairn/publish/pages/confluence"
)

// Confluence is what Publish needs of a Confluence publisher; *confluence.Publisher has it.
type Confluence interface {
	Publish(ctx context.Context, pages ...confluence.Page) ([]confluence.Result, error)
}

// PublishOptions configure Publish. cmd fills them from the pages section of the config.
type PublishOptions struct {
	Options
	// OutDir receives the rendered files (and a -latest copy of each); "" writes none.
	OutDir string
	// Formats written to OutDir; nil means all three.
	Formats []Format
	// Confluence, when set, receives each program's week page and its "latest" page.
	Confluence Confluence
	// Programs limits publishing to these programs (names or slugs); empty means all.
	Programs []string
}

// Published says what Publish did.
type Published struct {
	Week       string
	AsOf       time.Time
	Files      []string            // paths written
	Confluence []confluence.Result // one per page pushed
}

// Publish is the scheduled job: it renders every program's page for the latest stored report
// in memory, then writes the files to OutDir (atomically) and pushes the storage format to
// Confluence as the week's page and the "latest" page. A render failure stops it before
// anything is written or sent. Without a stored report it returns an error wrapping
// cairn.ErrNotFound.
func Publish(ctx context.Context, src Source, o PublishOptions) (*Published, error) {
	if o.OutDir == "" && o.Confluence == nil {
		return nil, errors.New("publish pages: neither an out dir nor Confluence is configured")
	}
	r, err := NewRenderer(o.Options)
	if err != nil {
		return nil, err
	}
	in, err := Load(ctx, src, "", r.opts.HistoryDays, o.Programs...)
	if err != nil {
		return nil, fmt.Errorf("publish pages: %w", err)
	}
	formats := o.Formats
	if len(formats) == 0 {
		formats = Formats
	}
	var files, storage []File
	if o.OutDir != "" {
		if files, err = r.RenderAll(in, formats, o.Programs...); err != nil {
			return nil, fmt.Errorf("publish pages: %w", err)
		}
	}
	if o.Confluence != nil {
		for _, f := range files {
			if f.Format == FormatConfluence {
				storage = append(storage, f)
			}
		}
		if storage == nil {
			if storage, err = r.RenderAll(in, []Format{FormatConfluence}, o.Programs...); err != nil {
				return nil, fmt.Errorf("publish pages: %w", err)
			}
		}
	}
	out := &Published{Week: in.Report.Week, AsOf: in.Report.AsOf}
	if o.OutDir != "" {
		if out.Files, err = writeFiles(o.OutDir, files, true); err != nil {
			return out, err
		}
	}
	if o.Confluence != nil {
		var cp []confluence.Page
		for _, f := range storage {
			body := string(f.Body)
			cp = append(cp, confluence.Page{Title: Title(f.Program, in.Report.Week), Body: body},
				confluence.Page{Title: LatestTitle(f.Program), Body: body})
		}
		res, err := o.Confluence.Publish(ctx, cp...)
		out.Confluence = res
		if err != nil {
			return out, fmt.Errorf("publish pages: %w", err)
		}
	}
	r.opts.Logger.Info("published status pages", "week", out.Week, "files", len(out.Files), "confluence_pages", len(out.Confluence))
	return out, nil
}
