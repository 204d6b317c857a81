package github

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v4"
)

// appTokens mints GitHub App installation tokens: a JWT signed with the app's private key
// (RS256) is exchanged at POST /app/installations/{id}/access_tokens, and the token is reused
// until five minutes before it expires.
type appTokens struct {
	base           string // API base URL with a trailing slash
	appID          int64
	installationID int64
	key            *rsa.PrivateKey
	http           *http.Client // without the auth transport
	now            func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

func newAppTokens(base string, appID, installationID int64, pem []byte, hc *http.Client, now func() time.Time) (*appTokens, error) {
	key, err := jwt.ParseRSAPrivateKeyFromPEM(pem)
	if err != nil {
		return nil, fmt.Errorf("parse github app private key: %w", err)
	}
	return &appTokens{base: base, appID: appID, installationID: installationID, key: key, http: hc, now: now}, nil
}

func (a *appTokens) Token(ctx context.Context) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.token != "" && a.now().Add(5*time.Minute).Before(a.expires) {
		return a.token, nil
	}
	now := a.now()
	signed, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.RegisteredClaims{
		IssuedAt:  jwt.NewNumericDate(now.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(now.Add(9 * time.Minute)),
		Issuer:    strconv.FormatInt(a.appID, 10),
	}).SignedString(a.key)
	if err != nil {
		return "", fmt.Errorf("sign github app jwt: %w", err)
	}
	path := "app/installations/" + strconv.FormatInt(a.installationID, 10) + "/access_tokens"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+path, strings.NewReader("{}"))
	if err != nil {
		return "", fmt.Errorf("POST /%s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+signed)
	req.Header.Set("Accept", "application/vnd.github+json")
	resp, err := a.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("POST /%s: %w", path, scrub(err, signed))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		return "", &APIError{Method: http.MethodPost, Path: "/" + path, Status: resp.StatusCode}
	}
	var body struct {
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Token == "" {
		return "", fmt.Errorf("POST /%s: decode installation token: %w", path, errMalformed(err))
	}
	a.token, a.expires = body.Token, body.ExpiresAt
	return a.token, nil
}
