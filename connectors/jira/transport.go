package jira

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/cairn-dev/cairn"
)

// retryTransport sits below go-jira's request building and above its auth transports: it
// counts and reports every request, reads the rate-limit budget, and retries 429 and 503
// after Retry-After (capped, with up to 10 % jitter), other 5xx and network errors with
// exponential back-off, at most MaxRetries times. Every request cairn sends is a read (the
// POSTs are searches and bulk changelog fetches), so all of them may be retried; bodies are
// rewound with GetBody.
type retryTransport struct {
	base http.RoundTripper
	c    *Client
	// timeout bounds each attempt (request and body). It lives here, not on the http.Client,
	// because a client timeout would also cover the Retry-After waits between attempts.
	timeout time.Duration
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	o := &t.c.opts
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		r := req
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(ctx)
			r.Body = body
		}
		start := o.Now()
		t.c.reqs.Add(1)
		actx, cancel := ctx, context.CancelFunc(func() {})
		if t.timeout > 0 {
			actx, cancel = context.WithTimeout(ctx, t.timeout)
		}
		resp, err := t.base.RoundTrip(r.WithContext(actx))
		if err != nil {
			cancel()
			o.Observer.ObserveRequest(cairn.ConnectorJira, 0, o.Now().Sub(start))
			if ctx.Err() != nil || attempt >= o.MaxRetries {
				return nil, err
			}
			if werr := o.Sleep(ctx, backoff(attempt)); werr != nil {
				return nil, werr
			}
			continue
		}
		o.Observer.ObserveRequest(cairn.ConnectorJira, resp.StatusCode, o.Now().Sub(start))
		t.noteRate(resp.Header)
		wait, retry := t.classify(resp, attempt)
		if !retry || attempt >= o.MaxRetries {
			resp.Body = cancelOnClose{resp.Body, cancel}
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		cancel()
		if werr := o.Sleep(ctx, wait); werr != nil {
			return nil, werr
		}
	}
}

// cancelOnClose releases an attempt's timeout once its body has been read and closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// classify says whether a response is worth retrying and after how long.
func (t *retryTransport) classify(resp *http.Response, attempt int) (time.Duration, bool) {
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		if d, ok := t.retryAfter(resp.Header); ok {
			return jitter(d), true
		}
		if reset, ok := t.reset(resp.Header); ok {
			if d := reset.Sub(t.c.opts.Now()); d > 0 {
				return jitter(min(d, t.c.opts.MaxRetryAfter)), true
			}
		}
		return backoff(attempt), true
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
		if d, ok := t.retryAfter(resp.Header); ok {
			return jitter(d), true
		}
		return backoff(attempt), true
	}
	return 0, false
}

// retryAfter reads Retry-After (seconds or an HTTP date), capped at MaxRetryAfter.
func (t *retryTransport) retryAfter(h http.Header) (time.Duration, bool) {
	s := strings.TrimSpace(h.Get("Retry-After"))
	if s == "" {
		return 0, false
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(s, 64); err == nil && secs >= 0 {
		d = time.Duration(secs * float64(time.Second))
	} else if at, err := http.ParseTime(s); err == nil {
		d = at.Sub(t.c.opts.Now())
	} else {
		return 0, false
	}
	return min(max(d, 0), t.c.opts.MaxRetryAfter), true
}

// reset reads X-RateLimit-Reset: ISO 8601 on Cloud ("2026-11-24T10:15Z"), epoch seconds elsewhere.
func (t *retryTransport) reset(h http.Header) (time.Time, bool) {
	s := strings.TrimSpace(h.Get("X-RateLimit-Reset"))
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range []string{"2006-01-02T15:04Z07:00", time.RFC3339, "2006-01-02T15:04:05.000Z07:00"} {
		if at, err := time.Parse(layout, s); err == nil {
			return at, true
		}
	}
	if secs, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(secs, 0), true
	}
	return time.Time{}, false
}

// noteRate reports the remaining budget when the server tells it (X-RateLimit-Remaining, or a
// Retry-After that says the budget is spent).
func (t *retryTransport) noteRate(h http.Header) {
	now := t.c.opts.Now()
	if rem := h.Get("X-RateLimit-Remaining"); rem != "" {
		n, err := strconv.Atoi(strings.TrimSpace(rem))
		if err != nil {
			return
		}
		reset, ok := t.reset(h)
		if !ok {
			if d, ok := t.retryAfter(h); ok {
				reset = now.Add(d)
			} else if secs, err := strconv.Atoi(h.Get("X-RateLimit-Interval-Seconds")); err == nil {
				reset = now.Add(time.Duration(secs) * time.Second) // Data Center's token bucket
			} else {
				reset = now
			}
		}
		t.c.opts.Observer.ObserveRateLimit(cairn.ConnectorJira, n, reset)
		return
	}
	if d, ok := t.retryAfter(h); ok {
		t.c.opts.Observer.ObserveRateLimit(cairn.ConnectorJira, 0, now.Add(d))
	}
}

// backoff is 1 s, 2 s, 4 s ... capped at 30 s, with jitter.
func backoff(attempt int) time.Duration {
	return jitter(min(time.Second<<min(attempt, 5), 30*time.Second))
}

// jitter adds up to 10 %, so clients that were told the same Retry-After do not return together.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}
