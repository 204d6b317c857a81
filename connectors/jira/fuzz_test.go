package jira

import (
	"encoding/json"
	"testing"

	"github.com/cairn-dev/cairn"
)

// FuzzParseIssue feeds arbitrary bytes to the issue decoder: it must never panic, and what it
// accepts must be usable (an id, a key, links with both ends, transitions that map).
func FuzzParseIssue(f *testing.F) {
	for _, rel := range []string{"go-jira/testing/mock-data/issues_in_sprint.json", "go-jira/mocks/issues_in_sprint_with_changelog.json",
		"jira-ruby/spec/mock_responses/issue.json"} {
		var page searchPage
		if err := json.Unmarshal(fixture(f, rel), &page); err == nil {
			for _, is := range page.Issues {
				f.Add([]byte(is))
			}
		}
	}
	f.Add([]byte(`{"id":"10001","key":"POS-1","changelog":{"startAt":0,"maxResults":1,"total":2,"histories":[{"id":"1","created":1492070429,"items":[{"field":"status","fieldId":"status","from":"1","fromString":"To Do","to":"3","toString":"In Progress"}]}]},"fields":{"parent":{"key":"POS-16","fields":{"issuetype":{"name":"Epic","hierarchyLevel":1}}},"customfield_10016":"5","customfield_10020":["com.atlassian.greenhopper.service.sprint.Sprint@4263b21c[id=444,rapidViewId=158,state=ACTIVE]",{"id":7}],"issuelinks":[{"id":"9","type":{"name":"Blocks","inward":"is blocked by","outward":"blocks"},"inwardIssue":{"key":"POS-2"}}],"created":"2020-08-17T08:13:32.383+0300","duedate":"2020-09-30"}}`))
	dec := newDecoder(map[string][]string{cairn.JiraConceptStoryPoints: {"customfield_10016", "customfield_10105"},
		cairn.JiraConceptEpicLink: {"customfield_10014"}, cairn.JiraConceptSprint: {"customfield_10020"}, cairn.JiraConceptFlagged: {"customfield_10021"}})
	cats := &statusMap{byID: map[string]cairn.StatusCategory{"1": cairn.CategoryNew, "3": cairn.CategoryIndeterminate}, byName: map[string]cairn.StatusCategory{}}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := dec.decode(data)
		if err != nil {
			return
		}
		if d.issue.ID <= 0 || d.issue.Key == "" {
			t.Fatalf("accepted an issue without id or key: %+v", d.issue)
		}
		for _, l := range d.issue.Links {
			if l.FromKey == "" || l.ToKey == "" || (l.FromKey != d.issue.Key && l.ToKey != d.issue.Key) {
				t.Fatalf("link %+v of %s", l, d.issue.Key)
			}
		}
		if d.changelog != nil {
			ts, err := transitions(d.changelog.Histories, cats)
			if err == nil {
				for i := 1; i < len(ts); i++ {
					if ts[i].At.Before(ts[i-1].At) {
						t.Fatal("transitions not oldest first")
					}
				}
			}
		}
	})
}
