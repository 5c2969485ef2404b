// Package chart checks Karton's Helm chart (deploy/helm/karton) with the
// Helm Go library, as `helm lint` and `helm template` would, and decodes
// every rendered manifest strictly into the Kubernetes API types, so that
// a misspelt field fails instead of being dropped by the API server.
package chart

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	helmchart "helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	"helm.sh/helm/v3/pkg/releaseutil"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// KubeVersion is the Kubernetes version the chart is rendered and linted
// for (Chart.yaml asks for 1.27 or later).
const KubeVersion = "v1.33.0"

// Values reads a values file (as `helm -f` would; the chart's own
// values.yaml is merged under it when rendering).
func Values(file string) (map[string]any, error) {
	if file == "" {
		return map[string]any{}, nil
	}
	v, err := chartutil.ReadValuesFile(file)
	if err != nil {
		return nil, fmt.Errorf("values %s: %w", file, err)
	}
	return v.AsMap(), nil
}

// Lint is `helm lint` with the given values: the messages of severity
// warning or error, empty when the chart passes.
func Lint(dir string, vals map[string]any) ([]string, error) {
	kv, err := chartutil.ParseKubeVersion(KubeVersion)
	if err != nil {
		return nil, err
	}
	var bad []string
	for _, m := range lint.AllWithKubeVersion(dir, vals, "karton", kv).Messages {
		if m.Severity >= support.WarningSev {
			bad = append(bad, m.Error())
		}
	}
	return bad, nil
}

// Load reads the chart from its folder.
func Load(dir string) (*helmchart.Chart, error) {
	return loader.Load(dir)
}

// Doc is one rendered manifest.
type Doc struct {
	Source string // the template it came from
	YAML   string
}

// Render is `helm template` (an install with DryRun and ClientOnly): the
// manifests and the hooks' manifests, in file order.
func Render(c *helmchart.Chart, vals map[string]any) ([]Doc, error) {
	in := action.NewInstall(&action.Configuration{Log: func(string, ...any) {}})
	in.DryRun, in.ClientOnly, in.Replace = true, true, true
	in.ReleaseName, in.Namespace = "karton", "karton"
	kv, err := chartutil.ParseKubeVersion(KubeVersion)
	if err != nil {
		return nil, err
	}
	in.KubeVersion = kv
	in.APIVersions = chartutil.VersionSet{"monitoring.coreos.com/v1", "monitoring.coreos.com/v1/ServiceMonitor"}
	rel, err := in.Run(c, vals)
	if err != nil {
		return nil, err
	}
	var docs []Doc
	all := rel.Manifest
	for _, h := range rel.Hooks {
		all += "\n---\n" + h.Manifest
	}
	split := releaseutil.SplitManifests(all)
	keys := make([]string, 0, len(split))
	for k := range split {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	for _, k := range keys {
		y := split[k]
		src := k
		if i := strings.Index(y, "# Source: "); i >= 0 {
			src = strings.TrimSpace(strings.SplitN(y[i+len("# Source: "):], "\n", 2)[0])
		}
		if strings.TrimSpace(stripComments(y)) == "" {
			continue
		}
		docs = append(docs, Doc{Source: src, YAML: y})
	}
	return docs, nil
}

func stripComments(y string) string {
	var b strings.Builder
	for _, l := range strings.Split(y, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// Object is a decoded manifest: one of the k8s.io/api types, or a
// ServiceMonitor.
type Object struct {
	Source     string
	APIVersion string
	Kind       string
	Name       string
	Value      any // *appsv1.Deployment, *corev1.Service, ..., *ServiceMonitor
}

// kinds are the apiVersion/kind pairs the chart may render, each with the
// type it must decode into. Anything else fails.
var kinds = map[string]func() any{
	"apps/v1/Deployment":                      func() any { return new(appsv1.Deployment) },
	"v1/Service":                              func() any { return new(corev1.Service) },
	"v1/ConfigMap":                            func() any { return new(corev1.ConfigMap) },
	"v1/Secret":                               func() any { return new(corev1.Secret) },
	"v1/ServiceAccount":                       func() any { return new(corev1.ServiceAccount) },
	"networking.k8s.io/v1/Ingress":            func() any { return new(networkingv1.Ingress) },
	"policy/v1/PodDisruptionBudget":           func() any { return new(policyv1.PodDisruptionBudget) },
	"autoscaling/v2/HorizontalPodAutoscaler":  func() any { return new(autoscalingv2.HorizontalPodAutoscaler) },
	"batch/v1/Job":                            func() any { return new(batchv1.Job) },
	"monitoring.coreos.com/v1/ServiceMonitor": func() any { return new(ServiceMonitor) },
}

// Decode decodes one manifest strictly: YAML to JSON (sigs.k8s.io/yaml,
// refusing duplicate keys), then encoding/json with DisallowUnknownFields
// into the type of its apiVersion and kind. A field the type does not
// have, at any depth, is an error naming it. encoding/json matches names
// regardless of case (runAsNonroot would fill runAsNonRoot, where the API
// server drops it), so the JSON is decoded a second time as the API
// server does, with sigs.k8s.io/json's case-sensitive strict decoding.
func Decode(d Doc) (Object, error) {
	j, err := yaml.YAMLToJSONStrict([]byte(d.YAML))
	if err != nil {
		return Object{}, fmt.Errorf("%s: not YAML: %w", d.Source, err)
	}
	var tm metav1.TypeMeta
	if err := json.Unmarshal(j, &tm); err != nil {
		return Object{}, fmt.Errorf("%s: %w", d.Source, err)
	}
	mk, ok := kinds[tm.APIVersion+"/"+tm.Kind]
	if !ok {
		return Object{}, fmt.Errorf("%s: apiVersion %q kind %q is not a kind this chart may render (chart.kinds)", d.Source, tm.APIVersion, tm.Kind)
	}
	v := mk()
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return Object{}, fmt.Errorf("%s (%s %s): %w", d.Source, tm.APIVersion, tm.Kind, err)
	}
	if dec.More() {
		return Object{}, fmt.Errorf("%s: more than one object in a document", d.Source)
	}
	strict, err := kjson.UnmarshalStrict(j, mk(), kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err == nil && len(strict) > 0 {
		err = errors.Join(strict...)
	}
	if err != nil {
		return Object{}, fmt.Errorf("%s (%s %s): %w", d.Source, tm.APIVersion, tm.Kind, err)
	}
	o := Object{Source: d.Source, APIVersion: tm.APIVersion, Kind: tm.Kind, Value: v}
	if m, ok := v.(interface{ GetName() string }); ok {
		o.Name = m.GetName()
	}
	if o.Name == "" {
		return o, fmt.Errorf("%s: %s has no metadata.name", d.Source, tm.Kind)
	}
	return o, nil
}

// ServiceMonitor mirrors the fields of the Prometheus Operator's
// ServiceMonitor (monitoring.coreos.com/v1) that the chart uses, and no
// others, so that strict decoding catches a misspelling there too. It is
// a subset of the CRD's schema, written here rather than importing
// prometheus-operator's module (and its dependencies) for one type: a
// field the chart starts to use must be added here, from the CRD's
// reference (prometheus-operator.dev, API reference, ServiceMonitorSpec).
type ServiceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ServiceMonitorSpec `json:"spec"`
}

// ServiceMonitorSpec is spec: selector, namespaceSelector, endpoints.
type ServiceMonitorSpec struct {
	Selector          metav1.LabelSelector `json:"selector"`
	NamespaceSelector struct {
		Any        bool     `json:"any,omitempty"`
		MatchNames []string `json:"matchNames,omitempty"`
	} `json:"namespaceSelector"`
	Endpoints []struct {
		Port          string `json:"port,omitempty"`
		Path          string `json:"path,omitempty"`
		Scheme        string `json:"scheme,omitempty"`
		Interval      string `json:"interval,omitempty"`
		ScrapeTimeout string `json:"scrapeTimeout,omitempty"`
	} `json:"endpoints"`
}

// RenderFiles loads the chart from dir and renders it with a values file
// (none: the chart's defaults), decoding every manifest.
func RenderFiles(dir, valuesFile string) ([]Object, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	c, err := Load(dir)
	if err != nil {
		return nil, err
	}
	vals, err := Values(valuesFile)
	if err != nil {
		return nil, err
	}
	return RenderDecode(c, vals)
}

// RenderDecode renders and decodes every manifest; the first document that
// does not decode is the error.
func RenderDecode(c *helmchart.Chart, vals map[string]any) ([]Object, error) {
	docs, err := Render(c, vals)
	if err != nil {
		return nil, err
	}
	var objs []Object
	for _, d := range docs {
		o, err := Decode(d)
		if err != nil {
			return nil, err
		}
		objs = append(objs, o)
	}
	return objs, nil
}
