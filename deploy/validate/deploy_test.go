// Package validate checks the deploy kit offline with schema-aware tools: Kubernetes manifests
// are decoded strictly into the official API types, the compose file is parsed by
// docker-compose, the systemd unit by systemd-analyze, and the config embedded in the
// ConfigMap by cairn's own config loader. It is a module of its own so that the Kubernetes
// API types never weigh on cairn's build.
package validate

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/cairn-dev/cairn/config"
)

// needTool skips when a tool is missing on a developer's machine, and fails under CI, where
// .ci/run installs it.
func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: .ci/run must install it", name)
		}
		t.Skipf("%s not installed", name)
	}
	return path
}

func readManifest(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "kubernetes", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func strict(t *testing.T, name string, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(readManifest(t, name), into); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func TestEveryManifestIsKnown(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "kubernetes", "*.yaml"))
	known := map[string]bool{"configmap.yaml": true, "secret.yaml": true, "pvc.yaml": true, "deployment.yaml": true,
		"service.yaml": true, "servicemonitor.yaml": true, "prometheusrule.yaml": true}
	for _, f := range files {
		if !known[filepath.Base(f)] {
			t.Errorf("%s has no validation: add it to this test", f)
		}
	}
}

func TestDeployment(t *testing.T) {
	var d appsv1.Deployment
	strict(t, "deployment.yaml", &d)
	if d.Kind != "Deployment" || d.APIVersion != "apps/v1" {
		t.Fatalf("got %s %s", d.APIVersion, d.Kind)
	}
	if *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("cairn owns a SQLite file: want 1 replica with Recreate, got %d %s", *d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	pod := d.Spec.Template.Spec
	if pod.SecurityContext == nil || pod.SecurityContext.RunAsNonRoot == nil || !*pod.SecurityContext.RunAsNonRoot {
		t.Error("pod must run as non-root")
	}
	c := pod.Containers[0]
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet.Path != "/healthz" {
		t.Error("liveness probe must be GET /healthz")
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
		t.Error("readiness probe must be GET /readyz")
	}
	if c.SecurityContext == nil || !*c.SecurityContext.ReadOnlyRootFilesystem {
		t.Error("root filesystem must be read-only")
	}
	vols := map[string]corev1.Volume{}
	for _, v := range pod.Volumes {
		vols[v.Name] = v
	}
	if v, ok := vols["data"]; !ok || v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != "cairn-data" {
		t.Error("the database must live on the cairn-data PVC")
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("selector does not match the pod template (%v)", err)
	}
}

func TestServiceAndStorage(t *testing.T) {
	var s corev1.Service
	strict(t, "service.yaml", &s)
	if s.Kind != "Service" || s.Spec.Ports[0].Port != 9184 {
		t.Errorf("service: got %s port %d", s.Kind, s.Spec.Ports[0].Port)
	}
	var pvc corev1.PersistentVolumeClaim
	strict(t, "pvc.yaml", &pvc)
	if pvc.Kind != "PersistentVolumeClaim" || pvc.Spec.Resources.Requests.Storage().IsZero() {
		t.Error("pvc must request storage")
	}
	var sec corev1.Secret
	strict(t, "secret.yaml", &sec)
	for _, k := range []string{"JIRA_API_TOKEN", "GITHUB_TOKEN", "CAIRN_API_TOKEN"} {
		if _, ok := sec.StringData[k]; !ok {
			t.Errorf("secret lacks %s", k)
		}
	}
	var sm monitoringv1.ServiceMonitor
	strict(t, "servicemonitor.yaml", &sm)
	if sm.Kind != "ServiceMonitor" || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("servicemonitor: got %s %+v", sm.Kind, sm.Spec.Endpoints)
	}
}

// The config shipped in the ConfigMap must load with cairn's own strict loader.
func TestConfigMapConfigLoads(t *testing.T) {
	var cm corev1.ConfigMap
	strict(t, "configmap.yaml", &cm)
	env := map[string]string{"JIRA_API_TOKEN": "x", "GITHUB_TOKEN": "y"}
	if _, err := config.Parse("configmap.yaml:cairn.yaml", []byte(cm.Data["cairn.yaml"]), func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}); err != nil {
		t.Fatalf("config in the ConfigMap does not load:\n%v", err)
	}
}

func TestComposeFileParses(t *testing.T) {
	dc := needTool(t, "docker-compose")
	cmd := exec.Command(dc, "-f", filepath.Join("..", "compose.yaml"), "config", "--quiet")
	cmd.Env = append(os.Environ(), "JIRA_API_TOKEN=x", "GITHUB_TOKEN=y")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("docker-compose config: %v\n%s", err, out)
	}
}

func TestSystemdUnitVerifies(t *testing.T) {
	sa := needTool(t, "systemd-analyze")
	unit, err := os.ReadFile(filepath.Join("..", "systemd", "cairn.service"))
	if err != nil {
		t.Fatal(err)
	}
	// systemd-analyze insists the binary exists; point ExecStart at one that does.
	unit = bytes.ReplaceAll(unit, []byte("/usr/local/bin/cairn"), []byte("/bin/true"))
	path := filepath.Join(t.TempDir(), "cairn.service")
	if err := os.WriteFile(path, unit, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", path).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
