package pages

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// linker builds the links behind every count: a JQL search for Jira keys, a pull-request
// search for GitHub items.
type linker struct {
	jira   string // Jira site, no trailing slash; "" means no Jira links
	github string // GitHub web root, no trailing slash
}

func newLinker(o Options) linker {
	return linker{jira: strings.TrimRight(safeURL(o.JiraURL), "/"), github: strings.TrimRight(safeURL(o.GitHubURL), "/")}
}

// issue links one Jira issue.
func (l linker) issue(key string) string {
	if l.jira == "" || key == "" {
		return ""
	}
	return l.jira + "/browse/" + url.PathEscape(key)
}

// jql links a set of Jira issues: {jira}/issues/?jql=key in.
func (l linker) jql(keys []string) string {
	if l.jira == "" || len(keys) == 0 {
		return ""
	}
	ks := append([]string(nil), keys...)
	sort.Strings(ks)
	q := "key in (" + strings.Join(ks, ",") + ")"
	return capped(l.jira + "/issues/?jql=" + strings.ReplaceAll(url.QueryEscape(q), "+", "%20"))
}

// maxLinkLen bounds a search link: Jira and GitHub answer a longer request line (Tomcat's and
// most proxies' default limit is 8 KiB) with an error, so a count over several hundred items
// stays unlinked rather than linking to an error page.
const maxLinkLen = 7000

func capped(u string) string {
	if len(u) > maxLinkLen {
		return ""
	}
	return u
}

// pr links one pull request, given "owner/repo#123".
func (l linker) pr(ref string) string {
	repo, num, ok := splitPRRef(ref)
	if !ok {
		return ""
	}
	return l.github + "/" + repo + "/pull/" + strconv.Itoa(num)
}

// prs links a set of pull requests: one repository's search when they share a repository,
// else a global search. Refs are "owner/repo#123".
func (l linker) prs(refs []string) string {
	if len(refs) == 0 {
		return ""
	}
	byRepo := map[string][]string{}
	for _, r := range refs {
		repo, num, ok := splitPRRef(r)
		if !ok {
			continue
		}
		byRepo[repo] = append(byRepo[repo], strconv.Itoa(num))
	}
	if len(byRepo) == 0 {
		return ""
	}
	if len(byRepo) == 1 {
		for repo, nums := range byRepo {
			sort.Strings(nums)
			return capped(l.github + "/" + repo + "/pulls?q=" + url.QueryEscape("is:pr "+strings.Join(nums, " ")))
		}
	}
	repos := make([]string, 0, len(byRepo))
	for repo := range byRepo {
		repos = append(repos, "repo:"+repo)
	}
	sort.Strings(repos)
	return capped(l.github + "/pulls?q=" + url.QueryEscape("is:pr "+strings.Join(repos, " ")))
}

// items links a mixed set of refs: Jira keys and "owner/repo#n" pull requests. Jira wins
// when both kinds are present and Jira is configured, since the JQL lists the tracked work.
func (l linker) items(refs []string) string {
	var keys, prs []string
	for _, r := range refs {
		if _, _, ok := splitPRRef(r); ok {
			prs = append(prs, r)
		} else if r != "" {
			keys = append(keys, r)
		}
	}
	if u := l.jql(keys); u != "" {
		return u
	}
	return l.prs(prs)
}

// item links one ref of either kind.
func (l linker) item(ref string) string {
	if _, _, ok := splitPRRef(ref); ok {
		return l.pr(ref)
	}
	return l.issue(ref)
}

// splitPRRef splits "owner/repo#123".
func splitPRRef(ref string) (repo string, num int, ok bool) {
	i := strings.LastIndexByte(ref, '#')
	if i <= 0 || !strings.Contains(ref[:i], "/") {
		return "", 0, false
	}
	n, err := strconv.Atoi(ref[i+1:])
	if err != nil || n <= 0 {
		return "", 0, false
	}
	return ref[:i], n, true
}
