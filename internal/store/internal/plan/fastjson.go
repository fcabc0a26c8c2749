package plan

import (
	"math"
	"strconv"
	"time"

	"github.com/vigil-project/vigil/internal/jsonesc"
	"github.com/vigil-project/vigil/internal/model"
)

// Encoding the documents of an import batch (each claim, each incident
// version) through encoding/json's reflection was about a tenth of an
// import's CPU. appendIncident and appendClaim write the same bytes as
// json.Marshal, field by field, for the values an import makes; for any
// other value (a fused incident's rules and timelines, a float that is
// not finite, a year outside 0–9999, text that is not valid UTF-8) they
// report false and the caller uses json.Marshal. FuzzDocs holds them to
// json.Marshal's bytes, and TestDocFields fails when model.Incident or
// model.Claim gains a field that they do not write.

// appendIncident appends inc as json.Marshal writes it, or reports false.
func appendIncident(b []byte, inc *model.Incident) ([]byte, bool) {
	if inc.AttackersKilled != nil || len(inc.Rules) > 0 || len(inc.Timeline) > 0 || inc.Group != "" ||
		len(inc.GroupReasons) > 0 || inc.MergedInto != "" {
		return b, false
	}
	ok := true
	b = append(b, `{"id":`...)
	b, ok = appendString(b, inc.ID, ok)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(inc.Version), 10)
	b = append(b, `,"status":`...)
	b, ok = appendString(b, string(inc.Status), ok)
	b, ok = appendDates(b, inc.Start, inc.End, string(inc.DatePrecision), ok)
	b, ok = appendOptString(b, `,"country":`, inc.Country, ok)
	b, ok = appendOptString(b, `,"admin1":`, inc.Admin1, ok)
	b, ok = appendOptString(b, `,"place":`, inc.Place, ok)
	b, ok = appendPoint(b, inc.Lat, inc.Lon, ok)
	b = append(b, `,"place_precision":`...)
	b, ok = appendString(b, string(inc.PlacePrecision), ok)
	b = append(b, `,"attack_type":`...)
	b, ok = appendString(b, string(inc.AttackType), ok)
	b, ok = appendOptString(b, `,"target_type":`, string(inc.TargetType), ok)
	b, ok = appendOptString(b, `,"weapon":`, string(inc.Weapon), ok)
	b, ok = appendOptString(b, `,"perpetrator":`, inc.Perpetrator, ok)
	b = append(b, `,"claimed_by":`...)
	b, ok = appendStrings(b, inc.ClaimedBy, ok)
	if inc.Suicide != nil {
		b = append(b, `,"suicide":`...)
		b = strconv.AppendBool(b, *inc.Suicide)
	}
	if inc.Sites != 0 {
		b = append(b, `,"sites":`...)
		b = strconv.AppendInt(b, int64(inc.Sites), 10)
	}
	b = append(b, `,"killed":`...)
	b, ok = appendRange(b, inc.Killed, ok)
	b = append(b, `,"wounded":`...)
	b, ok = appendRange(b, inc.Wounded, ok)
	b = append(b, `,"contested":`...)
	b, ok = appendStrings(b, inc.Contested, ok)
	b = append(b, `,"sources":`...)
	b = strconv.AppendInt(b, int64(inc.Sources), 10)
	b = append(b, `,"first_seen":`...)
	b, ok = appendTime(b, inc.FirstSeen, ok)
	b = append(b, `,"updated":`...)
	b, ok = appendTime(b, inc.Updated, ok)
	if len(inc.Claims) > 0 {
		b = append(b, `,"claims":`...)
		b, ok = appendStrings(b, inc.Claims, ok)
	}
	return append(b, '}'), ok
}

// appendClaim appends c as json.Marshal writes it, except that the codes
// come last (see claimEncoder), or reports false. Codes are left to the
// caller.
func appendClaim(b []byte, c *model.Claim) ([]byte, bool) {
	ok := true
	b = append(b, `{"id":`...)
	b, ok = appendString(b, c.ID, ok)
	b = append(b, `,"report_id":`...)
	b, ok = appendString(b, c.ReportID, ok)
	b = append(b, `,"source":`...)
	b, ok = appendString(b, c.Source, ok)
	b, ok = appendDates(b, c.Start, c.End, string(c.DatePrecision), ok)
	b, ok = appendOptString(b, `,"country":`, c.Country, ok)
	b, ok = appendOptString(b, `,"admin1":`, c.Admin1, ok)
	b, ok = appendOptString(b, `,"admin2":`, c.Admin2, ok)
	b, ok = appendOptString(b, `,"place":`, c.Place, ok)
	b, ok = appendPoint(b, c.Lat, c.Lon, ok)
	b = append(b, `,"place_precision":`...)
	b, ok = appendString(b, string(c.PlacePrecision), ok)
	b = append(b, `,"attack_type":`...)
	b, ok = appendString(b, string(c.AttackType), ok)
	b, ok = appendOptString(b, `,"target_type":`, string(c.TargetType), ok)
	b, ok = appendOptString(b, `,"weapon":`, string(c.Weapon), ok)
	b, ok = appendOptString(b, `,"perpetrator":`, c.Perpetrator, ok)
	if len(c.ClaimedBy) > 0 {
		b = append(b, `,"claimed_by":`...)
		b, ok = appendStrings(b, c.ClaimedBy, ok)
	}
	if c.Killed != nil {
		b = append(b, `,"killed":`...)
		b, ok = appendRange(b, c.Killed, ok)
	}
	if c.Wounded != nil {
		b = append(b, `,"wounded":`...)
		b, ok = appendRange(b, c.Wounded, ok)
	}
	if c.Suicide != nil {
		b = append(b, `,"suicide":`...)
		b = strconv.AppendBool(b, *c.Suicide)
	}
	if c.Sites != 0 {
		b = append(b, `,"sites":`...)
		b = strconv.AppendInt(b, int64(c.Sites), 10)
	}
	if len(c.Related) > 0 {
		b = append(b, `,"related":`...)
		b, ok = appendStrings(b, c.Related, ok)
	}
	b, ok = appendOptString(b, `,"text":`, c.Text, ok)
	if len(c.Flags) > 0 {
		b = append(b, `,"flags":`...)
		b, ok = appendStrings(b, c.Flags, ok)
	}
	return append(b, '}'), ok
}

// appendDates appends the start, end and date_precision fields.
func appendDates(b []byte, start, end model.Date, prec string, ok bool) ([]byte, bool) {
	b = append(b, `,"start":`...)
	b, ok = appendDate(b, start, ok)
	b = append(b, `,"end":`...)
	b, ok = appendDate(b, end, ok)
	b = append(b, `,"date_precision":`...)
	return appendString(b, prec, ok)
}

// appendPoint appends the lat and lon fields, each when set.
func appendPoint(b []byte, lat, lon *float64, ok bool) ([]byte, bool) {
	if lat != nil {
		b = append(b, `,"lat":`...)
		b, ok = appendFloat(b, *lat, ok)
	}
	if lon != nil {
		b = append(b, `,"lon":`...)
		b, ok = appendFloat(b, *lon, ok)
	}
	return b, ok
}

// appendOptString appends a field with omitempty: nothing when s is "".
func appendOptString(b []byte, key, s string, ok bool) ([]byte, bool) {
	if s == "" {
		return b, ok
	}
	b = append(b, key...)
	return appendString(b, s, ok)
}

// appendStrings appends a list of strings; nil is null.
func appendStrings(b []byte, list []string, ok bool) ([]byte, bool) {
	if list == nil {
		return append(b, "null"...), ok
	}
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b, ok = appendString(b, s, ok)
	}
	return append(b, ']'), ok
}

// appendRange appends a range; nil is null.
func appendRange(b []byte, r *model.Range, ok bool) ([]byte, bool) {
	if r == nil {
		return append(b, "null"...), ok
	}
	b = append(b, `{"low":`...)
	b = strconv.AppendInt(b, int64(r.Low), 10)
	b = append(b, `,"best":`...)
	b = strconv.AppendInt(b, int64(r.Best), 10)
	b = append(b, `,"high":`...)
	b = strconv.AppendInt(b, int64(r.High), 10)
	b, ok = appendOptString(b, `,"qualifier":`, string(r.Qualifier), ok)
	return append(b, '}'), ok
}

// appendDate appends a date as its MarshalText gives it: "" when unknown.
func appendDate(b []byte, d model.Date, ok bool) ([]byte, bool) {
	if d.IsZero() {
		return append(b, `""`...), ok
	}
	if d.Year < 0 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 0 || d.Day > 99 {
		return b, false
	}
	y, m := d.Year, int(d.Month)
	return append(b, '"', byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10),
		'-', byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d.Day/10), byte('0'+d.Day%10), '"'), ok
}

// appendTime appends t as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds), for years 0–9999 in UTC, as stores keep times.
func appendTime(b []byte, t time.Time, ok bool) ([]byte, bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, false
	}
	if _, off := t.Zone(); off != 0 {
		return b, false
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), ok
}

// appendFloat appends f as encoding/json writes a float64.
func appendFloat(b []byte, f float64, ok bool) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, ok
}

// appendString appends s as encoding/json writes a string (HTML
// characters and U+2028/U+2029 escaped), or reports false when s is not
// valid UTF-8.
func appendString(b []byte, s string, ok bool) ([]byte, bool) {
	b, valid := jsonesc.Append(b, s, jsonesc.HTML)
	return b, ok && valid
}
