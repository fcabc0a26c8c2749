package gazetteer

import "github.com/vigil-project/vigil/internal/model"

// FillAdmin1 gives a claim that has coordinates but no admin-1 region (GTD
// rows with coordinates only, GDELT points) the region its point falls in,
// and its country when it has none, so that every incident with
// coordinates can be counted by region. A point that falls in another
// country than the claim names (a border town, a point at sea) is left
// alone: the source's country wins over a simplified boundary. It reports
// whether it filled anything.
func (g *Gazetteer) FillAdmin1(c *model.Claim) bool {
	if c == nil || c.Admin1 != "" || c.Lat == nil || c.Lon == nil {
		return false
	}
	r, ok := g.Admin1At(*c.Lat, *c.Lon)
	if !ok || c.Country != "" && c.Country != r.Country {
		return false
	}
	c.Admin1 = r.Name
	if c.Country == "" {
		c.Country = r.Country
	}
	return true
}
