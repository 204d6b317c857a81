package confluence

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/cairn-dev/cairn"
)

// APIError is a non-2xx answer from Confluence. Message is the start of the response body
// with every credential removed.
type APIError struct {
	Method  string
	Path    string // without the query
	Status  int
	Message string
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is makes 401 and 403 match cairn.ErrUnauthorized.
func (e *APIError) Is(target error) bool {
	return target == cairn.ErrUnauthorized && (e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden)
}

// Retryable reports whether the same request may succeed later.
func (e *APIError) Retryable() bool {
	return e.Status == http.StatusConflict || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

func conflict(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusConflict
}

// scrubber removes the token in every form it travels in: raw, and inside a Basic header.
func scrubber(email, token string) *strings.Replacer {
	pairs := []string{token, "<token>"}
	if email != "" {
		pairs = append(pairs, base64.StdEncoding.EncodeToString([]byte(email+":"+token)), "<credentials>")
	}
	return strings.NewReplacer(pairs...)
}

func (p *Publisher) authorize(req *http.Request) {
	if p.opts.Email != "" {
		req.SetBasicAuth(p.opts.Email, p.opts.Token)
		return
	}
	req.Header.Set("Authorization", "Bearer "+p.opts.Token)
}

// do sends one JSON request to root+path and decodes a 2xx answer into out.
func (p *Publisher) do(ctx context.Context, method, path string, query url.Values, in, out any) error {
	target := p.root + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "cairn")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	p.authorize(req)
	resp, err := p.client.Do(req)
	if err != nil {
		// url.Error carries the URL, never the header; scrub anyway in case a proxy echoes.
		return fmt.Errorf("%s %s: %s", method, path, p.scrub.Replace(err.Error()))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return &APIError{Method: method, Path: path, Status: resp.StatusCode, Message: p.message(msg)}
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("decode %s %s: %w: %w", method, path, cairn.ErrMalformed, err)
	}
	return nil
}

// message extracts a short, credential-free explanation from an error body.
func (p *Publisher) message(body []byte) string {
	var j struct {
		Message string `json:"message"`
		Errors  []struct {
			Title string `json:"title"`
		} `json:"errors"`
	}
	s := string(body)
	if json.Unmarshal(body, &j) == nil {
		switch {
		case j.Message != "":
			s = j.Message
		case len(j.Errors) > 0 && j.Errors[0].Title != "":
			s = j.Errors[0].Title
		}
	}
	s = strings.Join(strings.Fields(p.scrub.Replace(s)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
