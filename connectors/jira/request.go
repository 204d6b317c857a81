package jira

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/cairn-dev/cairn"
)

// APIError is a non-2xx answer from Jira. Its text names the request, never the credentials.
type APIError struct {
	Method string
	Path   string // without the query
	Status int
	Body   string // the start of the answer, credentials scrubbed
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("jira: %s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Body != "" {
		s += ": " + e.Body
	}
	return s
}

// Retryable reports whether trying again later may succeed.
func (e *APIError) Retryable() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// Unwrap maps statuses to cairn's sentinels: 401/403 are cairn.ErrUnauthorized, 404 and 410
// cairn.ErrNotFound.
func (e *APIError) Unwrap() error {
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return cairn.ErrUnauthorized
	case http.StatusNotFound, http.StatusGone:
		return cairn.ErrNotFound
	}
	return nil
}

// RequestError is a request that got no usable answer: a network failure, or a 2xx body that
// does not decode (it then wraps cairn.ErrMalformed).
type RequestError struct {
	Method, Path string
	Err          error
}

func (e *RequestError) Error() string {
	return "jira: " + e.Method + " " + e.Path + ": " + e.Err.Error()
}
func (e *RequestError) Unwrap() error { return e.Err }

type malformedError struct{ err error }

func (e malformedError) Error() string      { return cairn.ErrMalformed.Error() + ": " + e.err.Error() }
func (e malformedError) Unwrap() []error    { return []error{cairn.ErrMalformed, e.err} }
func errMalformed(err error) malformedError { return malformedError{err} }

const maxErrorBody = 512

// do sends a request to path (relative to the base URL, with its query) with an optional
// JSON body and returns the body of a 2xx answer.
func (c *Client) do(ctx context.Context, method, path string, body any) ([]byte, error) {
	name := "/" + path
	if i := strings.IndexByte(name, '?'); i >= 0 {
		name = name[:i]
	}
	req, err := c.jc.NewRequestWithContext(ctx, method, path, body)
	if err != nil {
		return nil, &RequestError{method, name, c.scrubErr(err)}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &RequestError{method, name, c.scrubErr(err)}
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if resp.ContentLength > 0 && resp.ContentLength < 1<<30 {
		buf.Grow(int(resp.ContentLength))
	}
	if _, err := io.Copy(&buf, resp.Body); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &RequestError{method, name, c.scrubErr(err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b := buf.Bytes()
		if len(b) > maxErrorBody {
			b = append(b[:maxErrorBody:maxErrorBody], "…"...)
		}
		return nil, &APIError{Method: method, Path: name, Status: resp.StatusCode, Body: c.scrub(strings.TrimSpace(string(b)))}
	}
	return buf.Bytes(), nil
}

// getJSON GETs path and decodes the answer into v.
func (c *Client) getJSON(ctx context.Context, path string, v any) error {
	b, err := c.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return c.malformed(http.MethodGet, path, err)
	}
	return nil
}

func (c *Client) malformed(method, path string, err error) error {
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return &RequestError{method, "/" + path, errMalformed(err)}
}

// scrub removes credentials from text.
func (c *Client) scrub(s string) string {
	for _, sec := range c.secrets {
		if sec != "" && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "<redacted>")
		}
	}
	return s
}

func (c *Client) scrubErr(err error) error {
	if err == nil {
		return nil
	}
	if s := c.scrub(err.Error()); s != err.Error() {
		return errors.New(s)
	}
	return err
}

// status reports an *APIError's status, or 0.
func status(err error) int {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

func asAPIError(err error, target **APIError) bool { return errors.As(err, target) }
