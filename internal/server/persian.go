package server

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/vigil-project/vigil/internal/analyze"
	"github.com/vigil-project/vigil/internal/model"
)

// The analyses say what they found in English (Sentence); the Persian
// dashboard shows the same findings in Persian, written here from the
// results' figures: the same tests, p-values, sample sizes and caveats,
// in Persian digits with Solar Hijri dates. The English sentences stay as
// they are, beside these.

// faSentence is the Persian sentence of an analysis result; "" for a kind
// it does not know.
func faSentence(res sentencer) string {
	switch r := res.(type) {
	case analyze.TempoResult:
		return faTempo(r)
	case analyze.SeverityResult:
		return faSeverity(r)
	case analyze.ChangeResult:
		return faChange(r)
	case analyze.TailFit:
		return faTail(r)
	case analyze.HawkesFit:
		return faHawkes(r)
	case analyze.HawkesRegionsFit:
		return faHawkesRegions(r)
	case analyze.ForecastResult:
		return faForecast(r)
	}
	return ""
}

// faUnavailable says in Persian that an analysis has no result for the
// selection (the English says why, in the analysis's own words).
func faUnavailable(n int) string {
	return fmt.Sprintf("نتیجه‌ای در دست نیست: این گزینش (%s رویداد) برای این آزمون کافی نیست.", faInt(n))
}

// faDigits writes digits, the decimal point and the minus sign as Persian
// text does.
func faDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			r = '۰' + (r - '0')
		case r == '.':
			r = '٫'
		case r == '-':
			r = '−'
		case r == '%':
			r = '٪'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func faInt(n int) string { return faDigits(strconv.Itoa(n)) }

// faNum rounds as the English sentences do (analyze's trFormatNum).
func faNum(x float64) string {
	a := math.Abs(x)
	var s string
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "نامعلوم"
	case a == 0:
		s = "0"
	case a >= 10:
		s = strconv.FormatFloat(math.Round(x), 'f', 0, 64)
	case a >= 1:
		s = strconv.FormatFloat(x, 'f', 1, 64)
	default:
		s = strconv.FormatFloat(x, 'g', 2, 64)
	}
	return faDigits(s)
}

// pValue writes a p-value as the English sentences do.
func pValue(p float64) string {
	switch {
	case math.IsNaN(p):
		return "p not available"
	case p < 0.001:
		return "p < 0.001"
	case p < 0.1:
		s := strconv.FormatFloat(p, 'f', 3, 64)
		if p < 0.05 && s == "0.050" {
			s = "0.049"
		}
		return "p = " + s
	}
	return "p = " + strconv.FormatFloat(p, 'f', 2, 64)
}

// faP is pValue in Persian.
func faP(p float64) string {
	if math.IsNaN(p) {
		return "p نامعلوم"
	}
	return faDigits(pValue(p))
}

// faPercent is the change a factor means, as a percentage without sign.
func faPercent(factor float64) string {
	if math.IsNaN(factor) || math.IsInf(factor, 0) {
		return "نامعلوم"
	}
	return faNum(math.Abs(factor-1)*100) + "٪"
}

func faSignedPercent(factor float64) string {
	if math.IsNaN(factor) || math.IsInf(factor, 0) {
		return "نامعلوم"
	}
	sign := "+"
	if factor < 1 {
		sign = "−"
	}
	return sign + faPercent(factor)
}

func faDate(d model.Date) string { return localDate("fa", d) }

func faPeriod(from, to model.Date) string {
	return fmt.Sprintf("از %s تا %s", faDate(from), faDate(to))
}

func faCaveat(n int) string {
	if n >= 20 {
		return ""
	}
	return fmt.Sprintf(" — تنها %s رویداد؛ با احتیاط بخوانید", faInt(n))
}

var gregorianMonthsFa = []string{"ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر", "اکتبر", "نوامبر", "دسامبر"}

// faMonth writes a calendar month "YYYY-MM" in Persian. The month is a
// Gregorian one (the analyses bin by Gregorian month, which straddles two
// Solar Hijri months), so it is named as such.
func faMonth(m string) string {
	y, mo, ok := strings.Cut(m, "-")
	n, err := strconv.Atoi(mo)
	if !ok || err != nil || n < 1 || n > 12 {
		return faDigits(m)
	}
	return gregorianMonthsFa[n-1] + " " + faDigits(y) + " میلادی"
}

func faTempo(r analyze.TempoResult) string {
	rateWord, binWord := "ماهانه", "ماه"
	if r.Bin == analyze.BinWeek {
		rateWord, binWord = "هفتگی", "هفته"
	}
	gaps, mkSig := "", 0
	if mk := r.MannKendall; mk != nil {
		switch {
		case mk.P < 0.05 && mk.S < 0:
			mkSig = -1
			gaps = "فاصلهٔ میان رویدادها کوتاه‌تر شد"
		case mk.P < 0.05 && mk.S > 0:
			mkSig = 1
			gaps = "فاصلهٔ میان رویدادها بلندتر شد"
		default:
			gaps = "فاصلهٔ میان رویدادها روند روشنی ندارد"
		}
		gaps += " (آزمون من–کندال، " + faP(mk.P)
		if r.Sen != nil && mkSig != 0 && !math.IsNaN(r.Sen.Slope) && r.Sen.Slope != 0 {
			gaps += "، حدود " + faNum(math.Abs(r.Sen.Slope)) + " روز در سال"
		}
		gaps += ")"
	}
	caveat := faCaveat(r.N)
	n := fmt.Sprintf("n = %s رویداد، %s", faInt(r.N), faPeriod(r.Start, r.End))
	pr := r.Poisson
	if pr == nil {
		if gaps == "" {
			return fmt.Sprintf("آهنگ این %s رویداد را نمی‌توان آزمود%s.", faInt(r.N), caveat)
		}
		return fmt.Sprintf("نرخ رویدادها را نمی‌توان مدل کرد، اما %s (%s)%s.", gaps, n, caveat)
	}
	adj := ""
	if pr.Overdispersed {
		adj = "، با در نظر گرفتن خوشه‌ای بودن رویدادها"
	}
	ci := fmt.Sprintf("بازهٔ اطمینان ۹۵٪: %s تا %s؛ %s%s", faSignedPercent(pr.RateRatioLower), faSignedPercent(pr.RateRatioUpper), faP(pr.P), adj)
	levels := fmt.Sprintf("از حدود %s به %s در %s", faNum(r.RateStart), faNum(r.RateEnd), binWord)
	var s string
	dir := 0 // the rate's direction; gaps agree when they move the other way
	switch {
	case pr.P < 0.05 && pr.Slope > 0:
		dir = 1
	case pr.P < 0.05 && pr.Slope < 0:
		dir = -1
	}
	switch {
	case pr.P < 0.05 && pr.Slope > 0:
		s = fmt.Sprintf("رویدادها پرتکرارتر می‌شوند: نرخ %s در هر سال حدود %s افزایش یافت (%s)، %s (%s)", rateWord, faPercent(pr.RateRatio), ci, levels, n)
	case pr.P < 0.05 && pr.Slope < 0:
		s = fmt.Sprintf("رویدادها کم‌تکرارتر می‌شوند: نرخ %s در هر سال حدود %s کاهش یافت (%s)، %s (%s)", rateWord, faPercent(pr.RateRatio), ci, levels, n)
	default:
		s = fmt.Sprintf("روند روشنی در آهنگ رویدادها دیده نمی‌شود: نرخ %s در هر سال %s تغییر کرد (%s؛ %s)", rateWord, faSignedPercent(pr.RateRatio), ci, n)
	}
	switch {
	case gaps == "":
	case mkSig == -dir:
		s += "؛ " + gaps
	default:
		s += "، هرچند " + gaps
	}
	return s + caveat + "."
}

func faSeverity(r analyze.SeverityResult) string {
	parts := []string{faHarm(r.Killed, r.Start, r.End), faHarm(r.Wounded, r.Start, r.End)}
	for _, st := range []analyze.ShareTrend{r.Suicide, r.MultiSite, r.Coordinated} {
		if s := faShare(st); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// faDirection is analyze's direction of a trend: +1, −1, or 0 when the
// Mann–Kendall test finds none at 5%; ok is false when it did not run.
func faDirection(st *analyze.SeriesTrend) (int, bool) {
	if st == nil || st.MannKendall == nil {
		return 0, false
	}
	if st.MannKendall.P >= 0.05 {
		return 0, true
	}
	if st.MannKendall.S > 0 {
		return 1, true
	}
	if st.MannKendall.S < 0 {
		return -1, true
	}
	return 0, true
}

func faHarm(h analyze.HarmTrend, from, to model.Date) string {
	m := "کشته‌ها"
	if h.Measure == "wounded" {
		m = "زخمی‌ها"
	}
	if h.N == 0 {
		return fmt.Sprintf("هیچ رویدادی در این گزینش رقمی برای شمار %s ندارد.", m)
	}
	n := fmt.Sprintf("n = %s رویداد دارای رقم، %s", faInt(h.N), faPeriod(from, to))
	caveat := faCaveat(h.N)
	b := h.Best
	if b == nil || b.MannKendall == nil {
		return fmt.Sprintf("روندی در شمار %s در هر رویداد قابل آزمون نیست (%s)%s.", m, n, caveat)
	}
	mk := b.MannKendall
	sen := ""
	if b.Sen != nil && b.Sen.Slope != 0 && !math.IsNaN(b.Sen.Slope) {
		sign := "+"
		if b.Sen.Slope < 0 {
			sign = "−"
		}
		sen = "، تغییر معمول " + sign + faNum(math.Abs(b.Sen.Slope)) + " در سال"
	}
	mean := ""
	if pr := b.Poisson; pr != nil {
		adj := ""
		if pr.Overdispersed {
			adj = "، با در نظر گرفتن ناهمواری زیاد ارقام"
		}
		mean = fmt.Sprintf("؛ میانگین در هر رویداد سالانه %s تغییر کرد (%s%s)", faSignedPercent(pr.RateRatio), faP(pr.P), adj)
	}
	test := fmt.Sprintf("(آزمون من–کندال، %s%s؛ %s)%s", faP(mk.P), sen, n, mean)
	dir, _ := faDirection(b)
	var s string
	switch {
	case dir > 0 && h.Measure == "killed":
		s = "رویدادها مرگبارتر می‌شوند: شمار کشته‌ها در هر رویداد با گذشت زمان افزایش یافت " + test
	case dir < 0 && h.Measure == "killed":
		s = "رویدادها کم‌تلفات‌تر می‌شوند: شمار کشته‌ها در هر رویداد با گذشت زمان کاهش یافت " + test
	case dir > 0:
		s = fmt.Sprintf("شمار %s در هر رویداد با گذشت زمان افزایش یافت %s", m, test)
	case dir < 0:
		s = fmt.Sprintf("شمار %s در هر رویداد با گذشت زمان کاهش یافت %s", m, test)
	default:
		s = fmt.Sprintf("روند روشنی در شمار %s در هر رویداد دیده نمی‌شود %s", m, test)
	}
	switch h.Sensitivity {
	case analyze.SensitivityHolds:
		if dir == 0 {
			s += "؛ ارقام کمینه و بیشینه نیز روند روشنی نشان نمی‌دهند"
		} else {
			s += "؛ این روند در ارقام کمینه و بیشینه نیز برقرار است"
		}
	case analyze.SensitivityDiffers:
		s += "، اما ارقام کمینه یا بیشینه نتیجهٔ دیگری می‌دهند"
	}
	return s + caveat + "."
}

var sharePhrasesFa = map[string]string{
	"suicide":     "حمله‌های انتحاری",
	"multi_site":  "حمله‌های هم‌زمان به چند محل",
	"coordinated": "حمله‌های هماهنگ",
}

func faShare(s analyze.ShareTrend) string {
	what := sharePhrasesFa[s.Attribute]
	if what == "" || s.N == 0 || !s.Tested {
		// Untested shares (none known, all or none among them) say
		// nothing a reader of the dashboard needs; the English has them.
		return ""
	}
	odds := fmt.Sprintf("نسبت بخت سالانه ×%s، بازهٔ اطمینان ۹۵٪: %s تا %s، %s؛ n = %s رویداد",
		faDigits(strconv.FormatFloat(s.OddsRatio, 'f', 2, 64)), faDigits(strconv.FormatFloat(s.OddsLower, 'f', 2, 64)),
		faDigits(strconv.FormatFloat(s.OddsUpper, 'f', 2, 64)), faP(s.P), faInt(s.N))
	span := fmt.Sprintf("از حدود %s٪ به %s٪", faNum(100*s.ShareStart), faNum(100*s.ShareEnd))
	caveat := faCaveat(s.N)
	switch {
	case s.P < 0.05 && s.Slope > 0:
		return fmt.Sprintf("سهم %s افزایش یافت، %s (%s)%s.", what, span, odds, caveat)
	case s.P < 0.05 && s.Slope < 0:
		return fmt.Sprintf("سهم %s کاهش یافت، %s (%s)%s.", what, span, odds, caveat)
	}
	return fmt.Sprintf("سهم %s روند روشنی ندارد (%s٪ در کل؛ %s)%s.", what, faNum(100*s.Share), odds, caveat)
}

func faChange(r analyze.ChangeResult) string {
	var parts []string
	for _, s := range []analyze.ChangeSeries{r.Counts, r.Fatalities} {
		what := "شمار ماهانهٔ رویدادها"
		if s.Measure == "killed" {
			what = "شمار ماهانهٔ کشته‌ها"
		}
		if len(s.Bayes) == 0 {
			parts = append(parts, fmt.Sprintf("در %s تغییر برجسته‌ای دیده نمی‌شود (تشخیص نقطهٔ تغییر بیزی، %s ماه).", what, faInt(len(s.Values))))
			continue
		}
		shown := s.Bayes
		if len(shown) > 3 {
			shown = shown[len(shown)-3:]
		}
		var cs []string
		for _, c := range shown {
			verb := "افزایش یافت"
			if c.After < c.Before {
				verb = "کاهش یافت"
			}
			p := faDigits(strconv.FormatFloat(c.WindowProbability, 'f', 2, 64))
			if c.WindowProbability >= 0.995 {
				p = "> " + faDigits("0.99")
			}
			cs = append(cs, fmt.Sprintf("در %s از حدود %s به %s در ماه %s (احتمال %s)", faMonth(c.Month), faNum(c.Before), faNum(c.After), verb, p))
		}
		parts = append(parts, fmt.Sprintf("%s %s (تشخیص نقطهٔ تغییر بیزی، %s ماه).", what, strings.Join(cs, "، سپس "), faInt(len(s.Values))))
	}
	return strings.Join(parts, " ")
}

func faTail(f analyze.TailFit) string {
	unit := ""
	if f.Unit == "killed" {
		unit = " کشته"
	}
	// Rounded to the standard error's first digit, as the English.
	est := strconv.FormatFloat(f.Alpha, 'f', 2, 64)
	if se := f.AlphaSE; f.Bootstrap > 1 && se > 0 && !math.IsInf(se, 0) {
		dec := max(0, int(-math.Floor(math.Log10(se))))
		if r := math.Round(se*math.Pow(10, float64(dec))) / math.Pow(10, float64(dec)); r >= math.Pow(10, 1-float64(dec)) && dec > 0 {
			dec--
		}
		est = strconv.FormatFloat(f.Alpha, 'f', dec, 64) + " ± " + strconv.FormatFloat(se, 'f', dec, 64)
	}
	est = faDigits(est)
	var s string
	if f.GoFBootstrap > 0 && f.GoFP < analyze.TailSignificance {
		s = fmt.Sprintf("از %s%s به بالا، قانون توانی (با نمای %s) اندازه‌ها را خوب توصیف نمی‌کند", faNum(f.Xmin), unit, est)
	} else {
		s = fmt.Sprintf("از %s%s به بالا، اندازه‌ها از قانون توانی با نمای %s پیروی می‌کنند", faNum(f.Xmin), unit, est)
	}
	var parts []string
	if f.GoFBootstrap > 0 {
		parts = append(parts, faP(f.GoFP)+" برای برازش")
	}
	parts = append(parts, fmt.Sprintf("n = %s بالای آستانه", faInt(f.NTail)))
	return s + " (" + strings.Join(parts, "؛ ") + ")."
}

func faHawkes(f analyze.HawkesFit) string {
	unit := "واحد زمان"
	if f.Unit == "days" {
		unit = "روز"
	}
	tail := fmt.Sprintf("(n = %s؛ آزمون نسبت درست‌نمایی در برابر نبودِ خودبرانگیختگی، %s)", faInt(f.N), faP(f.LRP))
	switch {
	case !f.Converged:
		return fmt.Sprintf("مدل خودبرانگیختگی را نمی‌توان به‌طور قابل اتکا بر این %s رویداد برازش داد، پس دربارهٔ اینکه یک رویداد خطر رویداد دیگری را بالا می‌برد یا نه نمی‌توان چیزی گفت %s.", faInt(f.N), tail)
	case f.LRP >= 0.05:
		return fmt.Sprintf("نشانهٔ روشنی نیست که یک رویداد خطر کوتاه‌مدت رویداد دیگری را بالا ببرد %s.", tail)
	case !f.Stationary:
		return fmt.Sprintf("رویدادها چنان خوشه‌ای‌اند که مدل برازش‌شده انفجاری است (حدود %s رویداد دیگر به ازای هر رویداد، با نیمه‌عمر %s %s برای خطر افزوده)؛ این معمولاً یعنی نرخ در طول دوره بالا رفته است، نه الگویی پایدار %s.",
			faNum(f.BranchingRatio), faNum(f.HalfLife), unit, tail)
	}
	return fmt.Sprintf("هر رویداد خطر کوتاه‌مدت رویداد دیگری را بالا می‌برد: به دنبال هر رویداد حدود %s رویداد دیگر می‌آید و خطر افزوده هر %s %s نصف می‌شود %s.",
		faNum(f.BranchingRatio), faNum(f.HalfLife), unit, tail)
}

func faHawkesRegions(f analyze.HawkesRegionsFit) string {
	unit := "واحد زمان"
	if f.Unit == "days" {
		unit = "روز"
	}
	tail := fmt.Sprintf("(n = %s در %s منطقه؛ آزمون نسبت درست‌نمایی، %s)", faInt(f.N), faInt(len(f.Regions)), faP(f.LRP))
	switch {
	case !f.Converged || !f.CommonConverged:
		return fmt.Sprintf("مدل خودبرانگیختگی منطقه‌ای را نمی‌توان به‌طور قابل اتکا بر این %s رویداد برازش داد.", faInt(f.N))
	case len(f.Regions) < 2:
		return fmt.Sprintf("هر %s رویداد در یک منطقه‌اند، پس نرخ پایه‌ای که از منطقه‌ای به منطقهٔ دیگر فرق کند آزمودنی نیست.", faInt(f.N))
	case f.RegionalBackground:
		return fmt.Sprintf("نرخ پایهٔ رویدادها از منطقه‌ای به منطقهٔ دیگر فرق می‌کند %s؛ در هر منطقه به دنبال هر رویداد حدود %s رویداد دیگر می‌آید و خطر افزوده هر %s %s نصف می‌شود.",
			tail, faNum(f.BranchingRatio), faNum(f.HalfLife), unit)
	}
	return fmt.Sprintf("داده‌ها نرخ پایه‌ای را که از منطقه‌ای به منطقهٔ دیگر فرق کند نشان نمی‌دهند %s، پس یک نرخ مشترک همه را توصیف می‌کند.", tail)
}

var modelNamesFa = map[string]string{
	analyze.ModelBaseline: "نرخ تاریخی منطقه",
	analyze.ModelHawkes:   "مدل هاوکس منطقه‌ای",
	analyze.ModelCount:    "مدل شمارشی",
}

func faModel(name string) string {
	if s := modelNamesFa[name]; s != "" {
		return s
	}
	return name
}

// faRegion names a forecast region in Persian: a province by its Persian
// name from the embedded gazetteer (Natural Earth's), with its country's
// code when it is not Iran; a region the gazetteer does not name in
// Persian keeps the name it has.
func faRegion(r analyze.RegionForecast) string {
	if r.Admin1 == "" {
		return r.Region
	}
	if fa := faProvinces()[strings.ToUpper(r.Country)+"/"+strings.ToLower(r.Admin1)]; fa != "" {
		return fa + faCountrySuffix(r.Country)
	}
	return r.Region
}

func faForecast(f analyze.ForecastResult) string {
	if len(f.Regions) == 0 || len(f.Regions[0].Periods) == 0 {
		return "منطقه‌ای برای پیش‌بینی نیست."
	}
	top := f.Regions[0]
	p := top.Periods[0]
	return fmt.Sprintf("بیشترین خطر: %s، احتمال %s٪ برای دست‌کم یک حمله در دوره‌ای که از %s آغاز می‌شود (کشتهٔ مورد انتظار %s)؛ %s.",
		faRegion(top), faDigits(strconv.FormatFloat(math.Round(100*p.Probability), 'f', 0, 64)), faDate(p.Start), faNum(p.ExpectedKilled), faModel(f.Model))
}

// forecastSkill says in words, in English and in Persian, how the model
// shown did in its backtest against the region's historical rate.
func forecastSkill(f analyze.ForecastResult) (en, fa string) {
	bt := f.Backtest
	if bt == nil {
		switch f.Why {
		case "chosen by the user":
			return fmt.Sprintf("The %s model was chosen by the user; it was not backtested here.", f.Model),
				fmt.Sprintf("%s را کاربر برگزیده است؛ اینجا آزمون گذشته‌نگر نشده است.", faModel(f.Model))
		default:
			return fmt.Sprintf("No backtest (%s): the forecast is the region's historical rate.", f.Why),
				"آزمون گذشته‌نگری در کار نیست (سابقهٔ داده کافی نیست): پیش‌بینی همان نرخ تاریخی منطقه است."
		}
	}
	span := fmt.Sprintf("%d origins from %s to %s", bt.Origins, bt.From, bt.To)
	spanFa := fmt.Sprintf("%s مبدأ، %s", faInt(bt.Origins), faPeriod(bt.From, bt.To))
	if f.Model == analyze.ModelBaseline {
		var best analyze.ModelScore
		for _, m := range bt.Models {
			if m.Name != analyze.ModelBaseline && (best.Name == "" || m.BrierSkill > best.BrierSkill) {
				best = m
			}
		}
		en = fmt.Sprintf("In a backtest (%s), no model beat the region's historical rate, so the forecast is that rate", span)
		fa = fmt.Sprintf("در آزمون گذشته‌نگر (%s) هیچ مدلی از نرخ تاریخی منطقه بهتر نبود، پس پیش‌بینی همان نرخ است", spanFa)
		if best.Name != "" {
			en += fmt.Sprintf(" (best other: %s, Brier skill %+.3f)", best.Name, best.BrierSkill)
			fa += fmt.Sprintf(" (بهترینِ دیگر: %s، مهارت بریِر %s)", faModel(best.Name), faDigits(fmt.Sprintf("%+.3f", best.BrierSkill)))
		}
		return en + ".", fa + "."
	}
	for _, m := range bt.Models {
		if m.Name != f.Model {
			continue
		}
		ap, apFa := "", ""
		if !math.IsNaN(m.AveragePrecision) {
			ap = fmt.Sprintf(", average precision %.2f", m.AveragePrecision)
			apFa = "، دقت میانگین " + faDigits(strconv.FormatFloat(m.AveragePrecision, 'f', 2, 64))
		}
		return fmt.Sprintf("In a backtest (%s), the %s model beat the region's historical rate: Brier skill %+.3f (%s)%s, over %d forecasts.",
				span, m.Name, m.BrierSkill, pValue(m.PVsBaseline), ap, m.NForecasts),
			fmt.Sprintf("در آزمون گذشته‌نگر (%s)، %s از نرخ تاریخی منطقه بهتر بود: مهارت بریِر %s (%s)%s، در %s پیش‌بینی.",
				spanFa, faModel(m.Name), faDigits(fmt.Sprintf("%+.3f", m.BrierSkill)), faP(m.PVsBaseline), apFa, faInt(m.NForecasts))
	}
	return f.Why, f.Why
}
