package extract

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigil-project/vigil/internal/model"
)

func TestIncidentClaim(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct {
		name, text, pub        string
		start, end             string
		prec                   model.DatePrecision
		place, admin1, country string
		placePrec              model.PlacePrecision
		killed, wounded        string
		target                 model.TargetType
		claimed                string
	}{
		{"Persian report", "در پی دو انفجار تروریستی در گلزار شهدای کرمان در روز چهارشنبه ۱۳ دی ۱۴۰۲، دست‌کم ۸۴ نفر به شهادت رسیدند و ۲۸۴ نفر زخمی شدند.", "",
			"2024-01-03", "2024-01-03", model.PrecisionDay, "Kerman", "Kerman", "IR", model.PlaceCity, "≥84", "284", "religious_figures_institutions", ""},
		{"Solar Hijri year", "مرزبانانی که در سال ۱۴۰۱ در حمله تروریستی در سراوان به شهادت رسیدند.", "",
			"2022-03-21", "2023-03-20", model.PrecisionYear, "Sarāvān", "Sistan and Baluchestan", "IR", model.PlaceCity, "", "", "military", ""},
		{"Gregorian month", "In August 2016 gunmen attacked a police station in Kermanshah, killing 3 policemen; Jaish al-Adl claimed responsibility.", "",
			"2016-08-01", "2016-08-31", model.PrecisionMonth, "Kermanshah", "Kermanshah", "IR", model.PlaceCity, "3", "", "police", "Jaish al-Adl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			c, err := res.Incidents[0].Claim()
			if err != nil {
				t.Fatalf("Claim: %v", err)
			}
			if c.Start.String() != tc.start || c.End.String() != tc.end || c.DatePrecision != tc.prec {
				t.Errorf("date %s–%s %s, want %s–%s %s", c.Start, c.End, c.DatePrecision, tc.start, tc.end, tc.prec)
			}
			if c.Place != tc.place || c.Admin1 != tc.admin1 || c.Country != tc.country || c.PlacePrecision != tc.placePrec {
				t.Errorf("place %q/%q/%q %s, want %q/%q/%q %s", c.Place, c.Admin1, c.Country, c.PlacePrecision, tc.place, tc.admin1, tc.country, tc.placePrec)
			}
			if c.Lat == nil || c.Lon == nil {
				t.Errorf("no coordinates for %s", c.Place)
			}
			if got := c.Killed.String(); got != tc.killed {
				t.Errorf("killed %q, want %q", got, tc.killed)
			}
			if got := c.Wounded.String(); got != tc.wounded {
				t.Errorf("wounded %q, want %q", got, tc.wounded)
			}
			if c.TargetType != tc.target {
				t.Errorf("target %q, want %q", c.TargetType, tc.target)
			}
			if got := strings.Join(c.ClaimedBy, ","); got != tc.claimed {
				t.Errorf("claimed_by %q, want %q", got, tc.claimed)
			}
			if c.Text == "" || !strings.Contains(tc.text, c.Text) {
				t.Errorf("claim text %q is not a sentence of the input", c.Text)
			}
		})
	}
	res := Extract("Gunmen attacked a checkpoint in Zahedan, killing two soldiers.", Options{Gazetteer: g})
	if _, err := res.Incidents[0].Claim(); err == nil {
		t.Error("Claim of an undated incident: no error, want one")
	}
}

func TestClaimExtractor(t *testing.T) {
	x := ClaimExtractor{Gazetteer: gaz(t)}
	pub := time.Date(2024, 1, 4, 9, 0, 0, 0, time.UTC)
	cs, err := x.Extract(context.Background(), "Two bombs exploded yesterday in Kerman, killing 84 people. In August 2016 gunmen attacked a police post in Kermanshah.", "", pub)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 2 {
		t.Fatalf("%d claims, want 2 (main and the dated secondary)", len(cs))
	}
	if cs[0].Start.String() != "2024-01-03" || cs[0].Place != "Kerman" || cs[0].Codes["is_incident_report"] != "true" || cs[0].Codes["main"] != "true" {
		t.Errorf("main claim %s %s %v, want 2024-01-03 Kerman, a report, main", cs[0].Start, cs[0].Place, cs[0].Codes)
	}
	if cs[1].Start.String() != "2016-08-01" || cs[1].Place != "Kermanshah" || cs[1].Codes["main"] != "false" {
		t.Errorf("secondary claim %s %s %v, want 2016-08 Kermanshah, not main", cs[1].Start, cs[1].Place, cs[1].Codes)
	}
	if cs, _ := x.Extract(context.Background(), "Gunmen attacked a checkpoint in Zahedan, killing two soldiers.", "en", time.Time{}); len(cs) != 0 {
		t.Errorf("undated incident without a publication date: %d claims, want none", len(cs))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := x.Extract(ctx, "text", "", pub); err == nil {
		t.Error("cancelled context: no error, want one")
	}
}

func TestClaimExtractorPerSite(t *testing.T) {
	text := "The parliament and the mausoleum of Imam Khomeini in Tehran have been targeted in simultaneous attacks on Wednesday. " +
		"Two people have been killed at the parliament attack and over 30 others injured. " +
		"The attack on the Imam Khomeini shrine left one person killed and two others wounded."
	pub := time.Date(2017, 6, 7, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		perSite bool
		want    []string // killed/wounded/site of each claim
	}{
		{false, []string{"3/≥32/"}},
		{true, []string{"3/≥32/", "2/≥30/government_building", "1/2/religious_site"}},
	} {
		cs, err := ClaimExtractor{Gazetteer: gaz(t), PerSite: tc.perSite}.Extract(context.Background(), text, "en", pub)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range cs {
			got = append(got, c.Killed.String()+"/"+c.Wounded.String()+"/"+c.Codes["site"])
			if c.Start.String() != "2017-06-07" || c.Sites != 2 {
				t.Errorf("per-site %v: claim %s sites %d, want 2017-06-07 and 2 sites", tc.perSite, c.Start, c.Sites)
			}
			if c.Codes["site"] != "" && (c.Codes["part_of"] != "sites" || !strings.Contains(text, c.Text) || c.Text == "") {
				t.Errorf("site claim codes %v text %q: want part_of sites and its sentence", c.Codes, c.Text)
			}
		}
		if strings.Join(got, " ") != strings.Join(tc.want, " ") {
			t.Errorf("per-site %v: claims %v, want %v", tc.perSite, got, tc.want)
		}
	}
}
