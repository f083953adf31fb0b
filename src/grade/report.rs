//! The class's grades as instructors and learning platforms use them: a terminal table,
//! grades.csv, grades.json, junit.xml, report.md and report.html (`html`).
//!
//! Names, tag values and messages come from student accounts and rosters. Each output keeps them
//! inert in its own way: grades.csv disarms spreadsheet formulas, report.md escapes Markdown and
//! HTML, report.html escapes HTML.

use super::Graded;
use super::organization::Skipped;
use super::roster::RowError;
use crate::finding::Status;
use crate::i18n::{Lang, Text};
use crate::lesson::Lesson;
use crate::report::text::status_word;
use crate::report::{json as verdict_json, junit};
use std::fmt::Write;

/// One grading run: what every report is drawn from.
pub struct Outcome<'a> {
    pub lesson: &'a Lesson,
    pub graded: &'a [Graded],
    /// Roster rows that were not graded because they are malformed.
    pub rejected: &'a [RowError],
    /// Accounts of the organization that were not graded, with why.
    pub skipped: &'a [Skipped],
    pub deadline: Option<&'a str>,
    pub lang: Lang,
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

pub fn csv(lesson: &Lesson, graded: &[Graded]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["student".to_string(), "account".to_string()];
    header.extend(lesson.steps.iter().map(|s| s.id.clone()));
    header.extend(["total", "possible", "status", "late", "error"].map(String::from));
    let _ = w.write_record(header.iter().map(|h| csv_cell(h)));
    for g in graded {
        let mut row = vec![g.student.clone(), g.account.clone().unwrap_or_default()];
        row.extend(g.verdict.steps.iter().map(|s| s.earned.to_string()));
        row.push(g.score().to_string());
        row.push(g.verdict.possible.to_string());
        row.push(g.verdict.status.as_str().to_string());
        row.push(g.late().to_string());
        row.push(g.error.clone().unwrap_or_default());
        let _ = w.write_record(row.iter().map(|c| csv_cell(c)));
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

pub fn json(o: &Outcome) -> String {
    let value = serde_json::json!({
        "lesson": o.lesson.id,
        "lang": o.lang.code(),
        "deadline": o.deadline,
        "students": o.graded.iter().map(|g| serde_json::json!({
            "student": g.student,
            "account": g.account,
            "score": g.score(),
            "late": g.late(),
            "late_steps": g.late_steps,
            "error": g.error,
            "verify": verdict_json::verdict(&g.verdict, o.lang),
        })).collect::<Vec<_>>(),
        "roster_errors": o.rejected,
        "skipped": o.skipped.iter().map(|s| s.to_json(o.lang)).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}

/// report.html, drawn from the same document as grades.json.
pub fn html(o: &Outcome) -> String {
    // `json` wrote it a moment ago; it parses unless serde_json contradicts itself.
    super::html::render(&json(o), Some(o.lesson), o.lang).unwrap_or_default()
}

pub fn junit(graded: &[Graded], lang: Lang) -> String {
    let suites: Vec<(String, &crate::engine::Verdict)> = graded
        .iter()
        .map(|g| (g.student.clone(), &g.verdict))
        .collect();
    junit::document(&suites, lang)
}

pub fn table(o: &Outcome) -> String {
    use crate::report::{pad, width};
    let (lesson, graded, lang) = (o.lesson, o.graded, o.lang);
    let head = |key: &'static str| Text::new(key).render(lang);
    let (student, account, score, late, error) = (
        head("grade.head-student"),
        head("grade.head-account"),
        head("grade.head-score"),
        head("grade.head-late"),
        head("grade.head-error"),
    );
    let name_w = graded
        .iter()
        .map(|g| width(&g.student))
        .chain([width(&student)])
        .max()
        .unwrap_or(7);
    let account_w = width(&account).max(12);
    let score_w = width(&score).max(5);
    let late_w = width(&late).max(4);
    let step_w = lesson
        .steps
        .iter()
        .map(|s| width(&s.id))
        .chain(
            graded
                .iter()
                .flat_map(|g| &g.verdict.steps)
                .map(|s| width(&status_word(s.status, lang))),
        )
        .max()
        .unwrap_or(9);
    let mut out = String::new();
    let _ = write!(
        out,
        "{}  {}  {}",
        pad(&student, name_w),
        pad(&account, account_w),
        pad(&score, score_w)
    );
    for s in &lesson.steps {
        let _ = write!(out, "  {}", pad(&s.id, step_w));
    }
    let _ = writeln!(out, "  {}  {error}", pad(&late, late_w));
    let yes = head("grade.late-yes");
    for g in graded {
        let _ = write!(
            out,
            "{}  {}  {:>score_w$}",
            pad(&g.student, name_w),
            pad(g.account.as_deref().unwrap_or("-"), account_w),
            g.score()
        );
        for s in &g.verdict.steps {
            let _ = write!(out, "  {}", pad(&status_word(s.status, lang), step_w));
        }
        let _ = writeln!(
            out,
            "  {}  {}",
            pad(if g.late() { &yes } else { "" }, late_w),
            g.error.as_deref().unwrap_or("")
        );
    }
    let _ = writeln!(out, "\n{}", summary_line(graded, lang));
    out
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
    let scores: Vec<u32> = graded
        .iter()
        .filter(|g| g.error.is_none())
        .map(|g| g.score())
        .collect();
    let mean = if scores.is_empty() {
        0.0
    } else {
        scores.iter().sum::<u32>() as f64 / scores.len() as f64
    };
    Text::new("grade.summary")
        .arg("graded", scores.len())
        .arg("total", graded.len())
        .arg("mean", format!("{mean:.1}"))
        .arg(
            "passed",
            graded
                .iter()
                .filter(|g| g.verdict.status == Status::Pass)
                .count(),
        )
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

/// The class summary an instructor discusses: how scores spread, which checks failed most
/// often and how to fix them.
pub fn markdown(o: &Outcome) -> String {
    let (lesson, graded, lang) = (o.lesson, o.graded, o.lang);
    let t = |key: &'static str| Text::new(key).render(lang);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} — {}\n",
        md(lesson.title.get(lang)),
        t("grade.md-title")
    );
    let _ = writeln!(out, "{}\n", summary_line(graded, lang));

    let _ = writeln!(out, "## {}\n", t("grade.md-distribution"));
    let _ = writeln!(
        out,
        "| {} | {} |\n|---|---|",
        t("grade.md-head-range"),
        t("grade.md-head-students")
    );
    for low in (0..=100).step_by(20) {
        let high = if low == 100 { 100 } else { low + 19 };
        let n = graded
            .iter()
            .filter(|g| g.error.is_none() && (low..=high).contains(&g.score()))
            .count();
        let _ = writeln!(out, "| {low}–{high} | {n} {} |", "█".repeat(n));
    }

    let _ = writeln!(out, "\n## {}\n", t("grade.md-steps"));
    let _ = writeln!(
        out,
        "| {} | {} | {} |\n|---|---|---|",
        t("grade.md-head-step"),
        t("grade.md-head-done"),
        t("grade.md-head-of")
    );
    let readable: Vec<&Graded> = graded.iter().filter(|g| g.error.is_none()).collect();
    for (i, step) in lesson.steps.iter().enumerate() {
        let done = readable
            .iter()
            .filter(|g| g.verdict.steps.get(i).is_some_and(|s| s.status.is_done()))
            .count();
        let _ = writeln!(
            out,
            "| {} | {done} | {} |",
            md(step.title.get(lang)),
            readable.len()
        );
    }

    // The same grouping as the page's, from the same document.
    let class: Option<super::html::Class> = serde_json::from_str(&json(o)).ok();
    let failing = class
        .as_ref()
        .map(super::html::common_failures)
        .unwrap_or_default();
    let _ = writeln!(out, "\n## {}\n", t("grade.md-failing"));
    if failing.is_empty() {
        let _ = writeln!(out, "-");
    }
    for (id, message, fix, who) in failing.iter().take(10) {
        let _ = writeln!(
            out,
            "### `{id}` — {}\n\n{}\n",
            Text::new("grade.students")
                .arg("count", who.len())
                .render(lang),
            md(message)
        );
        if let Some(fix) = fix.as_deref().filter(|f| !f.is_empty()) {
            let _ = writeln!(out, "{}\n", code_block(fix));
        }
        let names: Vec<String> = who.iter().map(|n| md(n)).collect();
        let _ = writeln!(out, "{}: {}\n", t("grade.html-who"), names.join(", "));
    }

    let unreadable: Vec<&Graded> = graded.iter().filter(|g| g.error.is_some()).collect();
    if !unreadable.is_empty() || !o.rejected.is_empty() {
        let _ = writeln!(out, "## {}\n", t("grade.md-unreadable"));
        for g in unreadable {
            let place = match (&g.account, g.line) {
                (_, line) if line > 0 => Text::new("grade.line").arg("line", line).render(lang),
                (Some(account), _) => account.clone(),
                (None, _) => String::from("-"),
            };
            let _ = writeln!(
                out,
                "- {} ({}): {}",
                md(&g.student),
                md(&place),
                md(g.error.as_deref().unwrap_or(""))
            );
        }
        for r in o.rejected {
            let _ = writeln!(
                out,
                "- {}: {}",
                Text::new("grade.line").arg("line", r.line).render(lang),
                md(&r.message)
            );
        }
    }
    if !o.skipped.is_empty() {
        let _ = writeln!(out, "\n## {}\n", t("grade.html-skipped-title"));
        for s in o.skipped {
            let _ = writeln!(
                out,
                "- {} (`{}`): {}",
                md(&s.name),
                s.account,
                md(&s.why.render(lang))
            );
        }
    }
    let late: Vec<&Graded> = graded.iter().filter(|g| g.late()).collect();
    if !late.is_empty() {
        let _ = writeln!(out, "\n## {}\n", t("grade.md-late"));
        for g in late {
            let _ = writeln!(out, "- {}: {}", md(&g.student), g.late_steps.join(", "));
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
            late_steps: Vec::new(),
        }
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
            deadline: None,
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
        let text = csv(&lesson, &[graded("kim\u{202e}nhoj", &lesson)]);
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
        let text = csv(&lesson, &class);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        assert_eq!(&rows[0][0], "'=HYPERLINK(\"http://x\",\"y\")");
        assert_eq!(rows[0].iter().next_back(), Some("'@SUM(1,2)"));
        assert_eq!(&rows[1][0], "'-2+3");
        assert_eq!(&rows[2][0], "'\tx");
        assert_eq!(&rows[3][0], "kim");
        assert_eq!(rows[0].len(), rows[3].len(), "quoting keeps the columns");
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
