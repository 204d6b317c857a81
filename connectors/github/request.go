package github

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/cairn-dev/cairn"
)

// get sends a GET for path (relative to the base URL, with its query) and returns the body of a
// 2xx answer. A 304 returns page.NotModified and no body. Rate limits that got past the
// transport (go-github's local short-circuit) are waited out here.
func (c *Client) get(ctx context.Context, path string, etags func(url string) string) ([]byte, cairn.GitHubPage, error) {
	var page cairn.GitHubPage
	for attempt := 0; ; attempt++ {
		req, err := c.gh.NewRequest(http.MethodGet, path, nil)
		if err != nil {
			return nil, page, &requestError{"GET", path, err}
		}
		page.URL = req.URL.String()
		if etags != nil {
			if tag := etags(page.URL); tag != "" {
				req.Header.Set("If-None-Match", tag)
			}
		}
		resp, err := c.gh.BareDo(ctx, req)
		if resp != nil && resp.Response != nil && resp.Body != nil {
			defer resp.Body.Close()
		}
		if resp != nil && resp.Response != nil {
			page.Next = resp.NextPage
			page.ETag = resp.Header.Get("ETag")
			if d, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
				page.ServerTime = d.UTC()
			}
			if resp.StatusCode == http.StatusNotModified {
				page.NotModified = true
				return nil, page, nil
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, page, ctx.Err()
			}
			if d, ok := c.localLimit(err); ok && attempt < c.retries {
				if werr := c.sleep(ctx, d); werr != nil {
					return nil, page, werr
				}
				continue
			}
			return nil, page, c.apiError(path, err)
		}
		var buf bytes.Buffer
		if resp.ContentLength > 0 {
			buf.Grow(int(resp.ContentLength))
		}
		if _, err := io.Copy(&buf, resp.Body); err != nil {
			return nil, page, &requestError{"GET", path, err}
		}
		body := buf.Bytes()
		if cap(body)-len(body) > len(body)/8 {
			// A chunked answer grew the buffer by doubling; the items' raw JSON are slices of
			// it and live as long as their page, so keep only what was read.
			body = append([]byte(nil), body...)
		}
		return body, page, nil
	}
}

// localLimit reports how long to wait for a go-github rate-limit error.
func (c *Client) localLimit(err error) (time.Duration, bool) {
	var rle *gh.RateLimitError
	if errors.As(err, &rle) && !rle.Rate.Reset.Time.IsZero() {
		return max(rle.Rate.Reset.Time.Sub(c.now())+time.Second, time.Second), true
	}
	var are *gh.AbuseRateLimitError
	if errors.As(err, &are) && are.RetryAfter != nil {
		return max(*are.RetryAfter, time.Second), true
	}
	return 0, false
}

// apiError turns a go-github error into an *APIError naming the request.
func (c *Client) apiError(path string, err error) error {
	var er *gh.ErrorResponse
	var rle *gh.RateLimitError
	var are *gh.AbuseRateLimitError
	switch {
	case errors.As(err, &er) && er.Response != nil:
		return &APIError{Method: "GET", Path: "/" + path, Status: er.Response.StatusCode, Message: er.Message}
	case errors.As(err, &rle):
		return &APIError{Method: "GET", Path: "/" + path, Status: http.StatusForbidden, Message: "rate limit: " + rle.Message}
	case errors.As(err, &are):
		return &APIError{Method: "GET", Path: "/" + path, Status: http.StatusForbidden, Message: "secondary rate limit: " + are.Message}
	}
	return &requestError{"GET", path, err}
}

// requestError is a failure to send or read a request.
type requestError struct {
	method, path string
	err          error
}

func (e *requestError) Error() string { return e.method + " /" + e.path + ": " + e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

// decodeList decodes a JSON array, keeping each element's raw bytes.
func decodeList[T any](path string, body []byte) ([]T, [][]byte, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, nil, &requestError{"GET", path, errMalformed(err)}
	}
	items := make([]T, len(raws))
	rawOut := make([][]byte, len(raws))
	for i, r := range raws {
		if err := json.Unmarshal(r, &items[i]); err != nil {
			return nil, nil, &requestError{"GET", path, errMalformed(err)}
		}
		rawOut[i] = r
	}
	return items, rawOut, nil
}

// query renders list parameters in a stable order (the ETag key depends on it).
func query(path string, kv ...string) string {
	var b strings.Builder
	b.WriteString(path)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		if b.Len() == len(path) {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(kv[i])
		b.WriteByte('=')
		b.WriteString(kv[i+1])
	}
	return b.String()
}
