//! report.html: the class at a glance, one self-contained page (no network, no external file)
//! that opens from a USB stick. It is drawn from grades.json alone, so the page and the file
//! cannot disagree, and a saved grades.json can be drawn again.
//!
//! The markup is written with maud: everything from the accounts (names, tag values, messages)
//! is escaped as text or attribute unless it is said not to be, which only the page's own style
//! and script are.
//! The one inline script sorts the table from `data-sort` attributes and holds no student data;
//! the Content-Security-Policy allows that script and the page's own style by their hashes and
//! nothing else.

pub use super::class::{
    Check, Class, ClassView, Group, LateStep, RosterError, Score, Skipped, Step, Student, Summary,
    Undatable, Verify, common_failures, incomplete_banner,
};
use crate::finding::Status;
use crate::i18n::{Lang, Text};
use crate::lesson::Lesson;
use crate::report::escape_markup;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use sha2::Digest;

pub(super) const STYLE: &str = include_str!("html/style.css");
const SCRIPT: &str = include_str!("html/sort.js");

/// The page for `grades_json` (the text `report::json` wrote). `lesson` gives the steps'
/// titles; without it the step ids stand in.
pub fn render(grades_json: &str, lesson: Option<&Lesson>, lang: Lang) -> Result<String, String> {
    let class: Class = serde_json::from_str(grades_json).map_err(|e| e.to_string())?;
    Ok(page(&class, lesson, lang, Audience::Instructor))
}

/// report-anonymous.html for `grades_json`: the class summary, the histogram, the steps done and
/// the common failures, to show the class; no name, account, roster key or column, and no
/// student's ids in a message or fix.
pub fn render_anonymous(
    grades_json: &str,
    lesson: Option<&Lesson>,
    lang: Lang,
) -> Result<String, String> {
    let class: Class = serde_json::from_str(grades_json).map_err(|e| e.to_string())?;
    Ok(page(&class, lesson, lang, Audience::Class))
}

/// Who a page is for.
#[derive(Clone, Copy, PartialEq)]
enum Audience {
    /// Everything, names and accounts too.
    Instructor,
    /// The class: nobody's name, account or ids.
    Class,
}

/// The Content-Security-Policy of a page with the style and, if any, the one script: each
/// allowed by its hash and nothing else.
pub(super) fn policy(script: Option<&str>) -> String {
    let script = script.map_or_else(
        || "'none'".to_string(),
        |s| format!("'sha256-{}'", sha256_base64(s)),
    );
    format!(
        "default-src 'none'; style-src 'sha256-{}'; script-src {script}; \
         base-uri 'none'; form-action 'none'",
        sha256_base64(STYLE)
    )
}

fn page(class: &Class, lesson: Option<&Lesson>, lang: Lang, audience: Audience) -> String {
    let heading = format!(
        "{} — {}",
        lesson.map_or(class.lesson.as_str(), |l| l.title.get(lang)),
        t("grade.md-title", lang)
    );
    let steps = step_columns(class, lesson, lang);
    let anonymous = audience == Audience::Class;
    let policy = policy((!anonymous).then_some(SCRIPT));
    // The roster's file name may be a person's or a section's: not the class's to see.
    let about: Vec<_> = super::class::about(class, lang)
        .into_iter()
        .filter(|(field, _, _)| !anonymous || *field != "roster")
        .collect();
    let page = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy" content=(policy);
                meta name="referrer" content="no-referrer";
                title { (heading) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                main {
                    h1 { (heading) }
                    @if let Some(banner) = incomplete_banner(class, lang) {
                        p.incomplete role="alert" { (banner) }
                    }
                    @if anonymous {
                        p.hint data-field="anonymous" { (t("grade.html-anonymous-note", lang)) }
                    }
                    dl.about {
                        @for (field, label, value) in about {
                            div { dt { (label) } dd data-field=(field) { (value) } }
                        }
                    }
                    (summary(class, lang))
                    div.charts {
                        (histogram(class, lang))
                        (completion(class, &steps, lang))
                    }
                    @if anonymous {
                        (failing(class, lang, audience))
                    } @else {
                        // Who is where before what went wrong: the table is what an instructor
                        // scans first.
                        (students(class, &steps, lang))
                        (failing(class, lang, audience))
                        (left_out(class, lang))
                    }
                }
                @if !anonymous {
                    script { (PreEscaped(SCRIPT)) }
                }
            }
        }
    };
    visible(&page.into_string())
}

/// A catalogue sentence without arguments, in `lang`.
pub(super) fn t(key: &'static str, lang: Lang) -> String {
    Text::new(key).render(lang)
}

/// The page with bidirectional controls and zero-width characters shown by their code point and
/// other control characters dropped, as `report::escape_markup` does. maud escapes markup but
/// not these; no part of the page has one on purpose (a unit test checks that the style and
/// script, which their hashes pin, come out unchanged), so one pass over the whole page leaves no
/// value from an account a way to bring one in.
pub(super) fn visible(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    let mut buf = [0; 4];
    for c in page.chars() {
        if c == '\t' || c == '\n' || c == '\r' {
            out.push(c);
        } else if c.is_control()
            || crate::i18n::is_invisible(c)
            || c == '\u{FFFE}'
            || c == '\u{FFFF}'
        {
            out.push_str(&escape_markup(c.encode_utf8(&mut buf)));
        } else {
            out.push(c);
        }
    }
    out
}

fn sha256_base64(text: &str) -> String {
    aws_smithy_types::base64::encode(sha2::Sha256::digest(text.as_bytes()))
}

/// One column per step: its number, id and title.
struct StepColumn {
    id: String,
    title: String,
}

fn step_columns(class: &Class, lesson: Option<&Lesson>, lang: Lang) -> Vec<StepColumn> {
    let ids: Vec<String> = match (lesson, class.students.first()) {
        (Some(l), _) => l.steps.iter().map(|s| s.id.clone()).collect(),
        (None, Some(s)) => s.verify.steps.iter().map(|s| s.id.clone()).collect(),
        (None, None) => Vec::new(),
    };
    ids.into_iter()
        .map(|id| StepColumn {
            title: lesson
                .and_then(|l| l.step(&id))
                .map_or_else(|| id.clone(), |s| s.title.get(lang).to_string()),
            id,
        })
        .collect()
}

fn summary(class: &Class, lang: Lang) -> Markup {
    let s = class.summary();
    let cards = [
        (
            "graded",
            t("grade.html-graded", lang),
            format!("{} / {}", s.graded, s.total),
        ),
        ("mean", t("grade.html-mean", lang), format!("{:.1}", s.mean)),
        ("passed", t("grade.html-passed", lang), s.passed.to_string()),
        ("late", t("grade.html-late", lang), s.late.to_string()),
        (
            "unreadable",
            t("grade.html-unreadable", lang),
            s.unreadable.to_string(),
        ),
        (
            "skipped",
            t("grade.html-skipped", lang),
            class.skipped.len().to_string(),
        ),
    ];
    html! {
        section aria-labelledby="summary" {
            h2 id="summary" { (t("grade.html-summary", lang)) }
            dl.cards {
                @for (field, label, value) in cards {
                    div { dt { (label) } dd data-field=(field) { (value) } }
                }
            }
        }
    }
}

/// A range of scores and how many readable students scored in it.
pub struct Bucket {
    pub low: u32,
    pub high: u32,
    pub count: usize,
}

impl Bucket {
    /// `90–99`, or `100` for the bucket of full points.
    pub fn label(&self) -> String {
        if self.low == self.high {
            self.low.to_string()
        } else {
            format!("{}–{}", self.low, self.high)
        }
    }
}

/// The score distribution both report.md and report.html show: a bucket for each tenth of the
/// possible points, and full points a bucket of its own (a class where many finish shows them
/// apart from those who nearly did).
pub fn buckets(class: &Class) -> Vec<Bucket> {
    let possible = class.possible().max(1);
    let mut buckets: Vec<Bucket> = (0..10)
        .map(|i| {
            let low = possible * i / 10;
            let high = (possible * (i + 1) / 10).saturating_sub(1).max(low);
            Bucket {
                low,
                high,
                count: 0,
            }
        })
        .collect();
    buckets.push(Bucket {
        low: possible,
        high: possible,
        count: 0,
    });
    for s in class.readable() {
        let score = s.score.unwrap_or(0).min(possible);
        let i = if score == possible {
            10
        } else {
            ((score * 10) / possible).min(9) as usize
        };
        buckets[i].count += 1;
    }
    buckets
}

fn histogram(class: &Class, lang: Lang) -> Markup {
    let buckets = buckets(class);
    let possible = class.possible().max(1);
    let top = buckets.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let (left, bar, gap, base, height) = (8.0, 24.0, 4.0, 150.0, 120.0);
    let axis = Text::new("grade.html-histogram-axis")
        .arg("possible", possible)
        .render(lang);
    html! {
        section aria-labelledby="histogram" {
            h2 id="histogram" { (t("grade.md-distribution", lang)) }
            svg.histogram viewBox="0 0 316 190" role="img" aria-labelledby="histogram-title" {
                title id="histogram-title" { (t("grade.html-histogram-title", lang)) }
                @for (i, b) in buckets.iter().enumerate() {
                    @let x = left + i as f64 * (bar + gap);
                    @let h = height * b.count as f64 / top as f64;
                    rect.bar x=(x) y=(format!("{:.1}", base - h)) width=(bar) height=(format!("{h:.1}"))
                        data-low=(b.low) data-high=(b.high) data-count=(b.count) {
                        title { (b.label()) ": " (b.count) }
                    }
                    text.count x=(x + bar / 2.0) y=(format!("{:.1}", base - h - 4.0)) text-anchor="middle" { (b.count) }
                    text.label x=(x + bar / 2.0) y=(base + 14.0) text-anchor="middle" { (b.low) }
                }
                line.axis x1=(left) y1=(base) x2="312" y2=(base) {}
                text.label x="312" y="184" text-anchor="end" { (axis) }
            }
        }
    }
}

fn completion(class: &Class, steps: &[StepColumn], lang: Lang) -> Markup {
    let readable: Vec<&Student> = class.readable().collect();
    html! {
        section aria-labelledby="completion" {
            h2 id="completion" { (t("grade.md-steps", lang)) }
            ol.steps {
                @for (i, step) in steps.iter().enumerate() {
                    @let done = readable
                        .iter()
                        .filter(|s| s.verify.steps.get(i).is_some_and(|v| v.status.is_done()))
                        .count();
                    @let percent = if readable.is_empty() {
                        0.0
                    } else {
                        100.0 * done as f64 / readable.len() as f64
                    };
                    li data-step=(step.id) {
                        span.title { (step.title) }
                        span.num {
                            (Text::new("grade.html-done-of")
                                .arg("done", done)
                                .arg("total", readable.len())
                                .arg("percent", format!("{percent:.0}"))
                                .render(lang))
                        }
                        svg.progress viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true" {
                            rect.track width="100" height="10" {}
                            rect.done width=(format!("{percent:.1}")) height="10" data-done=(done) data-of=(readable.len()) {}
                        }
                    }
                }
            }
        }
    }
}

fn failing(class: &Class, lang: Lang, audience: Audience) -> Markup {
    let list = common_failures(class);
    let anonymous = audience == Audience::Class;
    // For the class: every student's name, account, roster key and column value taken out of
    // the words once more, and any account or resource id, for a message the class view did not
    // know or an older file that has no class view (its words are the first student's).
    let shown = |text: &str| {
        if anonymous {
            scrub(text, class)
        } else {
            text.to_string()
        }
    };
    html! {
        section aria-labelledby="failing" {
            h2 id="failing" { (t("grade.md-failing", lang)) }
            @if list.is_empty() {
                p { (t("grade.html-none", lang)) }
            } @else {
                ol.failing {
                    @for group in list.iter().take(10) {
                        @let cause = (!anonymous).then_some(&group.cause);
                        li data-check=(group.check) data-cause=[cause] data-count=(group.who.len()) {
                            h3 {
                                code { (group.check) }
                                " "
                                span.count {
                                    (Text::new("grade.students").arg("count", group.who.len()).render(lang))
                                }
                            }
                            p { (shown(&group.message)) }
                            @if let Some(fix) = &group.fix {
                                h4.hint { (t("grade.html-fix", lang)) }
                                pre { (shown(fix)) }
                            }
                            @if !anonymous {
                                p.who { (t("grade.html-who", lang)) ": " (group.who.join(", ")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `text` without any student's account id, roster key or roster column value (a placeholder
/// in their place), and without an account id anyone's ARN might carry.
fn scrub(text: &str, class: &Class) -> String {
    let mut out = text.to_string();
    for s in &class.students {
        if let Some(account) = s.account.as_deref().filter(|a| !a.is_empty()) {
            out = out.replace(account, "<account-id>");
        }
        let mut values: Vec<&str> = s.key.as_deref().into_iter().collect();
        values.extend(s.columns.iter().map(|(_, v)| v.as_str()));
        values.push(&s.student);
        // A value of one or two letters would take letters out of words.
        for v in values.into_iter().filter(|v| v.chars().count() >= 3) {
            out = out.replace(v, "<…>");
        }
    }
    super::cause::anonymize(&out, None)
}

pub(super) fn badge(status: Status, lang: Lang) -> Markup {
    html! {
        span class={ "badge " (status.as_str()) } {
            (crate::report::text::status_word(status, lang))
        }
    }
}

/// A status as a number that sorts from broken to done, so that sorting a step's column puts
/// who needs help first.
fn rank(status: Status) -> u8 {
    match status {
        Status::Error => 0,
        Status::Fail => 1,
        Status::Skip => 2,
        Status::Pending => 3,
        Status::Warn => 4,
        Status::Pass | Status::Tip => 5,
    }
}

/// A column of the students' table: its label, the step's id under a step's title, and how it
/// sorts.
struct Column {
    label: String,
    step: Option<String>,
    kind: &'static str,
}

fn students(class: &Class, steps: &[StepColumn], lang: Lang) -> Markup {
    let plain = |label: String, kind| Column {
        label,
        step: None,
        kind,
    };
    let mut columns = vec![
        plain(t("grade.head-student", lang), "text"),
        plain(t("grade.head-account", lang), "text"),
        plain(t("grade.head-score", lang), "num"),
    ];
    for (i, step) in steps.iter().enumerate() {
        columns.push(Column {
            label: format!("{}. {}", i + 1, step.title),
            step: Some(step.id.clone()),
            kind: "num",
        });
    }
    columns.push(plain(t("grade.head-late", lang), "num"));
    columns.push(plain(t("grade.head-error", lang), "text"));
    let yes = t("grade.late-yes", lang);
    html! {
        section aria-labelledby="students-title" {
            h2 id="students-title" { (t("grade.html-students", lang)) }
            p.hint { (t("grade.html-sort-hint", lang)) }
            // The table scrolls in its own box, both ways, so that its header can stick to the
            // box's top: sticking is to the nearest ancestor that scrolls.
            div.scroll {
                table id="students" {
                    thead {
                        tr {
                            @for (i, column) in columns.iter().enumerate() {
                                @let class_name = match (column.kind, &column.step) {
                                    ("num", None) => Some("num"),
                                    ("num", Some(_)) => Some("step"),
                                    _ => None,
                                };
                                th scope="col" class=[class_name] data-step=[&column.step] {
                                    button type="button" data-col=(i) data-type=(column.kind) {
                                        (column.label)
                                        @if let Some(id) = &column.step {
                                            " " code.step-id { (id) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @for s in &class.students {
                        tbody {
                            (student_row(s, steps, &yes, lang))
                            (findings(s, columns.len(), lang))
                        }
                    }
                }
            }
        }
    }
}

fn student_row(s: &Student, steps: &[StepColumn], yes: &str, lang: Lang) -> Markup {
    let account = s.account.as_deref().unwrap_or("-");
    let error = s.error.as_deref().unwrap_or("");
    html! {
        tr.student {
            td.name data-sort=(s.student) { (s.student) }
            td.account data-sort=(account) { code { (account) } }
            // Not graded is not zero: no points, sorted below every graded student.
            td.num data-sort=(s.score.map_or(-1, i64::from)) data-field="score" {
                (s.score.map_or_else(|| "-".to_string(), |n| n.to_string())) " / " (s.verify.score.possible)
            }
            @for (i, _) in steps.iter().enumerate() {
                @match s.verify.steps.get(i) {
                    Some(step) => {
                        td.step data-sort=(rank(step.status)) data-step=(step.id)
                            data-status=(step.status.as_str()) data-earned=(step.earned) {
                            (badge(step.status, lang)) " " span.pts { (step.earned) "/" (step.points) }
                        }
                    }
                    None => { td data-sort="9" { "-" } }
                }
            }
            td.num data-sort=(u8::from(s.late)) data-field="late" {
                @if s.late {
                    span.late title=(super::class::late_text(s)) { (yes) }
                }
            }
            td.error-text data-sort=(error) { (error) }
        }
    }
}

/// What a student's findings come to: those to look at (not passed, not a tip) and the tips,
/// each once (an error repeated by every step, an account that could not be read, once).
pub(super) fn findings_of(s: &Student) -> (Vec<&Check>, Vec<&Check>) {
    let mut shown: Vec<&Check> = Vec::new();
    for c in s.verify.steps.iter().flat_map(|v| &v.checks) {
        if c.status != Status::Pass && !shown.iter().any(|d| d.id == c.id && d.message == c.message)
        {
            shown.push(c);
        }
    }
    shown.into_iter().partition(|c| c.status != Status::Tip)
}

/// A student's findings folded under their row: those to look at counted, tips said apart, and
/// nothing at all when every check passed.
fn findings(s: &Student, span: usize, lang: Lang) -> Markup {
    let (issues, tips) = findings_of(s);
    let label = match (issues.len(), tips.len()) {
        (0, 0) => None,
        (0, n) => Some(Text::new("grade.html-tips").arg("count", n).render(lang)),
        (n, 0) => Some(
            Text::new("grade.html-findings")
                .arg("count", n)
                .render(lang),
        ),
        (n, m) => Some(
            Text::new("grade.html-findings-and-tips")
                .arg("count", n)
                .arg("tips", m)
                .render(lang),
        ),
    };
    html! {
        tr.findings {
            td colspan=(span) {
                @if let Some(label) = label {
                    details {
                        summary { (label) }
                        ul {
                            @for c in issues.iter().chain(&tips) {
                                li {
                                    (badge(c.status, lang)) " " code { (c.id) } " " (c.message)
                                    @if let Some(fix) = &c.remediation {
                                        pre { (fix) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Accounts that could not be read, roster lines that were not used, accounts not graded, and
/// late work.
fn left_out(class: &Class, lang: Lang) -> Markup {
    let named = |name: &str, text: &str| html! { li { strong { (name) } ": " (text) } };
    let unreadable: Vec<Markup> = class
        .students
        .iter()
        .filter_map(|s| s.error.as_ref().map(|e| named(&s.student, e)))
        .chain(class.roster_errors.iter().map(|r| {
            html! {
                li { (Text::new("grade.line").arg("line", r.line).render(lang)) ": " (r.message) }
            }
        }))
        .collect();
    let skipped: Vec<Markup> = class
        .skipped
        .iter()
        .map(|s| html! { li { strong { (s.name) } " (" code { (s.account) } "): " (s.reason) } })
        .collect();
    let late: Vec<Markup> = class
        .students
        .iter()
        .filter(|s| s.late)
        .map(|s| named(&s.student, &super::class::late_text(s)))
        .collect();
    let undatable: Vec<Markup> = class
        .students
        .iter()
        .filter(|s| !s.undatable.is_empty())
        .map(|s| named(&s.student, &super::class::undatable_text(s)))
        .collect();
    html! {
        @for (id, key, items) in [
            ("unreadable", "grade.md-unreadable", unreadable),
            ("skipped", "grade.html-skipped-title", skipped),
            ("late", "grade.md-late", late),
            ("undatable", "grade.md-undatable", undatable),
        ] {
            @if !items.is_empty() {
                section aria-labelledby=(id) {
                    h2 id=(id) { (t(key, lang)) }
                    ul.plain { @for item in items { (item) } }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A class of one student named `name`, with `error` as the reason it was not graded.
    fn one_student(name: &str, error: &str) -> String {
        serde_json::json!({
            "lesson": "x",
            "complete": false,
            "incomplete": error,
            "students": [{
                "student": name, "account": "123456789012", "score": null, "late": false,
                "error": error,
                "verify": {"status": "error", "score": {"earned": 0, "possible": 100}, "steps": [
                    {"id": "policy", "status": "error", "points": 100, "earned": 0, "checks": [
                        {"id": "policy.read", "status": "error", "message": error, "remediation": error}
                    ]}
                ]}
            }],
            "skipped": [{"account": "111122223333", "name": name, "reason": error}],
            "roster_errors": [{"line": 2, "message": error}]
        })
        .to_string()
    }

    #[test]
    fn a_hostile_value_is_text_wherever_it_goes() {
        let name = "<script>alert('x')</script> & \"q\" \u{202e}evil\u{200b}\u{1b}[31m";
        let error = "<img src=x onerror=alert(1)> \u{2066}";
        let html = render(&one_student(name, error), None, Lang::En).expect("renders");
        let parsed = scraper::Html::parse_document(&html);
        let select = |css: &str| scraper::Selector::parse(css).expect("selector");
        // The page's own script and nothing else: the names are text, not elements.
        assert_eq!(parsed.select(&select("script")).count(), 1);
        assert_eq!(parsed.select(&select("img")).count(), 0);
        assert!(!html.contains("<script>alert"), "{html}");
        let shown = "<script>alert('x')</script> & \"q\" <U+202E>evil<U+200B>[31m";
        let cell = parsed
            .select(&select("td.name"))
            .next()
            .expect("the student's row");
        assert_eq!(cell.text().collect::<String>(), shown);
        assert_eq!(cell.value().attr("data-sort"), Some(shown));
        let error_cell = parsed
            .select(&select("td.error-text"))
            .next()
            .expect("the error cell");
        // The whole error, as text, wrapping in its cell.
        assert_eq!(
            error_cell.text().collect::<String>(),
            "<img src=x onerror=alert(1)> <U+2066>"
        );
        // No raw bidirectional, zero-width or control character anywhere on the page.
        assert!(
            !html
                .chars()
                .any(|c| crate::i18n::is_invisible(c) || (c.is_control() && c != '\n')),
            "{html}"
        );
        for found in ["skipped", "unreadable"] {
            let section = parsed
                .select(&select(&format!("section[aria-labelledby={found}]")))
                .next()
                .unwrap_or_else(|| panic!("the {found} section"));
            assert!(section.text().collect::<String>().contains(shown) || found == "unreadable");
            assert!(section.text().collect::<String>().contains("<img src=x"));
        }
    }

    #[test]
    fn the_page_allows_exactly_its_own_script_and_style() {
        let json = r#"{"lesson":"x","students":[],"roster_errors":[]}"#;
        let html = render(json, None, Lang::En).expect("renders");
        let parsed = scraper::Html::parse_document(&html);
        let policy =
            scraper::Selector::parse("meta[http-equiv=Content-Security-Policy]").expect("selector");
        let policy = parsed
            .select(&policy)
            .next()
            .and_then(|m| m.value().attr("content"))
            .expect("a Content-Security-Policy");
        assert_eq!(
            policy,
            format!(
                "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; base-uri 'none'; form-action 'none'",
                sha256_base64(STYLE),
                sha256_base64(SCRIPT)
            )
        );
        // The hashes are over exactly what the page holds.
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
        assert!(html.contains(&format!("<style>{STYLE}</style>")));
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(
            !html.contains(" src=") && !html.contains(" href="),
            "no external resource"
        );
        // The known digest of an empty input, so the encoding is the one browsers compare.
        assert_eq!(
            sha256_base64(""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn scores_fall_into_tenths_of_the_possible_points() {
        let student = |score: u32| Student {
            student: "s".into(),
            key: None,
            columns: Vec::new(),
            account: None,
            region: None,
            graded_at: None,
            status: None,
            score: Some(score),
            late: false,
            late_steps: Vec::new(),
            late_detail: Vec::new(),
            undatable: Vec::new(),
            error: None,
            verify: Verify {
                status: Status::Fail,
                score: Score {
                    earned: score,
                    possible: 100,
                },
                steps: Vec::new(),
            },
        };
        let class = Class {
            lesson: "x".into(),
            lesson_version: None,
            graded_at: None,
            regions: Vec::new(),
            awslab_version: None,
            roster: None,
            complete: true,
            incomplete: None,
            deadline: None,
            students: [0, 9, 10, 55, 99, 100].into_iter().map(student).collect(),
            roster_errors: Vec::new(),
            skipped: Vec::new(),
        };
        let buckets = buckets(&class);
        let counts: Vec<usize> = buckets.iter().map(|b| b.count).collect();
        // Full points a bucket of its own, after 90–99.
        assert_eq!(counts, [2, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1]);
        let labels: Vec<String> = buckets.iter().map(Bucket::label).collect();
        assert_eq!(labels[0], "0–9");
        assert_eq!(labels[9], "90–99");
        assert_eq!(labels[10], "100");
        // report.md draws the same buckets with the same labels.
        let md = crate::grade::report::markdown(&class, None, Lang::En);
        assert!(md.contains("| 90–99 | 1 █ |"), "{md}");
        assert!(md.contains("| 100 | 1 █ |"), "{md}");
    }
}
