// Package pages renders a program's weekly status page from a stored report: as Confluence
// storage format, as a standalone HTML page and as Markdown, all three from one view-model
// (Page) built from the report, the previous week's report and the milestone snapshots, so a
// past week renders again exactly as it did.
//
//   - Render (or NewRenderer and Renderer.Render) renders one program's page in one format.
//   - Load reads what a page needs from a Source (rollup.Reports{DB: db}): the week's report,
//     the week before's, and the programs' snapshots.
//   - NewHandler serves the HTML pages: /programs, /programs/{program} (the latest week) and
//     /programs/{program}/weeks/{week}.
//   - Publish is the scheduled job: every program's latest page written to a directory
//     (atomically, plus a -latest copy) and pushed to Confluence as the week's page and the
//     "latest" page (package confluence).
//
// Every string from Jira or GitHub is cleaned of characters no format can carry (clean) and
// escaped for the format it lands in: html/template for HTML and for the storage format (whose
// entities are all XML ones), backslash escapes and entities for Markdown. Charts are inline SVG
// in HTML (chart.go), Confluence chart macros over the same data tables in the storage format,
// and tables in Markdown. Every count links to the items behind it where the report knows
// them: a JQL key search on Jira, a pull-request search on GitHub.
package pages
