package demo

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/cairn-dev/cairn/connectors/github/githubtest"
	"github.com/cairn-dev/cairn/connectors/jira/jiratest"
)

// JiraEmail is the account the fake Jira Cloud accepts, with Fakes.JiraToken.
const JiraEmail = "demo@example.com"

// Fakes are the fake Jira and fake GitHub serving a world on loopback listeners.
type Fakes struct {
	World  *World
	Jira   *jiratest.Server
	GitHub *githubtest.Server
	// Tokens the fakes accept, fresh for each start. The demo hands them to the service through
	// its environment (EnvJiraToken, EnvGitHubToken), never through a file or a log line.
	JiraToken, GitHubToken string
}

// Start serves w from a fake Jira Cloud and a fake GitHub on 127.0.0.1, each on a port of its
// own. now is the fakes' clock (timestamps of later changes); nil means time.Now. Close stops
// both.
func Start(w *World, now func() time.Time) *Fakes {
	if now == nil {
		now = time.Now
	}
	f := &Fakes{World: w, JiraToken: newToken(), GitHubToken: newToken()}
	f.Jira = jiratest.New(jiratest.Options{Deployment: jiratest.Cloud, Now: now, Email: JiraEmail, Token: f.JiraToken})
	w.loadJira(f.Jira)
	// GitHub's real budget is 5,000 requests an hour; a full sync reads every pull request's
	// reviews, so a large world would wait an hour for its first page. The demo's fake is
	// generous: room for several full syncs an hour at any scale.
	f.GitHub = githubtest.New(githubtest.Options{Now: now, Tokens: []string{f.GitHubToken},
		RateLimit: max(5000, 10*len(w.PRs))})
	f.GitHub.Load(w.GitHubRepos())
	return f
}

// Close stops both servers.
func (f *Fakes) Close() {
	f.Jira.Close()
	f.GitHub.Close()
}

// Env returns the demo config's variables: the fakes' tokens and an API token for the
// service's write endpoints.
func (f *Fakes) Env(apiToken string) map[string]string {
	return map[string]string{EnvJiraToken: f.JiraToken, EnvGitHubToken: f.GitHubToken, EnvAPIToken: apiToken}
}

// newToken returns 32 random hex digits. crypto/rand.Read never fails (Go 1.24+).
func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// loadJira puts the world's projects, versions, boards, sprints and issues into the fake Jira.
func (w *World) loadJira(s *jiratest.Server) {
	for _, t := range teams {
		if t.project != "" {
			s.AddProject(t.project, t.name)
		}
	}
	for _, v := range w.Versions {
		s.AddVersion(v)
	}
	for _, b := range w.Boards {
		s.AddBoard(jiratest.Board{ID: b.ID, Name: b.Name, Type: b.Type, ProjectKey: b.ProjectKey})
	}
	for _, sp := range w.Sprints {
		s.AddSprint(sp)
	}
	for _, is := range w.Issues {
		s.PutIssue(is)
	}
}
