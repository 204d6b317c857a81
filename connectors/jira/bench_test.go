package jira

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/cairn-dev/cairn/connectors/jira/jiratest"
)

// BenchmarkSearch pages through a generated data set (JIRA_BENCH_ISSUES issues, default
// 10,000, over two projects) against the local fake: fetch and decode, complete histories.
func BenchmarkSearch(b *testing.B) {
	for _, d := range []string{jiratest.Cloud, jiratest.DataCenter} {
		b.Run(d, func(b *testing.B) {
			n := 10000
			if s := os.Getenv("JIRA_BENCH_ISSUES"); s != "" {
				n, _ = strconv.Atoi(s)
			}
			srv := jiratest.New(jiratest.Options{Deployment: d, Token: "t", Email: "e@example.com", MaxResults: 100})
			defer srv.Close()
			srv.Generate(jiratest.GenOptions{Projects: []string{"PAY", "WEB"}, IssuesPerProject: n / 2, Seed: 1})
			o := Options{BaseURL: srv.BaseURL(), Token: "t"}
			if d == jiratest.Cloud {
				o.Email = "e@example.com"
			}
			c, err := New(o)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ResetTimer()
			start := time.Now()
			total := 0
			for i := 0; i < b.N; i++ {
				cursor := ""
				for {
					p, err := c.Search(ctx, "project in (PAY, WEB) ORDER BY updated ASC", cursor)
					if err != nil {
						b.Fatal(err)
					}
					total += len(p.Issues)
					if p.Next == "" {
						break
					}
					cursor = p.Next
				}
			}
			b.ReportMetric(float64(total)/time.Since(start).Seconds(), "issues/s")
			b.ReportMetric(float64(c.Requests())/float64(total)*1000, "req/1000issues")
		})
	}
}

// BenchmarkDecode measures the issue decoder alone on a page the fake rendered.
func BenchmarkDecode(b *testing.B) {
	srv := jiratest.New(jiratest.Options{})
	defer srv.Close()
	srv.Generate(jiratest.GenOptions{Projects: []string{"PAY"}, IssuesPerProject: 100, Seed: 1})
	c, _ := New(Options{BaseURL: srv.BaseURL(), Token: "t", Email: "e@example.com"})
	ctx := context.Background()
	dec, err := c.decoder(ctx)
	if err != nil {
		b.Fatal(err)
	}
	fields := append(append([]string(nil), baseFields...), dec.fieldIDs()...)
	sp, _, _, err := c.searchPage(ctx, "project = PAY", "", fields, 100, true)
	if err != nil {
		b.Fatal(err)
	}
	bytes := 0
	for _, r := range sp.Issues {
		bytes += len(r)
	}
	b.SetBytes(int64(bytes))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range sp.Issues {
			if _, err := dec.decode(r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(sp.Issues))/b.Elapsed().Seconds(), "issues/s")
}
