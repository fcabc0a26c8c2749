// Package csvmap reads any CSV incident list through a small TOML mapping
// file that says which column holds which claim field and how its values
// translate onto vigil's taxonomy:
//
//	vigil import csv --map mymap.toml my-incidents.csv
//
// (The package is not called csv, which would shadow encoding/csv.)
//
// Each data row becomes one model.Record: a report whose Raw is the row
// re-encoded as one CSV line and whose Origin is file:line (the physical
// line where the row starts), and one claim. A row that cannot be used is
// a *source.RowError naming the CSV column and the field it is mapped to;
// reading goes on. A mapping that names a column the header lacks fails
// at open with a *HeaderError (which unwraps to a *source.KindError)
// listing the header's columns.
//
// # The mapping file
//
// A mapping is TOML, decoded strictly: a key the format does not define is
// an error naming the key, so a typo never silently leaves a column
// unmapped. Every error names the mapping file and the key.
//
//	source = "demo"              # required: short key; records are stored under "csv:demo"
//	title = "vigil demo: ..."    # optional: the source's name for people
//	reliability = 0.8            # optional: prior in [0,1] that fusion weighs claims by; default 0.5
//	delimiter = ","              # optional: one character; "\t" for TSV; default ","
//	encoding = "utf-8"           # optional: "utf-8" (default) or "windows-1252"
//	list_separator = ";"         # optional: splits claimed_by and related cells; default ";"
//	lazy_quotes = false          # optional: accept quotes inside unquoted fields (TSV exports)
//	id = "id"                    # required: the column holding each row's stable id
//	revision = ""                # optional: column holding a revision number (an edited row)
//
//	[columns]                    # field = "column name"; leave a field out to leave it unmapped
//	date = "date"                # required (or start = ...): the first day of the event
//	end = "end_date"             # optional: the last day
//	date_precision = "precision" # optional: day, week, month or year
//	country = "country"          # ISO 3166-1 alpha-2 code or English name ("IR", "Iran")
//	admin1 = "province"
//	admin2 = "county"
//	place = "city"
//	lat = "lat"                  # decimal degrees, -90..90; lat and lon go together
//	lon = "lon"                  # decimal degrees, -180..180
//	place_precision = "place_precision" # exact, city, admin2, admin1, country or unknown
//	attack_type = "attack_type"  # one of the nine GTD attack types (see below)
//	target_type = "target_type"  # one of the 22 GTD target types
//	weapon = "weapon"            # one of the 13 GTD weapon types
//	perpetrator = "perpetrator"  # free text: who the source says did it
//	claimed_by = "claimed_by"    # list: who claimed it, split on list_separator
//	suicide = "suicide"          # true/false, yes/no, y/n, t/f, 1/0
//	sites = "sites"              # number of coordinated sites
//	killed = "killed"            # best figure
//	killed_low = "killed_low"    # optional, needs killed
//	killed_high = "killed_high"  # optional, needs killed
//	killed_qualifier = "killed_q" # optional: exact, at_least, about, up_to
//	wounded = "wounded"          # and wounded_low, wounded_high, wounded_qualifier, as killed
//	text = "summary"             # the text that states the facts
//	related = "related"          # list of ids of rows of the same coordinated attack
//	published = "published"      # when the source published the row
//
//	[columns.codes]              # extra columns kept verbatim in Claim.Codes: code name = column
//	source_url = "source_url"
//
//	[dates]
//	formats = ["2006-01-02", "02/01/2006"]  # Go layouts tried in order; default ["2006-01-02"]
//
//	[values.attack_type]         # value maps: source value = vigil value
//	"Suicide bombing" = "bombing"
//	[values.country]
//	"Islamic Republic of Iran" = "IR"
//
// # Fields
//
// Cells are trimmed of surrounding spaces. Header names are matched
// exactly, else case-insensitively when only one column matches; a
// mapped column that appears twice in the header is an error at open.
// Columns the mapping does not name are ignored (but kept in Raw).
//
// id is required in every row and must be unique within the file (with
// the revision, when a revision column is mapped). The report's id is
// "csv:SOURCE:ID", or "csv:SOURCE:ID@REVISION" for a revision above 0.
//
// Enumerated values (attack_type, target_type, weapon, the precisions and
// qualifiers) are compared ignoring case, with spaces and hyphens read as
// underscores: "Armed Assault" is armed_assault. The values are:
//
//   - attack_type: assassination, armed_assault, bombing, hijacking,
//     barricade_hostage, kidnapping, facility_attack, unarmed_assault,
//     unknown. An empty or unmapped attack type is unknown.
//   - target_type: business, government_general, police, military,
//     abortion_related, airports_aircraft, government_diplomatic,
//     educational_institution, food_water_supply, journalists_media,
//     maritime, ngo, other, private_citizens_property,
//     religious_figures_institutions, telecommunication,
//     terrorists_non_state_militia, tourists, transportation, unknown,
//     utilities, violent_political_party.
//   - weapon: biological, chemical, radiological, nuclear, firearms,
//     explosives, fake_weapons, incendiary, melee, vehicle,
//     sabotage_equipment, other, unknown.
//   - place_precision: exact, city, admin2, admin1, country, unknown.
//     Without a place_precision column (or with an empty cell) it is that
//     of the finest name given: place → city, admin2, admin1, country,
//     else unknown. It is never inferred as exact: coordinates alone do
//     not say how exact they are.
//
// country accepts an ISO 3166-1 alpha-2 code or an English name or alias
// from vigil's country table ("Iran", "Iran (Islamic Republic of)"), and is
// stored as the alpha-2 code.
//
// Figures: killed is the best figure; killed_low and killed_high default
// to it and killed_qualifier to exact. A low or high without a best figure
// is a row error; a qualifier without any figure is ignored. A range given
// out of order (low > best or best > high) is kept as given and flagged
// with killed_range_out_of_order (wounded_range_out_of_order for
// wounded), never reordered. Figures are whole numbers ≥ 0; "12.0", as
// spreadsheets export them, reads as 12.
//
// Numbers, coordinates and dates may be written with Persian (۰–۹) or
// Arabic-Indic (٠–٩) digits.
//
// # Dates
//
// A date cell is read as follows, first match wins:
//
//  1. four digits ("2017") is the whole year: year precision,
//     2017-01-01 to 2017-12-31;
//  2. "2017-06" (year-month) is the whole month: month precision,
//     2017-06-01 to 2017-06-30;
//  3. each layout of [dates] formats in order. A layout's precision is
//     what it can say: "02/01/2006" gives day precision, "01/2006" month,
//     "2006" year. A layout with a time of day is allowed; the time is
//     dropped.
//
// A layout is checked when the mapping is loaded: one without a year
// ("YYYY-MM-DD", which Go reads as literal text) or one that cannot read
// back what it writes is an error naming dates.formats[i].
//
// The claim's start is the first day of the start cell's period; its end
// is the last day of the end cell's period, or, without an end cell, of
// the start's own period (so "2017-06" runs to 2017-06-30). An end before
// the start is a row error. Without a date_precision column the precision
// is the coarser of the start's and the end's; a start and an end given
// to the day keep day precision however far apart they are, since
// precision says how well the source knew the dates, not how long the
// event lasted.
//
// A date_precision cell wins over the inferred precision, with two
// rules: it may not claim more than the cell says ("day" on "2017-06" is
// a row error), and a coarser precision widens the period to the one the
// start falls in (month on "2017-06-07" gives 2017-06-01 to 2017-06-30;
// week gives the start and the six days after it, as sources mean
// "within a few days").
//
// published accepts RFC 3339 ("2024-01-04T08:30:00Z"), "2006-01-02
// 15:04:05" and "2006-01-02 15:04" (taken as UTC), or a date in one of the
// day-precision formats (midnight UTC).
//
// # Value maps
//
// [values.FIELD] maps source values onto vigil values before they are
// checked, for the fields country, admin1, admin2, place, place_precision,
// date_precision, attack_type, target_type, weapon, perpetrator,
// claimed_by (each item of the list), suicide, killed_qualifier and
// wounded_qualifier. A cell matches a key exactly, else ignoring case and
// surrounding spaces; a cell that matches no key passes through
// unchanged. The key "" maps an empty cell. A target of "" empties the
// value. The targets of enumerated fields are checked when the mapping
// is loaded. When a map changes a value, the source's own value is kept
// in Claim.Codes under its column name, so nothing is lost by mapping.
//
// A values table for a field the format does not know, or for a field not
// mapped in [columns], is an error.
package csvmap
