package validate

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// dashboard is the part of Grafana's classic dashboard model the checks read.
type dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Editable      bool    `json:"editable"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name       string          `json:"name"`
			Type       string          `json:"type"`
			Definition string          `json:"definition"`
			Datasource *datasourceRef  `json:"datasource"`
			Query      json.RawMessage `json:"query"`
		} `json:"list"`
	} `json:"templating"`
	Annotations struct {
		List []struct {
			Name       string         `json:"name"`
			Expr       string         `json:"expr"`
			Datasource *datasourceRef `json:"datasource"`
		} `json:"list"`
	} `json:"annotations"`
}

type datasourceRef struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type panel struct {
	ID         int            `json:"id"`
	Type       string         `json:"type"`
	Title      string         `json:"title"`
	Datasource *datasourceRef `json:"datasource"`
	GridPos    struct {
		X, Y, W, H int
	} `json:"gridPos"`
	Targets []struct {
		RefID        string         `json:"refId"`
		Expr         string         `json:"expr"`
		LegendFormat string         `json:"legendFormat"`
		Datasource   *datasourceRef `json:"datasource"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // rows
}

func readDashboards(t *testing.T) map[string]dashboard {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dashboardsDir, "*.json"))
	if err != nil || len(files) < 2 {
		t.Fatalf("dashboards: %v %v", files, err)
	}
	out := map[string]dashboard{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		dec := json.NewDecoder(strings.NewReader(string(b)))
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(f)] = d
	}
	return out
}

// allPanels flattens rows.
func allPanels(ps []panel) []panel {
	var out []panel
	for _, p := range ps {
		out = append(out, p)
		out = append(out, allPanels(p.Panels)...)
	}
	return out
}

var (
	// $name, ${name} or ${name:format}; the name is group 1 or 2.
	varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\}|\$([A-Za-z_][A-Za-z0-9_]*)`)
	// Grafana's built-in variables.
	builtinVars = map[string]bool{"__interval": true, "__interval_ms": true, "__rate_interval": true,
		"__range": true, "__range_s": true, "__range_ms": true, "__from": true, "__to": true, "__dashboard": true}
	// sampleValues replace the variables to parse an expression as Grafana would send it.
	sampleValues = map[string]string{"program": "checkout", "milestone": ".+", "connector": ".+"}
)

func varName(m []string) string { return m[1] + m[2] }

// expand substitutes the template variables with sample values.
func expand(expr string) string {
	return varRef.ReplaceAllStringFunc(expr, func(m string) string {
		if v, ok := sampleValues[varName(varRef.FindStringSubmatch(m))]; ok {
			return v
		}
		return m
	})
}

func TestDashboardsStructure(t *testing.T) {
	uids := map[string]string{}
	for file, d := range readDashboards(t) {
		t.Run(file, func(t *testing.T) {
			if d.UID == "" || len(d.UID) > 40 || !regexp.MustCompile(`^[a-z0-9-]+$`).MatchString(d.UID) {
				t.Errorf("uid %q: want a stable lowercase uid of at most 40 characters", d.UID)
			}
			if other, dup := uids[d.UID]; dup {
				t.Errorf("uid %q also used by %s", d.UID, other)
			}
			uids[d.UID] = file
			if d.SchemaVersion < 36 || d.Editable {
				t.Errorf("schemaVersion %d editable %v: want a pinned version >= 36, not editable (provisioned)", d.SchemaVersion, d.Editable)
			}
			defined := map[string]bool{}
			for _, v := range d.Templating.List {
				defined[v.Name] = true
			}
			if !defined["datasource"] {
				t.Error("no datasource variable: panels must select their data source by ${datasource}")
			}
			checkVars := func(where, s string) {
				for _, m := range varRef.FindAllStringSubmatch(s, -1) {
					if n := varName(m); !defined[n] && !builtinVars[n] {
						t.Errorf("%s: $%s is not a template variable", where, n)
					}
				}
			}
			checkDS := func(where string, ds *datasourceRef) {
				if ds == nil || ds.Type != "prometheus" || ds.UID != "${datasource}" {
					t.Errorf("%s: datasource %+v, want prometheus ${datasource}", where, ds)
				}
			}
			for _, v := range d.Templating.List {
				checkVars("variable "+v.Name, v.Definition)
				checkVars("variable "+v.Name, string(v.Query))
				if v.Type == "query" {
					checkDS("variable "+v.Name, v.Datasource)
					if !strings.HasPrefix(v.Definition, "label_values(") {
						t.Errorf("variable %s: %q, want a label_values() query", v.Name, v.Definition)
					}
				}
			}
			for _, a := range d.Annotations.List {
				checkVars("annotation "+a.Name, a.Expr)
				checkDS("annotation "+a.Name, a.Datasource)
			}
			ids := map[int]string{}
			var boxes []panel
			for _, p := range allPanels(d.Panels) {
				where := fmt.Sprintf("panel %d %q", p.ID, p.Title)
				if p.ID <= 0 {
					t.Errorf("%s: no id", where)
				}
				if other, dup := ids[p.ID]; dup {
					t.Errorf("%s: id also used by %q", where, other)
				}
				ids[p.ID] = p.Title
				g := p.GridPos
				if g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > 24 {
					t.Errorf("%s: gridPos %+v outside the 24-column grid", where, g)
				}
				for _, o := range boxes {
					h := o.GridPos
					if g.X < h.X+h.W && h.X < g.X+g.W && g.Y < h.Y+h.H && h.Y < g.Y+g.H {
						t.Errorf("%s overlaps panel %d %q", where, o.ID, o.Title)
					}
				}
				boxes = append(boxes, p)
				if p.Type == "row" {
					continue
				}
				checkDS(where, p.Datasource)
				if len(p.Targets) == 0 {
					t.Errorf("%s: no query", where)
				}
				refs := map[string]bool{}
				for _, tg := range p.Targets {
					if tg.RefID == "" || refs[tg.RefID] {
						t.Errorf("%s: refId %q missing or repeated", where, tg.RefID)
					}
					refs[tg.RefID] = true
					if strings.TrimSpace(tg.Expr) == "" {
						t.Errorf("%s/%s: empty expr", where, tg.RefID)
					}
					checkVars(where+"/"+tg.RefID, tg.Expr)
					checkDS(where+"/"+tg.RefID, tg.Datasource)
				}
			}
		})
	}
}

// dashboardExprs returns every PromQL expression of every dashboard, variables expanded, by
// where it is.
func dashboardExprs(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for file, d := range readDashboards(t) {
		for _, p := range allPanels(d.Panels) {
			for _, tg := range p.Targets {
				out[fmt.Sprintf("%s panel %d %q %s", file, p.ID, p.Title, tg.RefID)] = expand(tg.Expr)
			}
		}
		for _, a := range d.Annotations.List {
			out[fmt.Sprintf("%s annotation %q", file, a.Name)] = expand(a.Expr)
		}
		for _, v := range d.Templating.List {
			if q := strings.TrimSuffix(strings.TrimPrefix(v.Definition, "label_values("), ")"); q != v.Definition {
				if sel, _, ok := cutLast(q, ","); ok {
					out[fmt.Sprintf("%s variable %s", file, v.Name)] = expand(sel)
				}
			}
		}
	}
	return out
}

func cutLast(s, sep string) (string, string, bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

func TestDashboardExprsParse(t *testing.T) {
	promtoolParse(t, dashboardExprs(t))
}

func TestDashboardsUseKnownSeries(t *testing.T) {
	known := knownSeries(t)
	for where, expr := range dashboardExprs(t) {
		checkSeries(t, where, expr, known)
	}
}

// The provisioning files point Grafana at the directory compose mounts the dashboards in, and
// the data source the dashboards default to exists.
func TestGrafanaProvisioning(t *testing.T) {
	var dash struct {
		APIVersion int `json:"apiVersion"`
		Providers  []struct {
			Name           string `json:"name"`
			OrgID          int    `json:"orgId"`
			Folder         string `json:"folder"`
			FolderUID      string `json:"folderUid"`
			Type           string `json:"type"`
			DisableDelete  bool   `json:"disableDeletion"`
			AllowUIUpdates bool   `json:"allowUiUpdates"`
			UpdateInterval int    `json:"updateIntervalSeconds"`
			Options        struct {
				Path                      string `json:"path"`
				FoldersFromFilesStructure bool   `json:"foldersFromFilesStructure"`
			} `json:"options"`
		} `json:"providers"`
	}
	b, err := os.ReadFile(filepath.Join("..", "grafana", "provisioning", "dashboards", "cairn.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, &dash); err != nil {
		t.Fatalf("dashboards provisioning: %v", err)
	}
	compose, err := os.ReadFile(filepath.Join("..", "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if dash.APIVersion != 1 || len(dash.Providers) != 1 || dash.Providers[0].Type != "file" ||
		!strings.Contains(string(compose), "./grafana/dashboards:"+dash.Providers[0].Options.Path+":") {
		t.Errorf("dashboards provisioning: %+v does not read the directory compose mounts", dash)
	}
	var ds struct {
		APIVersion  int `json:"apiVersion"`
		Datasources []struct {
			Name      string            `json:"name"`
			UID       string            `json:"uid"`
			Type      string            `json:"type"`
			Access    string            `json:"access"`
			URL       string            `json:"url"`
			IsDefault bool              `json:"isDefault"`
			JSONData  map[string]string `json:"jsonData"`
		} `json:"datasources"`
	}
	b, err = os.ReadFile(filepath.Join("..", "grafana", "provisioning", "datasources", "prometheus.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, &ds); err != nil {
		t.Fatalf("datasource provisioning: %v", err)
	}
	if len(ds.Datasources) != 1 || ds.Datasources[0].Type != "prometheus" || !ds.Datasources[0].IsDefault {
		t.Errorf("datasource provisioning: %+v, want one default prometheus", ds)
	}
}
