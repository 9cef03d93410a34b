package report

import "fmt"

// The words people read in exports, in Bahasa Indonesia. The JSON API keeps
// the stable codes; a spreadsheet shows these.

var statusLabels = map[string]string{
	"compliant":     "Patuh",
	"partial":       "Patuh sebagian",
	"non_compliant": "Tidak patuh",
	"not_reported":  "Tidak melapor",
	"exempt":        "Dikecualikan",
}

var reportLabels = map[string]string{
	"on_time": "Tepat waktu",
	"late":    "Terlambat",
	"missing": "Tidak ada",
}

var categoryLabels = map[string]string{
	"industrial_estate": "Kawasan industri",
	"factory":           "Pabrik",
	"hotel":             "Hotel",
	"restaurant":        "Restoran",
	"modern_retail":     "Ritel modern",
	"other":             "Lainnya",
}

var stageLabels = map[string]string{
	"queued":      "Menunggu keputusan",
	"warned":      "Teguran, menunggu tanggapan",
	"responded":   "Tanggapan menunggu keputusan",
	"lapsed":      "Batas tanggapan terlewati",
	"rejected":    "Tanggapan ditolak",
	"recommended": "Rekomendasi sanksi diterbitkan",
	"closed":      "Ditutup",
}

var outcomeLabels = map[string]string{
	"dismissed":         "dihentikan",
	"response_accepted": "tanggapan diterima",
	"cured":             "kekurangan dipenuhi",
	"recommended":       "direkomendasikan",
}

func decisionLabel(decision string, rung int) string {
	switch decision {
	case "dismiss":
		return "Kasus dihentikan"
	case "warn":
		return fmt.Sprintf("Teguran tertulis SP%d", rung)
	case "recommend":
		return "Rekomendasi sanksi"
	case "accept_response":
		return "Tanggapan diterima"
	case "reject_response":
		return "Tanggapan ditolak"
	case "close_cured":
		return "Ditutup: kekurangan dipenuhi"
	}
	return decision
}

// label looks code up in m, falling back to the code itself.
func label(m map[string]string, code string) string {
	if l, ok := m[code]; ok {
		return l
	}
	return code
}
