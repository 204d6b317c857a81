// Package pages renders a program's weekly status page from a stored report: as Confluence
// storage format, as a standalone HTML page and as Markdown, all three from one view-model
// (Page) built from the report, the previous week's report and the milestone snapshots, so a
// past week renders again exactly as it did.
package pages
