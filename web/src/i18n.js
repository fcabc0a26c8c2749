// Words of the dashboard in English and Persian, and the formatting of
// numbers and dates in each: Persian uses Persian digits and the Solar
// Hijri calendar (ICU's "persian" calendar, which the browser carries).

export const lang = document.documentElement.lang === 'fa' ? 'fa' : 'en';

const words = {
  title: ['vigil — incidents', 'ویجیل — رویدادها'],
  switch: ['فارسی', 'English'],
  country: ['Country', 'کشور'],
  admin1: ['Province', 'استان'],
  actor: ['Actor', 'عامل'],
  type: ['Attack type', 'نوع حمله'],
  status: ['Status', 'وضعیت'],
  since: ['From', 'از'],
  until: ['To', 'تا'],
  min_killed: ['Min. killed', 'حداقل کشته'],
  any: ['any', 'همه'],
  reset: ['Clear filters', 'پاک کردن فیلترها'],
  incidents: ['incidents', 'رویداد'],
  killed: ['Killed', 'کشته'],
  wounded: ['Wounded', 'زخمی'],
  more: ['More', 'بیشتر'],
  timeline: ['Incidents per month (drag to choose a period)', 'رویدادها در هر ماه (برای انتخاب بازه بکشید)'],
  tempo: ['Tempo: incidents per month', 'آهنگ: رویدادها در هر ماه'],
  severity: ['Severity: killed per month', 'شدت: کشته‌ها در هر ماه'],
  no_result: ['Not enough incidents for this test.', 'رویدادها برای این آزمون کافی نیست.'],
  loading: ['Loading…', 'در حال بارگذاری…'],
  back: ['← All incidents', '→ همهٔ رویدادها'],
  facts_page: ['Plain verified-facts page (printable)', 'صفحهٔ سادهٔ واقعیت‌های تأییدشده (قابل چاپ)'],
  low: ['low', 'کمینه'],
  best: ['best', 'بهترین برآورد'],
  high: ['high', 'بیشینه'],
  contested: ['contested', 'مورد اختلاف'],
  sources: ['Sources and what each said', 'منابع و گفتهٔ هر یک'],
  figures: ['How the figures changed', 'تغییر ارقام در گذر زمان'],
  versions: ['Version history', 'تاریخچهٔ نسخه‌ها'],
  related: ['Other sites of this coordinated attack', 'دیگر محل‌های این حملهٔ هماهنگ'],
  date: ['Date', 'تاریخ'],
  place: ['Place', 'مکان'],
  perpetrator: ['Perpetrator', 'عامل'],
  claimed_by: ['Claimed by', 'مسئولیت را پذیرفت'],
  sites: ['Coordinated sites', 'محل‌های هماهنگ'],
  suicide: ['Suicide attack', 'حملهٔ انتحاری'],
  yes: ['yes', 'بله'],
  no: ['no', 'خیر'],
  version: ['Version', 'نسخه'],
  author: ['By', 'توسط'],
  reason: ['Reason', 'دلیل'],
  superseded: ['superseded', 'جایگزین‌شده'],
  body_pruned: ['report as received removed on', 'متن دریافتی گزارش حذف شد در'],
  not_found: ['Incident not found.', 'رویداد پیدا نشد.'],
  error: ['Could not load: ', 'بارگذاری نشد: '],
  shown_on_map: ['on the map', 'روی نقشه'],
  assassination: ['assassination', 'ترور'],
  armed_assault: ['armed assault', 'حملهٔ مسلحانه'],
  bombing: ['bombing', 'بمب‌گذاری'],
  hijacking: ['hijacking', 'هواپیماربایی'],
  barricade_hostage: ['hostage taking', 'گروگان‌گیری'],
  kidnapping: ['kidnapping', 'آدم‌ربایی'],
  facility_attack: ['attack on a facility', 'حمله به تأسیسات'],
  unarmed_assault: ['unarmed assault', 'حملهٔ غیرمسلحانه'],
  unknown: ['unknown', 'نامعلوم'],
  confirmed: ['confirmed', 'تأییدشده'],
  probable: ['probable', 'محتمل'],
  unverified: ['unverified', 'تأییدنشده'],
  disputed: ['disputed', 'مورد مناقشه'],
  retracted: ['retracted', 'پس‌گرفته'],
  order: ['Order of the list', 'ترتیب فهرست'],
  newest_first: ['Newest first', 'تازه‌ترین نخست'],
  oldest_first: ['Oldest first', 'قدیمی‌ترین نخست'],
  forecast: ['Forecast: risk of an attack per province in the weeks ahead', 'پیش‌بینی: خطر حمله در هر استان در هفته‌های پیش رو'],
  forecast_top: ['Next week: the ten provinces most at risk', 'هفتهٔ آینده: ده استان با بیشترین خطر'],
  forecast_weeks: ['Chance of at least one attack, week by week', 'احتمال دست‌کم یک حمله، هفته به هفته'],
  forecast_layer: ['Forecast risk, next week', 'خطر پیش‌بینی‌شده، هفتهٔ آینده'],
  no_forecast: ['No forecast for this selection:', 'برای این گزینش پیش‌بینی‌ای نیست:'],
  next_week: ['Next week', 'هفتهٔ آینده'],
  from_date: ['from', 'از'],
  chance: ['chance of at least one attack', 'احتمال دست‌کم یک حمله'],
  expected_attacks: ['expected attacks', 'شمار مورد انتظار حمله‌ها'],
  interval90: ['90% interval', 'بازهٔ ۹۰٪'],
  expected_killed: ['expected killed', 'کشتهٔ مورد انتظار'],
  model: ['Model', 'مدل'],
  model_baseline: ["the province's historical rate", 'نرخ تاریخی استان'],
  model_hawkes: ['regional Hawkes (self-exciting)', 'هاوکس منطقه‌ای (خودبرانگیخته)'],
  model_count: ['count model', 'مدل شمارشی'],
  inbox: ['Alerts', 'هشدارها'],
  login: ['Log in', 'ورود'],
  logout: ['Log out', 'خروج'],
  moderation: ['Moderation', 'بررسی گزارش‌ها'],
  admin: ['Admin', 'مدیریت'],
  role_viewer: ['viewer', 'خواننده'],
  role_analyst: ['analyst', 'تحلیلگر'],
  role_admin: ['admin', 'مدیر'],
  no_alerts: ['No alert has fired yet.', 'هنوز هشداری صادر نشده است.'],
  rule: ['Rule', 'قاعده'],
  evidence_incidents: ['Incidents', 'رویدادها'],
  evidence_reports: ['Reports', 'گزارش‌ها'],
  merged: ['merged into another incident', 'در رویداد دیگری ادغام شده'],
  missing: ['no longer stored', 'دیگر نگه‌داری نمی‌شود'],
  in_all: ['In all', 'در مجموع'],
  reports: ['reports', 'گزارش'],
  kind_incident: ['new incident', 'رویداد تازه'],
  kind_surge: ['surge', 'جهش'],
  kind_high: ['record high', 'بالاترین رقم'],
  kind_forecast: ['forecast', 'پیش‌بینی'],
  kind_revised: ['figures revised', 'ارقام بازنگری شد'],
  kind_claim: ['claim of responsibility', 'ادعای مسئولیت'],
  kind_followon: ['follow-on risk', 'خطر حملهٔ پیامد'],
};

/** t returns the word for key in the page's language (the key if none). */
export function t(key) {
  const w = words[key];
  return w ? w[lang === 'fa' ? 1 : 0] : key;
}

const numFmt = new Intl.NumberFormat(lang === 'fa' ? 'fa-IR' : 'en-GB');
/** num formats a number, in Persian digits in Persian. */
export const num = (n) => (n == null || Number.isNaN(n) ? '' : numFmt.format(n));

const dateFmt = new Intl.DateTimeFormat(lang === 'fa' ? 'fa-IR-u-ca-persian-nu-arabext' : 'en-GB',
  { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
const monthFmt = new Intl.DateTimeFormat(lang === 'fa' ? 'fa-IR-u-ca-persian-nu-arabext' : 'en-GB',
  { year: 'numeric', month: 'short', timeZone: 'UTC' });
const timeFmt = new Intl.DateTimeFormat(lang === 'fa' ? 'fa-IR-u-ca-persian-nu-arabext' : 'en-GB',
  { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

/** date formats "YYYY-MM-DD" (Solar Hijri in Persian). */
export function date(s) {
  if (!s) return '';
  const d = new Date(s + 'T00:00:00Z');
  return Number.isNaN(d.getTime()) ? s : dateFmt.format(d);
}
/** month formats a time in seconds as a month. */
export const month = (secs) => monthFmt.format(new Date(secs * 1000));
/** instant formats an RFC 3339 time. */
export function instant(s) {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? '' : timeFmt.format(d) + ' UTC';
}
/** range formats a low/best/high figure. */
export function range(r) {
  if (!r) return '—';
  const q = { at_least: lang === 'fa' ? 'دست‌کم ' : 'at least ', about: lang === 'fa' ? 'حدود ' : 'about ', up_to: lang === 'fa' ? 'تا ' : 'up to ' }[r.qualifier] || '';
  if (r.low === r.best && r.best === r.high) return q + num(r.best);
  return `${q}${num(r.best)} (${num(r.low)}–${num(r.high)})`;
}
