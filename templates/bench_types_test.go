package templates

import (
	"testing"
)

// BenchmarkRenderTypes renders each type of the catalogue on its golden
// fixture, in parallel, reporting docs/s and bytes per document: no type
// should be more than twice as slow as residenza (issue 5), which
// benchmarks/README.md records.
func BenchmarkRenderTypes(b *testing.B) {
	r := newRenderer(b)
	for _, ty := range Types() {
		d := fixtureDocument(&testing.T{}, ty.Name)
		b.Run(ty.Name, func(b *testing.B) {
			var size int
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					res, err := r.Render(d)
					if err != nil {
						b.Error(err)
						return
					}
					size = len(res.PDF)
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
			b.ReportMetric(float64(size), "bytes/doc")
		})
	}
}
