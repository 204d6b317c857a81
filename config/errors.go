package config

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Sentinel errors. Every [Problem] wraps exactly one of them, so callers and tests check the
// kind of a problem with errors.Is on the error returned by [Load], [Parse] or [Config.Validate].
var (
	ErrSyntax             = errors.New("yaml syntax error")
	ErrUnknownKey         = errors.New("unknown key")
	ErrDuplicate          = errors.New("duplicate entry")
	ErrMissingEnv         = errors.New("environment variable not set")
	ErrRequired           = errors.New("required value missing")
	ErrInvalidValue       = errors.New("invalid value")
	ErrOutOfRange         = errors.New("value out of range")
	ErrInvalidURL         = errors.New("invalid URL")
	ErrInvalidCron        = errors.New("invalid cron spec")
	ErrInvalidRepo        = errors.New("invalid GitHub repository")
	ErrInvalidProjectKey  = errors.New("invalid Jira project key")
	ErrInvalidIssueKey    = errors.New("invalid Jira issue key")
	ErrInvalidDate        = errors.New("invalid date")
	ErrDuplicateProgram   = errors.New("duplicate program")
	ErrDuplicateMilestone = errors.New("duplicate milestone")
	ErrNoSource           = errors.New("milestone has no source")
	ErrOutOfScope         = errors.New("reference out of scope")
)

// secretMark is what a secret value prints as, everywhere.
const secretMark = "<secret>"

// A Problem is one thing wrong with a configuration file.
type Problem struct {
	File string // the name given to Parse or the path given to Load
	Line int    // 1-based; 0 when the problem has no place in the file
	Path string // the YAML path, like "programs[0].milestones[1].due"; empty for syntax errors
	Msg  string // what is wrong, like "must be an absolute http(s) URL"
	Got  string // the offending value as printed (quoted, or <secret>); empty when there is none
	Err  error  // the sentinel: ErrUnknownKey, ErrInvalidURL, ...
}

// Error formats the problem as "FILE:LINE: path.to.key: what is wrong (got VALUE)".
func (p Problem) Error() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			b.WriteString(":")
			b.WriteString(strconv.Itoa(p.Line))
		}
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	if p.Got != "" {
		b.WriteString(" (got ")
		b.WriteString(p.Got)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the sentinel.
func (p Problem) Unwrap() error { return p.Err }

// Error is every problem found in one configuration file. Its message has one problem per line.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so that errors.Is(err, ErrInvalidURL) reports whether any
// problem is an invalid URL.
func (e *Error) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// problems collects the problems of one file.
type problems struct {
	src  *source
	list []Problem
}

// add records a problem at path; the line is the one recorded for path or its nearest parent.
func (ps *problems) add(path string, sentinel error, msg, got string) {
	ps.addAt(ps.src.lineOf(path), path, sentinel, msg, got)
}

func (ps *problems) addAt(line int, path string, sentinel error, msg, got string) {
	file := ""
	if ps.src != nil {
		file = ps.src.file
	}
	ps.list = append(ps.list, Problem{File: file, Line: line, Path: path, Msg: msg, Got: got, Err: sentinel})
}

// err redacts and sorts the problems and returns them as an *Error, or nil when there are none.
// secrets are the values of every Secret of the configuration.
func (ps *problems) err(secrets []string) error {
	if len(ps.list) == 0 {
		return nil
	}
	for i := range ps.list {
		p := &ps.list[i]
		if p.Got != "" && ps.src.fromSecretVar(p.Path) {
			p.Got = secretMark
		}
		for _, s := range secrets {
			// Very short values would shred unrelated text; the precise rules above and the
			// Secret type keep those out of messages anyway.
			if len(s) >= 4 {
				p.Msg = strings.ReplaceAll(p.Msg, s, secretMark)
				p.Got = strings.ReplaceAll(p.Got, s, secretMark)
			}
		}
	}
	sort.SliceStable(ps.list, func(i, j int) bool { return ps.list[i].Line < ps.list[j].Line })
	return &Error{Problems: ps.list}
}

// quote prints a string value for the "(got ...)" part of a message.
func quote(s string) string { return strconv.Quote(s) }

// num prints a number for the "(got ...)" part of a message.
func num(v any) string { return fmt.Sprint(v) }
