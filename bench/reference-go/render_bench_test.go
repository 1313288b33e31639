// Side-by-side measurement harness (not part of modelbooster): drives the
// reference volcano-sh/kthena convert package the way its controller does.
package mbbench

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"

	networking "github.com/volcano-sh/kthena/pkg/apis/networking/v1alpha1"
	workload "github.com/volcano-sh/kthena/pkg/apis/workload/v1alpha1"
	"github.com/volcano-sh/kthena/pkg/model-booster-controller/convert"
	"sigs.k8s.io/yaml"
)

// inputs: one compact JSON document per ModelBooster (converted once, outside timing).
var inputs [][]byte

func init() {
	raw, err := os.ReadFile("three-backends-adapted.yaml")
	if err != nil {
		panic(err)
	}
	for _, doc := range bytes.Split(raw, []byte("\n---\n")) {
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			panic(err)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, j); err != nil {
			panic(err)
		}
		inputs = append(inputs, buf.Bytes())
	}
}

type children struct {
	servings []*workload.ModelServing
	servers  []*networking.ModelServer
	routes   []*networking.ModelRoute
	asps     []*workload.AutoscalingPolicy
}

// convertOne builds every child the reference controller creates for one ModelBooster.
func convertOne(m *workload.ModelBooster, c *children) {
	ms, err := convert.BuildModelServing(m)
	if err != nil {
		panic(err)
	}
	c.servings = append(c.servings, ms)
	srv, err := convert.BuildModelServer(m)
	if err != nil {
		panic(err)
	}
	c.servers = append(c.servers, srv...)
	c.routes = append(c.routes, convert.BuildModelRoute(m))
	if m.Spec.AutoscalingPolicy != nil {
		c.asps = append(c.asps, convert.BuildAutoscalingPolicy(m.Spec.AutoscalingPolicy, m))
	}
}

// writeAll appends every child's JSON to out, each followed by sep (nil in
// the benchmarks; a newline for the inspection dump), and counts them.
func writeAll(c *children, out []byte, sep []byte) ([]byte, int) {
	n := 0
	put := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		out = append(out, b...)
		out = append(out, sep...)
		n++
	}
	for _, o := range c.servings {
		put(o)
	}
	for _, o := range c.servers {
		put(o)
	}
	for _, o := range c.routes {
		put(o)
	}
	for _, o := range c.asps {
		put(o)
	}
	return out, n
}

func parseAll() []*workload.ModelBooster {
	var ms []*workload.ModelBooster
	for _, in := range inputs {
		m := &workload.ModelBooster{}
		if err := json.Unmarshal(in, m); err != nil {
			panic(err)
		}
		ms = append(ms, m)
	}
	return ms
}

var sink []byte

// Input JSON bytes -> typed ModelBooster -> children -> compact JSON bytes (all 3 boosters per op).
func BenchmarkRenderJSONToJSON(b *testing.B) {
	b.ReportAllocs()
	outBytes, objs := 0, 0
	for i := 0; i < b.N; i++ {
		var c children
		for _, in := range inputs {
			m := &workload.ModelBooster{}
			if err := json.Unmarshal(in, m); err != nil {
				b.Fatal(err)
			}
			convertOne(m, &c)
		}
		out := make([]byte, 0, 64*1024)
		out, objs = writeAll(&c, out, nil)
		outBytes = len(out)
		sink = out
	}
	b.ReportMetric(float64(outBytes), "out_bytes")
	b.ReportMetric(float64(objs), "objects")
}

// Same, excluding parsing (boosters parsed once outside the loop).
func BenchmarkConvertAndWriteJSON(b *testing.B) {
	b.ReportAllocs()
	ms := parseAll()
	for i := 0; i < b.N; i++ {
		var c children
		for _, m := range ms {
			convertOne(m, &c)
		}
		out := make([]byte, 0, 64*1024)
		out, _ = writeAll(&c, out, nil)
		sink = out
	}
}

// Conversion only (typed children, no JSON output).
func BenchmarkConvertOnly(b *testing.B) {
	b.ReportAllocs()
	ms := parseAll()
	for i := 0; i < b.N; i++ {
		var c children
		for _, m := range ms {
			convertOne(m, &c)
		}
		if len(c.servings) != 3 {
			b.Fatal("unexpected")
		}
	}
}

// Only BuildModelServing (template load + placeholder replacement + re-decode), 3 boosters.
func BenchmarkBuildModelServingOnly(b *testing.B) {
	b.ReportAllocs()
	ms := parseAll()
	for i := 0; i < b.N; i++ {
		for _, m := range ms {
			if _, err := convert.BuildModelServing(m); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// Parsing only: 3 JSON documents -> typed ModelBooster.
func BenchmarkParseJSON(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, in := range inputs {
			m := &workload.ModelBooster{}
			if err := json.Unmarshal(in, m); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// Writes the output once so it can be inspected, and reports counts.
func TestDumpOutput(t *testing.T) {
	var c children
	for _, m := range parseAll() {
		convertOne(m, &c)
	}
	out, n := writeAll(&c, nil, nil)
	inTotal := 0
	for _, in := range inputs {
		inTotal += len(in)
	}
	t.Logf("input docs=%d input_bytes=%d objects=%d servings=%d servers=%d routes=%d asps=%d out_bytes=%d",
		len(inputs), inTotal, n, len(c.servings), len(c.servers), len(c.routes), len(c.asps), len(out))
	per, _ := writeAll(&c, nil, []byte("\n"))
	if err := os.WriteFile("out.jsonl", per, 0o644); err != nil {
		t.Fatal(err)
	}
}
