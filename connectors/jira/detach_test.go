package jira

import (
	"context"
	"reflect"
	"slices"
	"testing"
	"unsafe"

	"github.com/cairn-dev/cairn"
	"github.com/cairn-dev/cairn/connectors/jira/jiratest"
)

// TestDetachPage checks that every string of the issues Search returns lives in one block per
// page, packed end to end: none points into the decoder's copy of an issue's JSON (which would
// keep that copy alive while the page waits for the store), and none was missed by detachPage.
// Every string field must be seen set at least once, so that a field added to cairn.Issue and
// not detached fails here.
func TestDetachPage(t *testing.T) {
	for _, d := range []string{jiratest.Cloud, jiratest.DataCenter} {
		t.Run(d, func(t *testing.T) {
			srv := jiratest.New(jiratest.Options{Deployment: d, Token: "t", Email: "e@example.com", MaxResults: 50})
			defer srv.Close()
			srv.Generate(jiratest.GenOptions{Projects: []string{"PAY", "WEB"}, IssuesPerProject: 120, Seed: 3})
			o := Options{BaseURL: srv.BaseURL(), Token: "t"}
			if d == jiratest.Cloud {
				o.Email = "e@example.com"
			}
			c, err := New(o)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			pages := 0
			for cursor := ""; ; {
				p, err := c.Search(context.Background(), "project in (PAY, WEB) ORDER BY created ASC", cursor)
				if err != nil {
					t.Fatal(err)
				}
				pages++
				var strs []string
				for i := range p.Issues {
					walkStrings(reflect.ValueOf(&p.Issues[i]).Elem(), "Issue", seen, &strs, t)
				}
				checkPacked(t, pages, strs)
				if cursor = p.Next; cursor == "" {
					break
				}
			}
			if pages < 3 {
				t.Fatalf("%d pages, want several", pages)
			}
			for _, f := range stringFields(reflect.TypeFor[cairn.Issue](), "Issue") {
				if !seen[f] {
					t.Errorf("no issue of the test data sets %s: the test cannot tell whether detachPage copies it", f)
				}
			}
		})
	}
}

var categoryType = reflect.TypeFor[cairn.StatusCategory]()

// walkStrings collects the non-empty strings of v (categories apart: they must be one of the
// package's constants) and notes which field paths were set.
func walkStrings(v reflect.Value, path string, seen map[string]bool, out *[]string, t *testing.T) {
	switch v.Kind() {
	case reflect.String:
		if v.Len() == 0 {
			return
		}
		seen[path] = true
		if v.Type() == categoryType {
			if c := cairn.StatusCategory(v.String()); !c.Valid() {
				t.Errorf("%s: category %q", path, c)
			}
			return
		}
		*out = append(*out, v.String())
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // Raw: points into the response body on purpose
		}
		for i := range v.Len() {
			walkStrings(v.Index(i), path+"[]", seen, out, t)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			walkStrings(v.Elem(), path, seen, out, t)
		}
	case reflect.Struct:
		if v.Type().PkgPath() != reflect.TypeFor[cairn.Issue]().PkgPath() {
			return // time.Time
		}
		for i := range v.NumField() {
			walkStrings(v.Field(i), path+"."+v.Type().Field(i).Name, seen, out, t)
		}
	}
}

// stringFields lists the paths of every string field reachable from typ, as walkStrings names them.
func stringFields(typ reflect.Type, path string) []string {
	switch typ.Kind() {
	case reflect.String:
		return []string{path}
	case reflect.Slice:
		if typ.Elem().Kind() == reflect.Uint8 {
			return nil
		}
		return stringFields(typ.Elem(), path+"[]")
	case reflect.Pointer:
		return stringFields(typ.Elem(), path)
	case reflect.Struct:
		if typ.PkgPath() != reflect.TypeFor[cairn.Issue]().PkgPath() {
			return nil
		}
		var out []string
		for i := range typ.NumField() {
			out = append(out, stringFields(typ.Field(i).Type, path+"."+typ.Field(i).Name)...)
		}
		return out
	}
	return nil
}

// checkPacked fails unless strs, in the order detachPage copies them, lie end to end in memory.
func checkPacked(t *testing.T, page int, strs []string) {
	t.Helper()
	if len(strs) == 0 {
		t.Fatalf("page %d: no strings", page)
	}
	ptrs := make([]uintptr, len(strs))
	for i, s := range strs {
		ptrs[i] = uintptr(unsafe.Pointer(unsafe.StringData(s)))
	}
	if !slices.IsSorted(ptrs) {
		t.Fatalf("page %d: strings not in one block in issue order", page)
	}
	for i := 1; i < len(strs); i++ {
		if ptrs[i] != ptrs[i-1]+uintptr(len(strs[i-1])) {
			t.Fatalf("page %d: string %d (%q) is not next to %q: it was not copied into the page's block", page, i, strs[i], strs[i-1])
		}
	}
}
