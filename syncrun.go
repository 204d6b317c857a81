package cairn

import "time"

// Run statuses.
const (
	RunRunning = "running"
	RunOK      = "ok"
	RunFailed  = "failed"
)

// SyncRun records one run of one connector.
type SyncRun struct {
	ID         int64     `json:"id"`
	Connector  string    `json:"connector"`
	Mode       string    `json:"mode"` // incremental | full
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	Status     string    `json:"status"`
	Error      string    `json:"error,omitempty"`
	Counts     Counts    `json:"counts"`
	Requests   int       `json:"requests"`
}

// Counts says what a run brought in.
type Counts struct {
	New      int `json:"new"`
	Updated  int `json:"updated"`
	Deleted  int `json:"deleted"`
	Versions int `json:"versions,omitempty"`
	Sprints  int `json:"sprints,omitempty"`
	Reviews  int `json:"reviews,omitempty"`
	Pages    int `json:"pages"`
}
