package server

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/model"
)

// An alert is stored with its title and summary in English, the language
// of e-mail and webhooks; alerts raised since the rules keep their parts
// (alert.Parts, in the details under alert.TextKey) are written again here
// in Persian for the Persian inbox: the same rule, place, figures and
// period, in Persian digits with Solar Hijri dates. An older alert has no
// parts and is shown as stored.

// alertDisplay is what the inbox shows of an alert in the reader's
// language: Lang says which language Title and Summary are in (an old
// alert without parts is shown in English whatever was asked).
type alertDisplay struct {
	Lang    string `json:"lang"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
}

// alertParts reads an alert's parts from its details; false for an alert
// stored without them.
func alertParts(details []byte) (alert.Parts, bool) {
	if len(details) == 0 {
		return alert.Parts{}, false
	}
	var d map[string]json.RawMessage
	if err := json.Unmarshal(details, &d); err != nil || d[alert.TextKey] == nil {
		return alert.Parts{}, false
	}
	var p alert.Parts
	if err := json.Unmarshal(d[alert.TextKey], &p); err != nil || p.Template == "" {
		return alert.Parts{}, false
	}
	return p, true
}

// displayAlert writes an alert in language l.
func displayAlert(l string, it alertItem) alertDisplay {
	en := alertDisplay{Lang: "en", Title: it.Title, Summary: it.Summary}
	if l != "fa" {
		return en
	}
	p, ok := alertParts(it.Details)
	if !ok {
		return en
	}
	title := faAlertTitle(p)
	if title == "" {
		return en
	}
	return alertDisplay{Lang: "fa", Title: title, Summary: faAlertSummary(p, it)}
}

// faAlertTitle is an alert's title in Persian; "" for a template it does
// not know (a newer vigil's), which is then shown as stored.
func faAlertTitle(p alert.Parts) string {
	what := func() string {
		return fmt.Sprintf("%s %s در %s", faAttack(p.AttackType), faDate(p.Date), faPlace(p.Place, p.Admin1, p.Country))
	}
	switch p.Template {
	case "incident":
		s := fmt.Sprintf("%s: %s در %s", faDate(p.Date), faAttack(p.AttackType), faPlace(p.Place, p.Admin1, p.Country))
		if p.Killed != nil {
			s += "؛ " + localRange("fa", p.Killed) + " کشته"
		}
		return s
	case "revised":
		return "ارقام بازبینی شد: " + what()
	case "contested":
		return "ارقام مورد اختلاف شد: " + what()
	case "claim":
		return fmt.Sprintf("%s مسئولیت را پذیرفت: %s", p.Group, what())
	case "surge":
		change := "در دورهٔ پایه هیچ رویدادی نبود"
		if p.Baseline > 0 {
			change = fmt.Sprintf("%s برابر میانگینِ %s", faNum(float64(p.Count)/p.Baseline), faNum(p.Baseline))
		}
		return fmt.Sprintf("افزایش ناگهانی در %s: %s رویداد در %s روزِ منتهی به %s، %s",
			faAdmin1(p.Country, p.Admin1), faInt(p.Count), faInt(p.WindowDays), faDate(p.To), change)
	case "high":
		return fmt.Sprintf("%s: %s کشته در ۳۰ روزِ منتهی به %s، بیشترین در %s سال گذشته (بیشینهٔ پیشین %s)",
			faAdmin1(p.Country, p.Admin1), faInt(p.Count), faDate(p.To), faInt(max(p.Years, 1)), faInt(p.PrevHigh))
	case "forecast":
		return fmt.Sprintf("خطر در %s: احتمال %s٪ حمله %s (%s؛ کشتهٔ مورد انتظار %s)",
			faAdmin1(p.Country, p.Admin1), faDigits(strconv.FormatFloat(math.Round(100*p.Probability), 'f', 0, 64)),
			faPeriod(p.From, p.To), faModel(p.Model), faNum(p.Expected))
	case "followon":
		return fmt.Sprintf("خطر حمله‌های پیاپی در %s پس از حمله‌های %s: شدت %s برابر سطح پایه، بالاتر از %s برابر تا %s",
			faAdmin1(p.Country, p.Admin1), faDate(p.Date), faNum(p.Ratio), faNum(p.Multiple), localTime("fa", p.Until))
	}
	return ""
}

// faAlertSummary is an alert's summary in Persian: for an alert about one
// incident, what changed and the incident's line; for a region's alert,
// a line per incident of its evidence as the store holds it now.
func faAlertSummary(p alert.Parts, it alertItem) string {
	var lines []string
	switch p.Template {
	case "incident", "revised", "contested", "claim":
		if p.KilledChanged {
			lines = append(lines, fmt.Sprintf("کشته: %s ← %s", faFigure(p.PrevKilled), faFigure(p.Killed)))
		}
		if p.WoundedChanged {
			lines = append(lines, fmt.Sprintf("زخمی: %s ← %s", faFigure(p.PrevWounded), faFigure(p.Wounded)))
		}
		if len(p.Contested) > 0 {
			lines = append(lines, "اکنون مورد اختلاف: "+faFields(p.Contested))
		}
		if len(p.Uncontested) > 0 {
			lines = append(lines, "دیگر مورد اختلاف نیست: "+faFields(p.Uncontested))
		}
		lines = append(lines, faIncidentLine(p))
	default:
		for _, inc := range it.Evidence.Incidents {
			if inc.Missing {
				continue
			}
			line := faDate(inc.Start) + " — " + faPlace(inc.Place, inc.Admin1, inc.Country)
			if inc.Killed != nil {
				line += " — " + localRange("fa", inc.Killed) + " کشته"
			}
			lines = append(lines, line)
		}
		if n := len(it.Incidents) - len(lines); n > 0 && len(lines) > 0 {
			lines = append(lines, fmt.Sprintf("و %s رویداد دیگر", faInt(n)))
		}
	}
	return strings.Join(lines, "\n")
}

// faIncidentLine is alert's incidentLine in Persian.
func faIncidentLine(p alert.Parts) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s در %s", faDate(p.Date), faAttack(p.AttackType), faPlace(p.Place, p.Admin1, p.Country))
	if p.Perpetrator != "" {
		fmt.Fprintf(&b, " به دست %s", p.Perpetrator)
	}
	if p.Killed != nil {
		fmt.Fprintf(&b, "؛ کشته %s", localRange("fa", p.Killed))
	}
	if p.Wounded != nil {
		fmt.Fprintf(&b, "؛ زخمی %s", localRange("fa", p.Wounded))
	}
	if p.Status != "" || p.Sources > 0 {
		fmt.Fprintf(&b, " (%s، %s منبع)", translate("fa", "status_"+string(p.Status)), faInt(p.Sources))
	}
	return b.String()
}

func faFigure(r *model.Range) string {
	if r == nil {
		return "نامعلوم"
	}
	return localRange("fa", r)
}

func faFields(fields []string) string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = translate("fa", f)
	}
	return strings.Join(out, "، ")
}

func faAttack(a model.AttackType) string {
	if a == "" || a == "unknown" {
		return "حمله"
	}
	return translate("fa", string(a))
}

// faPlace names an incident's place in Persian where the gazetteer can:
// the province in Persian, after the place's own name when that is not
// the province.
func faPlace(place, admin1, country string) string {
	prov := faAdmin1(country, admin1)
	switch {
	case place == "" && admin1 == "":
		if country == "" {
			return "جایی نامعلوم"
		}
		return country
	case place == "" || strings.EqualFold(place, admin1):
		return prov
	case admin1 == "":
		return place + faCountrySuffix(country)
	}
	return place + "، " + prov
}

// faAdmin1 names a province in Persian (the gazetteer's Natural Earth
// name), with its country's code outside Iran; as it is spelled when the
// gazetteer has no Persian name for it.
func faAdmin1(country, admin1 string) string {
	if admin1 == "" {
		return country
	}
	if fa := faProvinces()[strings.ToUpper(country)+"/"+strings.ToLower(admin1)]; fa != "" {
		return fa + faCountrySuffix(country)
	}
	return admin1 + faCountrySuffix(country)
}

// faProvinces indexes the embedded gazetteer's Persian province names by
// "CC/name" (name lower-cased), built once: an inbox of a hundred alerts
// looks up a province in each.
var faProvinces = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	g, err := gazetteer.Default()
	if err != nil {
		return m
	}
	for _, reg := range g.Regions() {
		if reg.NameFa != "" {
			m[strings.ToUpper(reg.Country)+"/"+strings.ToLower(reg.Name)] = reg.NameFa
		}
	}
	return m
})

func faCountrySuffix(country string) string {
	if country == "" || strings.EqualFold(country, "IR") {
		return ""
	}
	return " (" + strings.ToUpper(country) + ")"
}
