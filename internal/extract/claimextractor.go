package extract

import (
	"context"
	"strconv"
	"time"

	"github.com/vigil-project/vigil/internal/gazetteer"
	"github.com/vigil-project/vigil/internal/model"
)

// ClaimExtractor turns an article into the claims its incidents make, in
// the shape a feed poller takes (internal/source/feed/poll.Extractor).
// Incidents the text gives no date for make no claim: fusion places claims
// in time. A text that is no incident report still makes claims (a funeral
// report confirms a toll); Codes["is_incident_report"] says which, so that
// fusion can let only reports create incidents.
type ClaimExtractor struct {
	// Gazetteer resolves places; nil uses gazetteer.Default().
	Gazetteer *gazetteer.Gazetteer
	// PerSite also makes a claim per site of a coordinated attack that
	// the text tells site by site (Codes["part_of"] = "sites", the site's
	// target in Codes["site"]), besides the claim for the total. Off by
	// default: fusion does not yet keep a site's figure apart from the
	// total of the same report.
	PerSite bool
}

// Extract reads the text ("en", "fa" or "" for auto) published at the
// given time (zero when unknown). Its only error is a cancelled context.
func (x ClaimExtractor) Extract(ctx context.Context, text, lang string, published time.Time) ([]model.Claim, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	opt := Options{Lang: lang, Gazetteer: x.Gazetteer}
	if !published.IsZero() {
		opt.Published = model.DateOf(published)
	}
	res := Extract(text, opt)
	var out []model.Claim
	for _, inc := range res.Incidents {
		c, err := inc.Claim()
		if err != nil {
			continue // undated: nothing fusion can place
		}
		c.Codes["is_incident_report"] = strconv.FormatBool(res.IsIncidentReport)
		c.Codes["main"] = strconv.FormatBool(inc.Main)
		c.Codes["lang"] = res.Lang
		out = append(out, c)
		if x.PerSite && len(inc.SiteFigures) >= 2 {
			out = append(out, inc.siteClaims(c)...)
		}
	}
	return out, nil
}
