// Package cairn holds the domain vocabulary shared by every part of cairn: the work items that
// the connectors bring from Jira and GitHub, the sync runs that record how they got there, and
// the sentinel errors the parts agree on. It imports nothing of ours.
package cairn

import (
	"errors"
	"time"
)

// Connector names, used in sync runs, metrics labels and the sync API.
const (
	ConnectorJira   = "jira"
	ConnectorGitHub = "github"
)

// Sentinel errors.
var (
	// ErrNotFound is returned by lookups that find nothing.
	ErrNotFound = errors.New("not found")
	// ErrRunning is returned when a run of the same job is already in progress.
	ErrRunning = errors.New("a run is already in progress")
	// ErrMalformed marks an upstream response that could not be decoded.
	ErrMalformed = errors.New("malformed response")
	// ErrUnauthorized marks an upstream 401/403 that is not a rate limit.
	ErrUnauthorized = errors.New("unauthorized")
)

// StatusCategory is Jira's coarse status: every workflow status belongs to one of three.
type StatusCategory string

// The three Jira status categories, by their stable keys.
const (
	CategoryNew           StatusCategory = "new"
	CategoryIndeterminate StatusCategory = "indeterminate"
	CategoryDone          StatusCategory = "done"
)

// StatusCategories lists every category in display order.
var StatusCategories = []StatusCategory{CategoryNew, CategoryIndeterminate, CategoryDone}

// Valid reports whether c is one of the three known categories.
func (c StatusCategory) Valid() bool {
	return c == CategoryNew || c == CategoryIndeterminate || c == CategoryDone
}

// Observer receives what connectors see on the wire, so the service can publish its own health
// metrics without the connectors knowing about Prometheus. Implementations must be safe for
// concurrent use.
type Observer interface {
	// ObserveRequest records one HTTP request to an upstream API and its status code
	// (0 when no response arrived).
	ObserveRequest(connector string, statusCode int, d time.Duration)
	// ObserveRateLimit records the remaining request budget the upstream reported.
	ObserveRateLimit(connector string, remaining int, reset time.Time)
}

// NopObserver discards every observation.
type NopObserver struct{}

// ObserveRequest implements Observer.
func (NopObserver) ObserveRequest(string, int, time.Duration) {}

// ObserveRateLimit implements Observer.
func (NopObserver) ObserveRateLimit(string, int, time.Time) {}
