package httpapi

import (
	"net/http"

	"certa.example/certa/templates"
)

// typeInfo describes a certificate type for API users.
type typeInfo struct {
	Name      string `json:"name"`
	Code      int    `json:"anpr_code"`
	Title     string `json:"title"`
	Certifies string `json:"certifies"`
	// ValidMonths is 0 for unlimited validity.
	ValidMonths int `json:"valid_months"`
	// Channels: "online" and "counter", or "counter" only.
	Channels []string `json:"channels"`
}

// types answers GET /api/v1/types: every certificate type, in ANPR order.
func (s *Server) types(w http.ResponseWriter, r *http.Request) {
	var out []typeInfo
	for _, t := range templates.Types() {
		ch := []string{"online", "counter"}
		if t.Counter {
			ch = []string{"counter"}
		}
		out = append(out, typeInfo{Name: t.Name, Code: t.Code, Title: t.Title, Certifies: t.Certifies,
			ValidMonths: t.ValidMonths, Channels: ch})
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	writeJSON(w, http.StatusOK, map[string]any{"types": out})
}
