//! The class's grades as instructors and learning platforms use them: a terminal table,
//! grades.csv, grades.json, junit.xml, report.md and report.html (`html`).
//!
//! Names, tag values and messages come from student accounts and rosters. Each output keeps them
//! inert in its own way: grades.csv disarms spreadsheet formulas, report.md escapes Markdown and
//! HTML, report.html escapes HTML.

use super::Graded;
use super::class::{
    Class, Student, about, common_failures, incomplete_banner, late_text, undatable_text,
};
use super::organization::Skipped;
use super::roster::RowError;
use crate::finding::Status;
use crate::i18n::{Lang, Text};
use crate::lesson::Lesson;
use crate::report::json as verdict_json;
use crate::report::text::status_word;
use std::fmt::Write;

/// One grading run: what every report is drawn from.
pub struct Outcome<'a> {
    pub lesson: &'a Lesson,
    pub graded: &'a [Graded],
    /// Roster rows that were not graded because they are malformed.
    pub rejected: &'a [RowError],
    /// Accounts of the organization that were not graded, with why.
    pub skipped: &'a [Skipped],
    pub meta: &'a Meta,
    pub lang: Lang,
}

/// What a set of grades is: every output carries it.
#[derive(Debug, Clone)]
pub struct Meta {
    /// When the run began (Unix seconds).
    pub graded_at: i64,
    /// The deadline as given (RFC 3339).
    pub deadline: Option<String>,
    /// Where the class came from: the roster file, the organization, its units.
    pub roster: String,
    /// Why the run is not the whole class's grades, if it is not (a sentence).
    pub incomplete: Option<String>,
    /// The run's own folder under `--out`, as `runs/<time>`.
    pub run: Option<String>,
    /// The students `--only` picked (none: the whole class).
    pub only: Vec<String>,
}

/// Time as grades carry it: RFC 3339 in UTC, `2026-12-03T13:25:00Z`.
pub fn stamp(secs: i64) -> String {
    crate::time::utc(secs)
        .replacen(' ', "T", 1)
        .replace(" UTC", "Z")
}

/// A cell as a spreadsheet may read it: text that would start a formula gets a leading `'`, as
/// OWASP advises against CSV injection. The CSV writer quotes what needs quoting afterwards.
fn csv_cell(text: &str) -> String {
    let text = crate::i18n::unhide(text);
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

/// grades.csv: a plain table an LMS imports, one row per student. An account that could not be
/// read has empty points (not zero) and the status `not graded`.
/// The columns grades.csv writes itself: a roster column of the same name is not repeated.
const CSV_COLUMNS: &[&str] = &[
    "student",
    "account",
    "total",
    "possible",
    "status",
    "late",
    "error",
    "graded_at",
    "region",
];

pub fn csv(class: &Class, lesson: Option<&Lesson>) -> String {
    let steps: Vec<String> = match (lesson, class.students.first()) {
        (Some(l), _) => l.steps.iter().map(|s| s.id.clone()).collect(),
        (None, Some(s)) => s.verify.steps.iter().map(|s| s.id.clone()).collect(),
        (None, None) => Vec::new(),
    };
    // The roster's own columns (student_id, email, section, …) right after the name, in the
    // order the class first shows them, so that an LMS import matches rows as its roster does.
    let mut columns: Vec<&str> = Vec::new();
    for (name, _) in class.students.iter().flat_map(|s| &s.columns) {
        if !columns.contains(&name.as_str()) && !CSV_COLUMNS.contains(&name.as_str()) {
            columns.push(name);
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["student".to_string()];
    header.extend(columns.iter().map(|c| c.to_string()));
    header.push("account".to_string());
    header.extend(steps.iter().cloned());
    header.extend(
        [
            "total",
            "possible",
            "status",
            "late",
            "error",
            "graded_at",
            "region",
        ]
        .map(String::from),
    );
    let _ = w.write_record(header.iter().map(|h| csv_cell(h)));
    for g in &class.students {
        let graded = g.score.is_some();
        let mut row = vec![g.student.clone()];
        row.extend(columns.iter().map(|c| {
            g.columns
                .iter()
                .find(|(name, _)| name == c)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        }));
        row.push(g.account.clone().unwrap_or_default());
        row.extend(steps.iter().map(|id| {
            g.verify
                .steps
                .iter()
                .find(|s| &s.id == id)
                .filter(|_| graded)
                .map(|s| s.earned.to_string())
                .unwrap_or_default()
        }));
        row.push(g.score.map(|s| s.to_string()).unwrap_or_default());
        row.push(g.verify.score.possible.to_string());
        row.push(g.status().to_string());
        row.push(g.late.to_string());
        row.push(g.error.clone().unwrap_or_default());
        row.push(g.graded_at.clone().unwrap_or_default());
        row.push(g.region.clone().unwrap_or_default());
        let _ = w.write_record(row.iter().map(|c| csv_cell(c)));
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// grades.csv as Excel on Windows reads UTF-8 (Korean names included): after a byte order mark.
pub fn with_bom(csv: String, bom: bool) -> String {
    if bom { format!("\u{feff}{csv}") } else { csv }
}

/// The run's grades.json: what it is, then every student graded.
pub fn document(o: &Outcome) -> serde_json::Value {
    let mut regions: Vec<&str> = o.graded.iter().map(|g| g.region.as_str()).collect();
    regions.sort_unstable();
    regions.dedup();
    serde_json::json!({
        "lesson": o.lesson.id,
        "lesson_version": o.lesson.version,
        "lang": o.lang.code(),
        "graded_at": stamp(o.meta.graded_at),
        "regions": regions,
        "awslab_version": env!("CARGO_PKG_VERSION"),
        "deadline": o.meta.deadline,
        "roster": o.meta.roster,
        "complete": o.meta.incomplete.is_none(),
        "incomplete": o.meta.incomplete,
        "run": o.meta.run,
        "only": o.meta.only,
        "students": o.graded.iter().map(|g| student(g, o.lang)).collect::<Vec<_>>(),
        "roster_errors": o.rejected,
        "skipped": o.skipped.iter().map(|s| s.to_json(o.lang)).collect::<Vec<_>>(),
    })
}

/// One student's entry of grades.json: the verify JSON of the account, and for each check that
/// is not done its cause and fix as the class summary shows them (without this student's ids).
fn student(g: &Graded, lang: Lang) -> serde_json::Value {
    let mut verify = verdict_json::verdict(&g.verdict, lang);
    let account = g.account.as_deref();
    let findings = g.verdict.steps.iter().flat_map(|s| &s.findings);
    let checks = verify["steps"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .flat_map(|s| s["checks"].as_array_mut().into_iter().flatten());
    for (check, finding) in checks.zip(findings) {
        if matches!(finding.status, Status::Fail | Status::Pending) {
            check["class"] = super::cause::class_view(finding, account, lang);
        }
    }
    serde_json::json!({
        "student": g.student,
        "key": g.key,
        "columns": g.columns,
        "account": g.account,
        "region": g.region,
        "graded_at": stamp(g.graded_at),
        "status": g.status(),
        "score": g.score(),
        "late": g.late(),
        "late_steps": g.late_steps(),
        "late_detail": g.late.iter().map(|l| serde_json::json!({
            "step": l.step, "at": stamp(l.at), "no_credit": l.no_credit,
        })).collect::<Vec<_>>(),
        "undatable": g.undatable.iter().map(|(step, key)| serde_json::json!({
            "step": step, "what": Text::new(key).render(lang),
        })).collect::<Vec<_>>(),
        "error": g.error,
        "verify": verify,
    })
}

/// A document as written to disk.
pub fn to_text(value: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}

pub fn json(o: &Outcome) -> String {
    to_text(&document(o))
}

/// What a set of grades is, in one line: when, where, against what, from whom, whole or not.
pub fn about_line(class: &Class, lang: Lang) -> String {
    about(class, lang)
        .into_iter()
        .map(|(_, label, value)| format!("{label}: {value}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// report.html, drawn from the same document as grades.json.
pub fn html(class_json: &str, lesson: &Lesson, lang: Lang) -> String {
    // `json` wrote it a moment ago; it parses unless serde_json contradicts itself.
    super::html::render(class_json, Some(lesson), lang).unwrap_or_default()
}

/// junit.xml: a testsuite per student, a testcase per check, and what the grades are as each
/// suite's properties.
pub fn junit(class: &Class) -> String {
    use crate::report::escape_markup as esc;
    let mut body = String::new();
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    for s in &class.students {
        let checks: Vec<&super::class::Check> =
            s.verify.steps.iter().flat_map(|st| &st.checks).collect();
        let count = |f: &dyn Fn(Status) -> bool| checks.iter().filter(|c| f(c.status)).count();
        let (t, f, e, k) = (
            checks.len(),
            count(&|s| s == Status::Fail),
            count(&|s| s == Status::Error),
            count(&|s| matches!(s, Status::Skip | Status::Pending)),
        );
        tests += t;
        failures += f;
        errors += e;
        skipped += k;
        let _ = writeln!(
            body,
            "  <testsuite name=\"{}\" tests=\"{t}\" failures=\"{f}\" errors=\"{e}\" skipped=\"{k}\" timestamp=\"{}\">",
            esc(&s.student),
            esc(s.graded_at.as_deref().unwrap_or(""))
        );
        let mut properties = vec![
            ("lesson", class.lesson.clone()),
            (
                "lesson_version",
                class.lesson_version.clone().unwrap_or_default(),
            ),
            ("account", s.account.clone().unwrap_or_default()),
            ("region", s.region.clone().unwrap_or_default()),
            ("graded_at", s.graded_at.clone().unwrap_or_default()),
            (
                "score",
                s.score
                    .map(|n| format!("{n}/{}", s.verify.score.possible))
                    .unwrap_or_default(),
            ),
            ("status", s.status().to_string()),
            ("late", s.late.to_string()),
            (
                "awslab_version",
                class.awslab_version.clone().unwrap_or_default(),
            ),
            ("deadline", class.deadline.clone().unwrap_or_default()),
            ("roster", class.roster.clone().unwrap_or_default()),
            ("complete", class.complete.to_string()),
        ];
        if let Some(error) = &s.error {
            properties.push(("error", error.clone()));
        }
        let _ = write!(body, "    <properties>");
        for (name, value) in properties {
            let _ = write!(
                body,
                "<property name=\"{name}\" value=\"{}\"/>",
                esc(&value)
            );
        }
        let _ = writeln!(body, "</properties>");
        for step in &s.verify.steps {
            for c in &step.checks {
                let _ = write!(
                    body,
                    "    <testcase classname=\"{}.{}\" name=\"{}\">",
                    esc(&class.lesson),
                    esc(&step.id),
                    esc(&c.id)
                );
                let fix = c.remediation.as_deref().unwrap_or("");
                match c.status {
                    Status::Fail | Status::Error => {
                        let tag = if c.status == Status::Fail {
                            "failure"
                        } else {
                            "error"
                        };
                        let _ = write!(
                            body,
                            "<{tag} message=\"{}\">{}</{tag}>",
                            esc(&c.message),
                            esc(fix)
                        );
                    }
                    Status::Skip | Status::Pending => {
                        let _ = write!(body, "<skipped message=\"{}\"/>", esc(&c.message));
                    }
                    Status::Pass | Status::Tip | Status::Warn => {}
                }
                let _ = writeln!(
                    body,
                    "<system-out>{}</system-out></testcase>",
                    esc(&format!("[{}] {}", c.status.as_str(), c.message))
                );
            }
        }
        body.push_str("  </testsuite>\n");
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"awslab\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" timestamp=\"{}\">",
        esc(class.graded_at.as_deref().unwrap_or(""))
    );
    out.push_str(&body);
    out.push_str("</testsuites>\n");
    out
}

/// The class on a terminal, within 120 columns: a mark per step under its number, the steps and
/// marks named below, and each account that could not be read with why, on a line of its own.
pub fn table(o: &Outcome) -> String {
    use crate::report::{pad, width};
    let (lesson, graded, lang) = (o.lesson, o.graded, o.lang);
    let head = |key: &'static str| Text::new(key).render(lang);
    let (student, account, score, late) = (
        head("grade.head-student"),
        head("grade.head-account"),
        head("grade.head-score"),
        head("grade.head-late"),
    );
    let name_w = graded
        .iter()
        .map(|g| width(&g.student))
        .chain([width(&student)])
        .max()
        .unwrap_or(7);
    let account_w = width(&account).max(12);
    let score_w = width(&score).max(5);
    let numbers: Vec<String> = (1..=lesson.steps.len()).map(|n| n.to_string()).collect();
    let step_w = numbers.iter().map(|n| width(n)).max().unwrap_or(1);
    let mut out = String::new();
    let _ = write!(
        out,
        "{}  {}  {}",
        pad(&student, name_w),
        pad(&account, account_w),
        pad(&score, score_w)
    );
    for n in &numbers {
        let _ = write!(out, " {}", pad(n, step_w));
    }
    let _ = writeln!(out, "  {late}");
    let yes = head("grade.late-yes");
    for g in graded {
        let _ = write!(
            out,
            "{}  {}  {:>score_w$}",
            pad(&g.student, name_w),
            pad(g.account.as_deref().unwrap_or("-"), account_w),
            g.score().map_or_else(|| "-".to_string(), |n| n.to_string())
        );
        for s in &g.verdict.steps {
            let _ = write!(out, " {}", pad(mark(s.status), step_w));
        }
        let _ = writeln!(out, "  {}", if g.late() { yes.as_str() } else { "" });
    }
    let steps: Vec<String> = lesson
        .steps
        .iter()
        .zip(&numbers)
        .map(|(s, n)| format!("{n} {}", s.id))
        .collect();
    let _ = writeln!(
        out,
        "\n{}",
        Text::new("grade.table-steps")
            .arg("steps", steps.join(" · "))
            .render(lang)
    );
    let marks: Vec<String> = [
        Status::Pass,
        Status::Fail,
        Status::Pending,
        Status::Skip,
        Status::Error,
    ]
    .iter()
    .map(|s| format!("{} {}", mark(*s), status_word(*s, lang)))
    .collect();
    let _ = writeln!(out, "{}", marks.join("  "));
    let unread: Vec<&Graded> = graded.iter().filter(|g| g.error.is_some()).collect();
    if !unread.is_empty() {
        let _ = writeln!(out, "\n{}", head("grade.table-not-graded"));
        for g in unread {
            let _ = writeln!(out, "  {}: {}", g.student, g.error.as_deref().unwrap_or(""));
        }
    }
    let _ = writeln!(out, "\n{}", summary_line(graded, lang));
    if let Ok(class) = serde_json::from_value::<Class>(document(o)) {
        let _ = writeln!(out, "{}", about_line(&class, lang));
    }
    out
}

/// A step's status as one mark in the terminal table.
fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass | Status::Tip | Status::Warn => "✓",
        Status::Fail => "✗",
        Status::Pending => "…",
        Status::Skip => "-",
        Status::Error => "!",
    }
}

/// An account the organization has that was not graded, and why (for standard error).
pub fn skipped_line(s: &Skipped, lang: Lang) -> String {
    Text::new("grade.skipped")
        .arg("name", &s.name)
        .arg("account", &s.account)
        .arg("reason", s.why.render(lang))
        .render(lang)
}

fn summary_line(graded: &[Graded], lang: Lang) -> String {
    let scores: Vec<u32> = graded.iter().filter_map(Graded::score).collect();
    let mean = if scores.is_empty() {
        0.0
    } else {
        scores.iter().sum::<u32>() as f64 / scores.len() as f64
    };
    summary_text(
        scores.len(),
        graded.len(),
        mean,
        graded
            .iter()
            .filter(|g| g.error.is_none() && g.verdict.status == Status::Pass)
            .count(),
        lang,
    )
}

fn summary_text(graded: usize, total: usize, mean: f64, passed: usize, lang: Lang) -> String {
    Text::new("grade.summary")
        .arg("graded", graded)
        .arg("total", total)
        .arg("mean", format!("{mean:.1}"))
        .arg("passed", passed)
        .render(lang)
}

/// Text from an account or a roster as Markdown shows it, never as markup: HTML, links, images,
/// emphasis, code and table cells are escaped with backslashes (CommonMark's escapes), a line
/// start that would open a heading, list or quote too, and line breaks become spaces. A bare
/// URL or address stays text, not a link (GitHub's Markdown links them): the `:` of `://`, the
/// `.` after `www` and every `@` are escaped. Bidirectional controls and zero-width characters
/// are shown by their code point (`<U+202E>`).
pub fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let after = |s: &str| chars[i + 1..].iter().take(s.len()).copied().eq(s.chars());
        let after_www = i >= 3 && chars[i - 3..i].iter().all(|w| w.eq_ignore_ascii_case(&'w'));
        match c {
            c if crate::i18n::is_invisible(c) => {
                out.push_str(&format!("\\<U+{:04X}\\>", c as u32));
            }
            ':' if after("//") => out.push_str("\\:"),
            '.' if after_www => out.push_str("\\."),
            '@' => out.push_str("\\@"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '!' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '#' | '-' | '+' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    // "1. " or "1) " at the start would open a numbered list.
    let digits = out.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && out[digits..].starts_with(['.', ')']) {
        out.insert(digits, '\\');
    }
    out
}

/// `text` as a fenced code block that no line of it can close: the fence is longer than any
/// run of backticks inside.
fn code_block(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}\n{text}\n{fence}")
}

/// The class summary an instructor discusses: what the grades are, how scores spread, which
/// checks failed most often for which cause and how to fix them.
pub fn markdown(class: &Class, lesson: Option<&Lesson>, lang: Lang) -> String {
    let t = |key: &'static str| Text::new(key).render(lang);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} — {}\n",
        md(lesson.map_or(class.lesson.as_str(), |l| l.title.get(lang))),
        t("grade.md-title")
    );
    if let Some(banner) = incomplete_banner(class, lang) {
        let _ = writeln!(out, "> **{}**\n", md(&banner));
    }
    for (_, label, value) in about(class, lang) {
        let _ = writeln!(out, "- {}", md(&format!("{label}: {value}")));
    }
    let summary = class.summary();
    let _ = writeln!(
        out,
        "\n{}\n",
        summary_text(
            summary.graded,
            summary.total,
            summary.mean,
            summary.passed,
            lang
        )
    );

    let _ = writeln!(out, "## {}\n", t("grade.md-distribution"));
    let _ = writeln!(
        out,
        "| {} | {} |\n|---|---|",
        t("grade.md-head-range"),
        t("grade.md-head-students")
    );
    let readable: Vec<&Student> = class
        .students
        .iter()
        .filter(|s| s.score.is_some())
        .collect();
    // The same buckets as report.html's histogram.
    for b in super::html::buckets(class) {
        let _ = writeln!(
            out,
            "| {} | {} {} |",
            b.label(),
            b.count,
            "█".repeat(b.count)
        );
    }

    let _ = writeln!(out, "\n## {}\n", t("grade.md-steps"));
    let _ = writeln!(
        out,
        "| {} | {} | {} |\n|---|---|---|",
        t("grade.md-head-step"),
        t("grade.md-head-done"),
        t("grade.md-head-of")
    );
    let steps: Vec<(String, String)> = match (lesson, class.students.first()) {
        (Some(l), _) => l
            .steps
            .iter()
            .map(|s| (s.id.clone(), s.title.get(lang).to_string()))
            .collect(),
        (None, Some(s)) => s
            .verify
            .steps
            .iter()
            .map(|s| (s.id.clone(), s.id.clone()))
            .collect(),
        (None, None) => Vec::new(),
    };
    for (id, title) in &steps {
        let done = readable
            .iter()
            .filter(|g| {
                g.verify
                    .steps
                    .iter()
                    .any(|s| &s.id == id && s.status.is_done())
            })
            .count();
        let _ = writeln!(out, "| {} | {done} | {} |", md(title), readable.len());
    }

    let failing = common_failures(class);
    let _ = writeln!(out, "\n## {}\n", t("grade.md-failing"));
    if failing.is_empty() {
        let _ = writeln!(out, "-");
    }
    for group in failing.iter().take(10) {
        let _ = writeln!(
            out,
            "### `{}` — {}\n\n{}\n",
            group.check,
            Text::new("grade.students")
                .arg("count", group.who.len())
                .render(lang),
            md(&group.message)
        );
        if let Some(fix) = group.fix.as_deref().filter(|f| !f.is_empty()) {
            let _ = writeln!(out, "{}\n", code_block(fix));
        }
        let names: Vec<String> = group.who.iter().map(|n| md(n)).collect();
        let _ = writeln!(out, "{}: {}\n", t("grade.html-who"), names.join(", "));
    }

    let unreadable: Vec<&Student> = class
        .students
        .iter()
        .filter(|s| s.error.is_some())
        .collect();
    if !unreadable.is_empty() || !class.roster_errors.is_empty() {
        let _ = writeln!(out, "## {}\n", t("grade.md-unreadable"));
        for g in unreadable {
            let _ = writeln!(
                out,
                "- {} ({}): {}",
                md(&g.student),
                md(g.account.as_deref().unwrap_or("-")),
                md(g.error.as_deref().unwrap_or(""))
            );
        }
        for r in &class.roster_errors {
            let _ = writeln!(
                out,
                "- {}: {}",
                Text::new("grade.line").arg("line", r.line).render(lang),
                md(&r.message)
            );
        }
    }
    if !class.skipped.is_empty() {
        let _ = writeln!(out, "\n## {}\n", t("grade.html-skipped-title"));
        for s in &class.skipped {
            let _ = writeln!(
                out,
                "- {} (`{}`): {}",
                md(&s.name),
                s.account,
                md(&s.reason)
            );
        }
    }
    let late: Vec<&Student> = class.students.iter().filter(|s| s.late).collect();
    if !late.is_empty() {
        let _ = writeln!(out, "\n## {}\n", t("grade.md-late"));
        for g in late {
            let _ = writeln!(out, "- {}: {}", md(&g.student), md(&late_text(g)));
        }
    }
    let undatable: Vec<&Student> = class
        .students
        .iter()
        .filter(|s| !s.undatable.is_empty())
        .collect();
    if !undatable.is_empty() {
        let _ = writeln!(out, "\n## {}\n", t("grade.md-undatable"));
        let _ = writeln!(out, "{}\n", t("grade.undatable-note"));
        for g in undatable {
            let _ = writeln!(out, "- {}: {}", md(&g.student), md(&undatable_text(g)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{StepVerdict, Verdict};
    use crate::lesson::Source;

    fn graded(student: &str, lesson: &Lesson) -> Graded {
        Graded {
            student: student.to_string(),
            key: None,
            columns: Vec::new(),
            line: 2,
            account: Some("111122223333".to_string()),
            verdict: Verdict {
                lesson: lesson.id.clone(),
                account: None,
                region: "ap-northeast-2".to_string(),
                status: Status::Fail,
                earned: 15,
                possible: 100,
                steps: lesson
                    .steps
                    .iter()
                    .map(|s| StepVerdict {
                        id: s.id.clone(),
                        status: Status::Fail,
                        points: s.points,
                        earned: 0,
                        findings: Vec::new(),
                    })
                    .collect(),
                fatal: None,
            },
            error: None,
            region: "ap-northeast-2".to_string(),
            graded_at: 0,
            late: Vec::new(),
            undatable: Vec::new(),
        }
    }

    fn meta() -> Meta {
        Meta {
            graded_at: 0,
            deadline: None,
            roster: "class.csv".into(),
            incomplete: None,
            run: None,
            only: Vec::new(),
        }
    }

    fn class_of(lesson: &Lesson, graded: &[Graded]) -> Class {
        let meta = meta();
        let doc = document(&Outcome {
            lesson,
            graded,
            rejected: &[],
            skipped: &[],
            meta: &meta,
            lang: Lang::En,
        });
        serde_json::from_value(doc).expect("a class")
    }

    #[test]
    fn korean_names_and_headers_line_up_by_display_width() {
        let lesson = Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).expect("lesson");
        let class = [
            graded("김민수", &lesson),
            graded("Alexandra Lee", &lesson),
            graded("이", &lesson),
        ];
        let table = table(&Outcome {
            lesson: &lesson,
            graded: &class,
            rejected: &[],
            skipped: &[],
            meta: &meta(),
            lang: Lang::Ko,
        });
        let lines: Vec<&str> = table.lines().take(4).collect();
        assert!(lines[0].starts_with("학생"), "{table}");
        // The account column starts at the same display column on every line.
        let columns: Vec<usize> = lines
            .iter()
            .map(|l| {
                let at = l
                    .find("111122223333")
                    .or_else(|| l.find("계정"))
                    .unwrap_or_else(|| panic!("no account column: {l}"));
                crate::report::width(&l[..at])
            })
            .collect();
        assert!(
            columns.windows(2).all(|w| w[0] == w[1]),
            "{columns:?}\n{table}"
        );
    }

    #[test]
    fn the_terminal_table_fits_120_columns_and_names_who_was_not_graded() {
        let lesson = Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).expect("lesson");
        let mut unread = graded("박지훈", &lesson);
        unread.error = Some(
            "Not graded: the account did not finish within 300 s \
                             (--account-timeout). Its AWS calls hang or are very slow."
                .into(),
        );
        let class = [
            graded("Alexandra Katherine Lee-Montgomery", &lesson),
            unread,
        ];
        let table = table(&Outcome {
            lesson: &lesson,
            graded: &class,
            rejected: &[],
            skipped: &[],
            meta: &meta(),
            lang: Lang::En,
        });
        let rows: Vec<&str> = table.lines().take(3).collect();
        for row in &rows {
            assert!(crate::report::width(row) <= 120, "{row}");
        }
        assert!(rows[0].contains(" 1 2 3 4 5 6"), "{table}");
        assert!(
            table.contains("Steps: 1 policy · 2 role · 3 trust"),
            "{table}"
        );
        assert!(
            table.contains("Not graded:\n  박지훈: Not graded: the account"),
            "{table}"
        );
    }

    #[test]
    fn urls_and_invisible_characters_from_accounts_stay_text_in_markdown() {
        let text = md("see https://evil.example/x www.evil.example me@evil.example \u{202e}gol");
        assert_eq!(
            text,
            "see https\\://evil.example/x www\\.evil.example me\\@evil.example \\<U+202E\\>gol"
        );
        // Every escape is CommonMark's: rendered, the text reads as it was, with no link.
        let mut html = String::new();
        pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(&text));
        assert!(!html.contains("<a"), "{html}");
        assert!(
            html.contains(
                "see https://evil.example/x www.evil.example me@evil.example &lt;U+202E&gt;gol"
            ),
            "{html}"
        );
    }

    #[test]
    fn csv_cells_show_invisible_characters() {
        let lesson = Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).expect("lesson");
        let class = [graded("kim\u{202e}nhoj", &lesson)];
        let text = csv(&class_of(&lesson, &class), Some(&lesson));
        assert!(text.contains("kim<U+202E>nhoj"), "{text}");
        assert!(!text.contains('\u{202e}'));
    }

    #[test]
    fn formula_cells_are_disarmed_and_stay_quoted() {
        let lesson = Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).expect("lesson");
        let mut hostile = graded("=HYPERLINK(\"http://x\",\"y\")", &lesson);
        hostile.error = Some("@SUM(1,2)".into());
        let class = [
            hostile,
            graded("-2+3", &lesson),
            graded("\tx", &lesson),
            graded("kim", &lesson),
        ];
        let text = csv(&class_of(&lesson, &class), Some(&lesson));
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(&rows[0][0], "'=HYPERLINK(\"http://x\",\"y\")");
        let headers = reader.headers().expect("header").clone();
        let error = headers
            .iter()
            .position(|h| h == "error")
            .expect("error column");
        assert_eq!(rows[0].get(error), Some("'@SUM(1,2)"));
        assert_eq!(&rows[1][0], "'-2+3");
        assert_eq!(&rows[2][0], "'\tx");
        assert_eq!(&rows[3][0], "kim");
        assert_eq!(rows[0].len(), rows[3].len(), "quoting keeps the columns");
    }

    #[test]
    fn an_account_not_read_has_no_points_and_says_so() {
        let lesson = Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).expect("lesson");
        let mut broken = graded("kim", &lesson);
        broken.error = Some("Could not reach AWS (sts:AssumeRole).".into());
        let class = class_of(&lesson, &[broken, graded("lee", &lesson)]);
        let text = csv(&class, Some(&lesson));
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<std::collections::BTreeMap<String, String>> =
            reader.deserialize().map(|r| r.expect("row")).collect();
        assert_eq!(rows[0]["total"], "");
        assert_eq!(rows[0]["policy"], "");
        assert_eq!(rows[0]["status"], "not graded");
        assert_eq!(rows[0]["graded_at"], "1970-01-01T00:00:00Z");
        assert_eq!(rows[1]["total"], "15");
        assert_eq!(rows[1]["status"], "fail");
    }

    #[test]
    fn markdown_syntax_from_accounts_is_escaped() {
        assert_eq!(md("<script>"), "\\<script\\>");
        assert_eq!(
            md("[x](javascript:alert(1))"),
            "\\[x\\](javascript:alert(1))"
        );
        assert_eq!(md("a | b\nc"), "a \\| b c");
        assert_eq!(md("# title"), "\\# title");
        assert_eq!(md("1. first"), "1\\. first");
        assert_eq!(md("my-flowpolicy"), "my-flowpolicy");
        let block = code_block("```\nrm -rf /\n```");
        assert!(
            block.starts_with("````\n") && block.ends_with("\n````"),
            "{block}"
        );
    }
}
