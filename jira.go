package cairn

import "time"

// Issue is a Jira issue as cairn keeps it: the fields the rollup needs, plus the raw JSON.
// Zero times mean "not set".
type Issue struct {
	ID             int64 // immutable numeric id; keys change when issues move
	Key            string
	ProjectKey     string
	IssueType      string
	Subtask        bool
	Summary        string
	Status         string
	StatusCategory StatusCategory
	Assignee       string // display name
	Priority       string
	Labels         []string
	Components     []string
	StoryPoints    *float64 // nil when unestimated
	EpicKey        string   // from the parent (team-managed) or the Epic Link field (company-managed)
	ParentKey      string
	Flagged        bool
	Created        time.Time
	Updated        time.Time
	Resolved       time.Time
	DueDate        time.Time
	FixVersionIDs  []int64
	SprintIDs      []int64
	Links          []IssueLink
	// Transitions is the complete status history, oldest first.
	Transitions []Transition
	Raw         []byte
}

// Transition is one status change from an issue's changelog.
type Transition struct {
	HistoryID    string
	At           time.Time
	FromStatus   string
	ToStatus     string
	FromCategory StatusCategory
	ToCategory   StatusCategory
}

// IssueLink is one "blocks" edge, normalised so that FromKey blocks ToKey whichever side
// reported it.
type IssueLink struct {
	ID      int64
	Type    string
	FromKey string
	ToKey   string
}

// Version is a Jira project version (fixVersion, "release").
type Version struct {
	ID          int64
	ProjectKey  string
	Name        string
	Description string
	StartDate   time.Time
	ReleaseDate time.Time
	Released    bool
	Archived    bool
	Raw         []byte
}

// Board is a Jira Agile board; Kanban boards have no sprints.
type Board struct {
	ID         int64
	Name       string
	Type       string // scrum | kanban | simple
	ProjectKey string
}

// Sprint is a Jira Agile sprint.
type Sprint struct {
	ID         int64
	BoardID    int64
	Name       string
	State      string // future | active | closed
	Goal       string
	StartAt    time.Time
	EndAt      time.Time
	CompleteAt time.Time
	Raw        []byte
}

// JiraPage is one page of a Jira search, as the connector returns it: issues complete with
// their status history and links.
type JiraPage struct {
	Issues []Issue
	// Next is the opaque cursor of the next page ("" on the last page): a nextPageToken on
	// Cloud, a startAt offset on Data Center.
	Next string
	// Total is the number of matches when the server reports it (Data Center), else 0.
	Total int
}

// JiraField says which Jira field carries one concept cairn needs.
type JiraField struct {
	Concept string // one of the JiraConcept* constants
	FieldID string // e.g. customfield_10016
	Source  string // schema | name | config
}

// Concepts the Jira connector maps onto custom fields.
const (
	JiraConceptStoryPoints = "story_points"
	JiraConceptEpicLink    = "epic_link"
	JiraConceptSprint      = "sprint"
	JiraConceptStartDate   = "start_date"
	JiraConceptFlagged     = "flagged"
)
