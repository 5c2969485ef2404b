package chart

import (
	"path/filepath"
	"strings"
	"testing"

	helmchart "helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

const dir = "../../helm/karton"

// valueFiles are the chart's values files: "" is values.yaml alone.
var valueFiles = []string{"", "values-small-centre.yaml", "values-country.yaml"}

func valuesPath(f string) string {
	if f == "" {
		return ""
	}
	return filepath.Join(dir, f)
}

func name(f string) string {
	if f == "" {
		return "values.yaml"
	}
	return f
}

// TestLint: helm lint finds no error and no warning with each values file.
func TestLint(t *testing.T) {
	for _, f := range valueFiles {
		vals, err := Values(valuesPath(f))
		if err != nil {
			t.Fatal(err)
		}
		bad, err := Lint(dir, vals)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range bad {
			t.Errorf("%s: helm lint: %s", name(f), m)
		}
	}
}

// TestRenderDecodesStrictly renders the chart with each values file,
// decodes every manifest strictly into its Kubernetes API type, and
// checks what the chart promises: the kinds, non-root containers with a
// read-only root and no capabilities, probes and resources, selectors
// that select, and the replicas of the country's values.
func TestRenderDecodesStrictly(t *testing.T) {
	for _, f := range valueFiles {
		t.Run(name(f), func(t *testing.T) {
			objs, err := RenderFiles(dir, valuesPath(f))
			if err != nil {
				t.Fatal(err)
			}
			byKind := map[string][]Object{}
			for _, o := range objs {
				byKind[o.Kind] = append(byKind[o.Kind], o)
			}
			for _, k := range []string{"Deployment", "Service", "ConfigMap", "PodDisruptionBudget", "Job", "ServiceAccount"} {
				if len(byKind[k]) == 0 {
					t.Errorf("no %s rendered", k)
				}
			}
			if n := len(byKind["Deployment"]); n != 2 {
				t.Errorf("%d Deployments, want 2 (api, worker)", n)
			}
			checkPods(t, objs)
			checkSelectors(t, objs)
			if f == "values-country.yaml" {
				for _, k := range []string{"Ingress", "HorizontalPodAutoscaler", "ServiceMonitor"} {
					if len(byKind[k]) == 0 {
						t.Errorf("no %s rendered with the country's values", k)
					}
				}
				for _, c := range []string{"api", "worker"} {
					if n := minReplicas(objs, "karton-"+c); n < 2 {
						t.Errorf("%s: at least %d replicas, want >= 2 for a country", c, n)
					}
				}
				checkWorkerHPA(t, objs)
			}
			t.Logf("%d manifests: %s", len(objs), kindsOf(objs))
		})
	}
}

func kindsOf(objs []Object) string {
	var s []string
	for _, o := range objs {
		s = append(s, o.Kind+"/"+o.Name)
	}
	return strings.Join(s, " ")
}

// podSpecs are the pod templates of the Deployments and Jobs.
func podSpecs(objs []Object) map[string]*corev1.PodTemplateSpec {
	m := map[string]*corev1.PodTemplateSpec{}
	for _, o := range objs {
		switch v := o.Value.(type) {
		case *appsv1.Deployment:
			m["Deployment/"+o.Name] = &v.Spec.Template
		case *batchv1.Job:
			m["Job/"+o.Name] = &v.Spec.Template
		}
	}
	return m
}

// checkPods: every container runs as non-root (its own or the pod's
// securityContext), with a read-only root, no privilege escalation and
// every capability dropped, and has resources (a CPU and memory request,
// a memory limit); the Deployments' containers have liveness and
// readiness probes (a Job's run to completion and have none).
func checkPods(t *testing.T, objs []Object) {
	t.Helper()
	for what, p := range podSpecs(objs) {
		ps := p.Spec.SecurityContext
		for _, c := range p.Spec.Containers {
			at := what + " container " + c.Name
			sc := c.SecurityContext
			if sc == nil {
				t.Errorf("%s: no securityContext", at)
				continue
			}
			nonRoot := (sc.RunAsNonRoot != nil && *sc.RunAsNonRoot) || (ps != nil && ps.RunAsNonRoot != nil && *ps.RunAsNonRoot)
			uid := sc.RunAsUser
			if uid == nil && ps != nil {
				uid = ps.RunAsUser
			}
			if !nonRoot || uid == nil || *uid == 0 {
				t.Errorf("%s: may run as root (runAsNonRoot %v, runAsUser %v)", at, nonRoot, uid)
			}
			if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("%s: root file system not read-only", at)
			}
			if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s: allows privilege escalation", at)
			}
			if sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) != 0 {
				t.Errorf("%s: capabilities %+v, want drop ALL and add none", at, sc.Capabilities)
			}
			r := c.Resources
			if r.Requests.Cpu().IsZero() || r.Requests.Memory().IsZero() || r.Limits.Memory().IsZero() {
				t.Errorf("%s: resources %v, want CPU and memory requests and a memory limit", at, r)
			}
			if strings.HasPrefix(what, "Deployment/") {
				if c.LivenessProbe == nil || c.ReadinessProbe == nil {
					t.Errorf("%s: liveness %v readiness %v, want both", at, c.LivenessProbe != nil, c.ReadinessProbe != nil)
				} else if g := c.ReadinessProbe.HTTPGet; g == nil || g.Path != "/readyz" {
					t.Errorf("%s: readiness probe %+v, want GET /readyz", at, c.ReadinessProbe.ProbeHandler)
				} else if g := c.LivenessProbe.HTTPGet; g == nil || g.Path != "/healthz" {
					t.Errorf("%s: liveness probe %+v, want GET /healthz", at, c.LivenessProbe.ProbeHandler)
				}
				named := false
				for _, cp := range c.Ports {
					named = named || cp.Name == "http"
				}
				if !named {
					t.Errorf("%s: no port named http (the probes and the Services use it)", at)
				}
			}
		}
	}
}

// checkSelectors: each Deployment selects its own pods, each Service and
// PDB selects exactly one Deployment's pods, and each HPA scales a
// Deployment that exists.
func checkSelectors(t *testing.T, objs []Object) {
	t.Helper()
	deps := map[string]*appsv1.Deployment{}
	for _, o := range objs {
		if d, ok := o.Value.(*appsv1.Deployment); ok {
			deps[o.Name] = d
			sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
			if err != nil || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				t.Errorf("Deployment %s: its selector does not match its pods (%v)", o.Name, err)
			}
		}
	}
	selects := func(what string, sel labels.Selector) {
		n := 0
		for _, d := range deps {
			if sel.Matches(labels.Set(d.Spec.Template.Labels)) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s selects the pods of %d Deployments, want 1", what, n)
		}
	}
	for _, o := range objs {
		switch v := o.Value.(type) {
		case *corev1.Service:
			selects("Service "+o.Name, labels.SelectorFromSet(v.Spec.Selector))
		case *policyv1.PodDisruptionBudget:
			sel, err := metav1.LabelSelectorAsSelector(v.Spec.Selector)
			if err != nil {
				t.Fatal(err)
			}
			selects("PodDisruptionBudget "+o.Name, sel)
		case *autoscalingv2.HorizontalPodAutoscaler:
			if ref := v.Spec.ScaleTargetRef; ref.Kind != "Deployment" || deps[ref.Name] == nil {
				t.Errorf("HPA %s scales %s %s, which the chart does not render", o.Name, ref.Kind, ref.Name)
			}
		}
	}
}

// minReplicas is a Deployment's replicas, or its HPA's minimum when an
// HPA scales it.
func minReplicas(objs []Object, deployment string) int32 {
	for _, o := range objs {
		if h, ok := o.Value.(*autoscalingv2.HorizontalPodAutoscaler); ok && h.Spec.ScaleTargetRef.Name == deployment && h.Spec.MinReplicas != nil {
			return *h.Spec.MinReplicas
		}
	}
	for _, o := range objs {
		if d, ok := o.Value.(*appsv1.Deployment); ok && o.Name == deployment {
			if d.Spec.Replicas == nil {
				return 1
			}
			return *d.Spec.Replicas
		}
	}
	return 0
}

// checkWorkerHPA: the workers scale on an External metric, the task
// queue's backlog per replica.
func checkWorkerHPA(t *testing.T, objs []Object) {
	t.Helper()
	for _, o := range objs {
		h, ok := o.Value.(*autoscalingv2.HorizontalPodAutoscaler)
		if !ok || h.Spec.ScaleTargetRef.Name != "karton-worker" {
			continue
		}
		for _, m := range h.Spec.Metrics {
			if m.Type == autoscalingv2.ExternalMetricSourceType && m.External != nil && m.External.Metric.Name == "temporal_task_queue_backlog" &&
				m.External.Target.Type == autoscalingv2.AverageValueMetricType && m.External.Target.AverageValue != nil {
				return
			}
		}
		t.Errorf("worker HPA metrics %+v, want an External temporal_task_queue_backlog with an AverageValue target", h.Spec.Metrics)
		return
	}
	t.Error("no HPA for the workers")
}

// TestMisspeltFieldsFail: the strict decoding catches a misspelt field,
// whether a template has it or a values file brings it in.
func TestMisspeltFieldsFail(t *testing.T) {
	// A template with readinessProb for readinessProbe, added to the
	// loaded chart.
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var api *helmchart.File
	for _, f := range c.Templates {
		if f.Name == "templates/api-deployment.yaml" {
			api = f
		}
	}
	if api == nil {
		t.Fatal("no templates/api-deployment.yaml")
	}
	good := api.Data
	api.Data = []byte(strings.Replace(string(good), "readinessProbe:", "readinessProb:", 1))
	if string(api.Data) == string(good) {
		t.Fatal("the API's Deployment has no readinessProbe to misspell")
	}
	_, err = RenderDecode(c, map[string]any{})
	if err == nil || !strings.Contains(err.Error(), `unknown field "readinessProb"`) {
		t.Errorf("a Deployment with readinessProb: error %v, want one naming the unknown field", err)
	}
	api.Data = good
	if _, err := RenderDecode(c, map[string]any{}); err != nil {
		t.Fatalf("the chart as it is: %v", err)
	}

	// Values that bring misspelt fields into the manifests.
	for _, c2 := range []struct {
		vals  string
		field string
	}{
		{`securityContext: {readOnlyRootFilesytem: true}`, "readOnlyRootFilesytem"},
		{`worker: {resources: {limit: {memory: 1Gi}}}`, "limit"},
		{`podSecurityContext: {runAsNonroot: true}`, "runAsNonroot"},
	} {
		vals, err := parseValues(c2.vals)
		if err != nil {
			t.Fatal(err)
		}
		_, err = RenderDecode(c, vals)
		if err == nil || !strings.Contains(err.Error(), "unknown field") || !strings.Contains(err.Error(), c2.field+`"`) {
			t.Errorf("values %s: error %v, want one naming the unknown field %s", c2.vals, err, c2.field)
		}
	}
}

// TestUnknownKindFails: a kind the chart is not known to render fails.
func TestUnknownKindFails(t *testing.T) {
	_, err := Decode(Doc{Source: "x.yaml", YAML: "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: x}\n"})
	if err == nil || !strings.Contains(err.Error(), "StatefulSet") {
		t.Errorf("a StatefulSet: error %v, want one naming the kind", err)
	}
	_, err = Decode(Doc{Source: "x.yaml", YAML: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\ndata: {c: d}\n"})
	if err == nil {
		t.Error("a document with a duplicate key decoded")
	}
}

// TestMissingSecretsFailClearly: without an existing Secret or a value,
// the chart refuses to render and says which value to set.
func TestMissingSecretsFailClearly(t *testing.T) {
	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := parseValues(`database: {existingSecret: {name: ""}}`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = RenderDecode(c, vals)
	if err == nil || !strings.Contains(err.Error(), "database.url") {
		t.Errorf("no database secret nor URL: error %v, want one naming database.url", err)
	}
	vals, err = parseValues(`{database: {existingSecret: {name: ""}, url: "postgres://k:p@db/k"}, s3: {existingSecret: {name: ""}, accessKey: a, secretKey: b}, payloadKeys: {existingSecret: {name: ""}, json: "{}"}}`)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := RenderDecode(c, vals)
	if err != nil {
		t.Fatalf("inline secrets: %v", err)
	}
	secrets := 0
	for _, o := range objs {
		if _, ok := o.Value.(*corev1.Secret); ok {
			secrets++
		}
	}
	if secrets != 2 {
		t.Errorf("%d Secrets with inline values, want 2 (the chart's and the migration hook's)", secrets)
	}
}

// parseValues reads values given as YAML text (tests).
func parseValues(s string) (map[string]any, error) {
	v, err := chartutil.ReadValues([]byte(s))
	if err != nil {
		return nil, err
	}
	return v.AsMap(), nil
}
