package github

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cairn-dev/cairn"
)

// Rate-limit headers.
const (
	hdrRemaining  = "X-RateLimit-Remaining"
	hdrReset      = "X-RateLimit-Reset"
	hdrRetryAfter = "Retry-After"
)

// lowWater is the remaining budget below which requests are spread over the time left until
// the reset, so the budget never runs dry in the middle of a sync.
const lowWater = 50

// rateTransport sits below go-github: it paces requests when the budget runs low, waits out
// primary limits (until X-RateLimit-Reset), secondary limits (Retry-After, else at least a
// minute with exponential back-off), 429s and 5xx, and reports every request to the Observer.
//
// go-github v60 remembers a limit and then refuses calls locally, against the wall clock, until
// the reset. Since this transport already waits, it hides X-RateLimit-Reset from go-github so
// that short-circuit never fires (and tests with a fake clock never spin); the client still
// catches *gh.RateLimitError should one come through.
type rateTransport struct {
	base       http.RoundTripper
	obs        cairn.Observer
	sleep      func(ctx context.Context, d time.Duration) error
	now        func() time.Time
	maxRetries int
	onWait     func(d time.Duration)
	// timeout bounds each attempt (request and body). It lives here, not on the http.Client,
	// because a client timeout would also cover the waits for a rate-limit reset and fail a
	// sync that only had to wait.
	timeout time.Duration

	mu        sync.Mutex
	remaining int
	reset     time.Time
	known     bool
	requests  int64
}

func (t *rateTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 0; ; attempt++ {
		if err := t.pace(ctx); err != nil {
			return nil, err
		}
		start := t.now()
		actx, cancel := ctx, context.CancelFunc(func() {})
		if t.timeout > 0 {
			actx, cancel = context.WithTimeout(ctx, t.timeout)
		}
		resp, err := t.base.RoundTrip(req.WithContext(actx))
		t.mu.Lock()
		t.requests++
		t.mu.Unlock()
		if err != nil {
			cancel()
			t.obs.ObserveRequest(cairn.ConnectorGitHub, 0, t.now().Sub(start))
			if ctx.Err() != nil || attempt >= t.maxRetries || req.Method != http.MethodGet {
				return nil, err
			}
			if err := t.wait(ctx, backoff(time.Second, attempt, 30*time.Second)); err != nil {
				return nil, err
			}
			continue
		}
		t.obs.ObserveRequest(cairn.ConnectorGitHub, resp.StatusCode, t.now().Sub(start))
		t.noteRate(resp.Header)
		d, retry := t.classify(resp, attempt)
		if !retry || attempt >= t.maxRetries {
			resp.Header.Del(hdrReset)
			resp.Body = cancelOnClose{resp.Body, cancel}
			return resp, nil
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		cancel()
		if err := t.wait(ctx, d); err != nil {
			return nil, err
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

func (t *rateTransport) wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	if t.onWait != nil {
		t.onWait(d)
	}
	return t.sleep(ctx, d)
}

// pace waits before a request when the known budget is exhausted or running low.
func (t *rateTransport) pace(ctx context.Context) error {
	t.mu.Lock()
	known, remaining, reset := t.known, t.remaining, t.reset
	t.mu.Unlock()
	if !known {
		return nil
	}
	left := reset.Sub(t.now())
	if left <= 0 {
		return nil
	}
	switch {
	case remaining <= 0:
		err := t.wait(ctx, left+time.Second)
		t.mu.Lock()
		if t.reset.Equal(reset) {
			t.known = false // the window has passed; the next response tells the new budget
		}
		t.mu.Unlock()
		return err
	case remaining < lowWater:
		return t.wait(ctx, left/time.Duration(remaining+1))
	}
	return nil
}

func (t *rateTransport) noteRate(h http.Header) {
	rem, reset := h.Get(hdrRemaining), h.Get(hdrReset)
	if rem == "" || reset == "" {
		return
	}
	n, err1 := strconv.Atoi(rem)
	secs, err2 := strconv.ParseInt(reset, 10, 64)
	if err1 != nil || err2 != nil {
		return
	}
	at := time.Unix(secs, 0).UTC()
	t.mu.Lock()
	t.remaining, t.reset, t.known = n, at, true
	t.mu.Unlock()
	t.obs.ObserveRateLimit(cairn.ConnectorGitHub, n, at)
}

// classify says whether a response is worth retrying and after how long.
func (t *rateTransport) classify(resp *http.Response, attempt int) (time.Duration, bool) {
	switch code := resp.StatusCode; {
	case code == http.StatusForbidden || code == http.StatusTooManyRequests:
		body := peekBody(resp)
		if resp.Header.Get(hdrRemaining) == "0" {
			if secs, err := strconv.ParseInt(resp.Header.Get(hdrReset), 10, 64); err == nil {
				return max(time.Unix(secs, 0).Sub(t.now())+time.Second, time.Second), true
			}
			return backoff(time.Minute, attempt, 15*time.Minute), true
		}
		if s := resp.Header.Get(hdrRetryAfter); s != "" {
			if secs, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && secs >= 0 {
				return time.Duration(secs) * time.Second, true
			}
		}
		secondary := bytes.Contains(body, []byte("secondary rate limit")) ||
			bytes.Contains(body, []byte("secondary-rate-limits")) || bytes.Contains(body, []byte("abuse"))
		if code == http.StatusTooManyRequests || secondary {
			return backoff(time.Minute, attempt, 15*time.Minute), true
		}
		return 0, false
	case code == http.StatusInternalServerError || code == http.StatusBadGateway ||
		code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout:
		return backoff(time.Second, attempt, 30*time.Second), true
	}
	return 0, false
}

// peekBody reads up to 64 KiB of the body and puts it back.
func peekBody(resp *http.Response) []byte {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), resp.Body), resp.Body}
	return b
}

func backoff(base time.Duration, attempt int, limit time.Duration) time.Duration {
	d := base << min(attempt, 16)
	return min(d, limit)
}

// authTransport sets the Authorization header from a token source.
type authTransport struct {
	base  http.RoundTripper
	token func(ctx context.Context) (string, error)
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.token(req.Context())
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	return t.base.RoundTrip(req)
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

var errNoAuth = errors.New("github: no token or app credentials")
