package extract

import "testing"

// Dates of the attack as news writes them, against a publication date
// (Friday 2023-03-10; 16 Esfand 1401 is Tuesday 2023-03-07).
func TestDatePatterns(t *testing.T) {
	g := gaz(t)
	const pub = "2023-03-10"
	for _, tc := range []struct {
		name, text, lang, date string
	}{
		{"weekday night", "Gunmen attacked a checkpoint in Zahedan on Tuesday night, killing two policemen.", "en", "2023-03-07"},
		{"early hours of a weekday", "Gunmen attacked a checkpoint in Zahedan in the early hours of Wednesday, killing two policemen.", "en", "2023-03-08"},
		{"the publication's weekday is the same day", "Gunmen attacked a checkpoint in Zahedan on Friday, killing two policemen.", "en", "2023-03-10"},
		{"the statement's day is not the attack's", "Police said on Friday that gunmen had attacked a checkpoint in Zahedan on Wednesday, killing two policemen.", "en", "2023-03-08"},
		{"day month without a year", "Gunmen attacked a checkpoint in Zahedan on 7 March, killing two policemen.", "en", "2023-03-07"},
		{"evening of month day", "Gunmen attacked a checkpoint in Zahedan on the evening of March 7, killing two policemen.", "en", "2023-03-07"},
		{"a Solar Hijri month first, in English", "Gunmen attacked a checkpoint in Zahedan on Esfand 16, 1401, killing two policemen.", "en", "2023-03-07"},
		{"a Solar Hijri month without a year, in English", "Gunmen attacked a checkpoint in Zahedan on Esfand 16, killing two policemen.", "en", "2023-03-07"},
		{"Persian weekday evening", "مردان مسلح شامگاه سه‌شنبه به ایست بازرسی در زاهدان حمله کردند و دو مامور را به شهادت رساندند.", "fa", "2023-03-07"},
		{"Persian day and month", "مردان مسلح روز ۱۶ اسفند به ایست بازرسی در زاهدان حمله کردند و دو مامور را به شهادت رساندند.", "fa", "2023-03-07"},
		{"Persian day first numeric date", "مردان مسلح در تاریخ ۱۶/۱۲/۱۴۰۱ به ایست بازرسی در زاهدان حمله کردند و دو مامور را به شهادت رساندند.", "fa", "2023-03-07"},
		{"Persian month joined to ماه", "مردان مسلح روز ۱۶ اسفندماه ۱۴۰۱ به ایست بازرسی در زاهدان حمله کردند و دو مامور را به شهادت رساندند.", "fa", "2023-03-07"},
		{"Persian month with سال", "مردان مسلح در ۱۶ اسفند سال ۱۴۰۱ به ایست بازرسی در زاهدان حمله کردند و دو مامور را به شهادت رساندند.", "fa", "2023-03-07"},
		{"Persian noon today", "مردان مسلح ظهر امروز به ایست بازرسی در زاهدان حمله کردند و دو مامور را به شهادت رساندند.", "fa", "2023-03-10"},
		{"Persian afternoon of the day before", "مردان مسلح عصر روز گذشته به ایست بازرسی در زاهدان حمله کردند و دو مامور را به شهادت رساندند.", "fa", "2023-03-09"},
		{"Gregorian month in Persian", "مردان مسلح در ۷ مارس به ایست بازرسی در زاهدان حمله کردند و دو مامور را به شهادت رساندند.", "fa", "2023-03-07"},
		{"on the night of", "Gunmen attacked a checkpoint in Zahedan on the night of March 7, killing two policemen.", "en", "2023-03-07"},
		{"Persian on the night of", "مردان مسلح در شب ۱۶ اسفند به ایست بازرسی در زاهدان حمله کردند و دو مامور را به شهادت رساندند.", "fa", "2023-03-07"},
		{"a dated dateline", "ZAHEDAN, March 7 (IRNA) - Gunmen attacked a checkpoint near the city, killing two policemen, officials said.", "en", "2023-03-07"},
		{"Persian dated dateline", "زاهدان - ۱۶ اسفند ۱۴۰۱: مردان مسلح به ایست بازرسی حمله کردند و دو مامور را به شهادت رساندند.", "fa", "2023-03-07"},
		{"a weekday with its date", "Gunmen attacked a checkpoint in Zahedan on Tuesday, March 7, killing two policemen.", "en", "2023-03-07"},
		{"Persian weekday with its date", "مردان مسلح روز سه‌شنبه ۱۶ اسفند به ایست بازرسی در زاهدان حمله کردند و دو مامور را به شهادت رساندند.", "fa", "2023-03-07"},
		{"a date carried from the headline", "March 7, 2023: Gunmen attack checkpoint in Zahedan\n\nGunmen attacked a checkpoint in Zahedan, killing two policemen.", "en", "2023-03-07"},
		{"Persian date carried from the headline", "۱۶ اسفند ۱۴۰۱: حمله مسلحانه به ایست بازرسی زاهدان\n\nمردان مسلح به ایست بازرسی در زاهدان حمله کردند و دو مامور را به شهادت رساندند.", "fa", "2023-03-07"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Published: day(pub), Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			if got := str(res.Incidents[0].Date); got != tc.date {
				t.Errorf("date = %s, want %s (notes %q)", got, tc.date, res.Incidents[0].Notes)
			}
		})
	}
}

// TestNumericGregorianDates: a day, month and Gregorian year in figures
// are read when a part above 12 tells the day from the month (a US
// summary's "05/20/2012", a European "20.05.2012", Persian figures);
// "3/4/2010" is March or April by country and stays unread.
func TestNumericGregorianDates(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ name, text, lang, date string }{
		{"month first, a summary's lead", "05/20/2012: Assailants attacked a police station in Zahedan, killing two policemen.", "en", "2012-05-20"},
		{"day first with dots", "On 20.05.2012 gunmen attacked a police station in Zahedan, killing two policemen.", "en", "2012-05-20"},
		{"ambiguous day and month", "3/4/2010: Gunmen attacked a police station in Zahedan, killing two policemen.", "en", "<nil>"},
		{"Persian, day first", "مردان مسلح در تاریخ ۲۰/۰۵/۲۰۱۲ به کلانتری زاهدان حمله کردند و دو مامور را به شهادت رساندند.", "fa", "2012-05-20"},
		{"Persian, ambiguous", "مردان مسلح در تاریخ ۰۳/۰۴/۲۰۱۰ به کلانتری زاهدان حمله کردند و دو مامور را به شهادت رساندند.", "fa", "<nil>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			if got := str(res.Incidents[0].Date); got != tc.date {
				t.Errorf("date = %s, want %s (notes %q)", got, tc.date, res.Incidents[0].Notes)
			}
		})
	}
}

// TestArsonShellingShooting: attacks told with verbs a short summary uses
// — arson ("set fire to", "به آتش کشیدند"), shelling ("shelled",
// "گلوله باران"), shooting ("were shot by", "exchanged fire") — are
// incidents of their type, and their news is the attack.
func TestArsonShellingShooting(t *testing.T) {
	g := gaz(t)
	for _, tc := range []struct{ name, text, lang, typ string }{
		{"arson", "Assailants set fire to a mosque in Zahedan overnight.", "en", "facility_attack"},
		{"arson, Persian", "افراد ناشناس یک مسجد را در زاهدان به آتش کشیدند.", "fa", "facility_attack"},
		{"firebombs are no bombs", "An activist planted two firebombs outside a police station in Zahedan.", "en", "facility_attack"},
		{"shelling", "Rebel forces shelled a hospital in Idlib, killing three people.", "en", "bombing"},
		{"shelling, Persian", "شورشیان بیمارستانی را در ادلب گلوله باران کردند و سه نفر کشته شدند.", "fa", "bombing"},
		{"shot by", "Two men were shot by unknown assailants in Zahedan on Monday.", "en", "armed_assault"},
		{"exchange of fire", "Indian and Pakistani troops exchanged fire across the border in Kashmir.", "en", "armed_assault"},
		{"a device detonated", "An explosive device detonated outside a bank in Zahedan.", "en", "bombing"},
		{"a bomb went off", "A bomb went off outside a bank in Zahedan, injuring two guards.", "en", "bombing"},
		{"Persian, a bomb went off", "یک بمب در مقابل بانکی در زاهدان منفجر شد و دو نگهبان زخمی شدند.", "fa", "bombing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Extract(tc.text, Options{Lang: tc.lang, Published: day("2023-03-10"), Gazetteer: g})
			if len(res.Incidents) == 0 {
				t.Fatal("no incident")
			}
			if got := res.Incidents[0].AttackType; got != tc.typ {
				t.Errorf("attack_type = %s, want %s", got, tc.typ)
			}
			if !res.IsIncidentReport && tc.name != "firebombs are no bombs" {
				t.Error("is_incident_report = false, want true")
			}
		})
	}
}
