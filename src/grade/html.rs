//! report.html: the class at a glance, one self-contained page (no network, no external file)
//! that opens from a USB stick. It is drawn from grades.json alone, so the page and the file
//! cannot disagree, and a saved grades.json can be drawn again.
//!
//! Everything from the accounts (names, tag values, messages) is escaped as text or attribute.
//! The one inline script sorts the table from `data-sort` attributes and holds no student data;
//! the Content-Security-Policy allows that script and the page's own style by their hashes and
//! nothing else.

use super::class::{Check, Class, Student, common_failures, incomplete_banner};
use crate::finding::Status;
use crate::i18n::{Lang, Text};
use crate::lesson::Lesson;
use crate::report::escape_markup as esc;
use sha2::Digest;
use std::fmt::Write;

const PAGE: &str = include_str!("html/page.html");
const STYLE: &str = include_str!("html/style.css");
const SCRIPT: &str = include_str!("html/sort.js");

/// The page for `grades_json` (the text `report::json` wrote). `lesson` gives the steps'
/// titles; without it the step ids stand in.
pub fn render(grades_json: &str, lesson: Option<&Lesson>, lang: Lang) -> Result<String, String> {
    let class: Class = serde_json::from_str(grades_json).map_err(|e| e.to_string())?;
    Ok(page(&class, lesson, lang))
}

fn page(class: &Class, lesson: Option<&Lesson>, lang: Lang) -> String {
    let t = |key: &'static str| Text::new(key).render(lang);
    let heading = format!(
        "{} — {}",
        lesson.map_or(class.lesson.as_str(), |l| l.title.get(lang)),
        t("grade.md-title")
    );
    let steps = step_columns(class, lesson, lang);
    let mut body = String::new();
    let _ = writeln!(body, "<h1>{}</h1>", esc(&heading));
    if let Some(banner) = incomplete_banner(class, lang) {
        let _ = writeln!(
            body,
            "<p class=\"incomplete\" role=\"alert\">{}</p>",
            esc(&banner)
        );
    }
    let _ = write!(body, "<dl class=\"about\">");
    for (field, label, value) in super::class::about(class, lang) {
        let _ = write!(
            body,
            "<div><dt>{}</dt><dd data-field=\"{field}\">{}</dd></div>",
            esc(&label),
            esc(&value)
        );
    }
    let _ = writeln!(body, "</dl>");
    summary(&mut body, class, lang);
    let _ = writeln!(body, "<div class=\"charts\">");
    histogram(&mut body, class, lang);
    completion(&mut body, class, &steps, lang);
    let _ = writeln!(body, "</div>");
    // Who is where before what went wrong: the table is what an instructor scans first.
    students(&mut body, class, &steps, lang);
    failing(&mut body, class, lang);
    left_out(&mut body, class, lang);

    let style_hash = sha256_base64(STYLE);
    let script_hash = sha256_base64(SCRIPT);
    let policy = format!(
        "default-src 'none'; style-src 'sha256-{style_hash}'; script-src 'sha256-{script_hash}'; \
         base-uri 'none'; form-action 'none'"
    );
    crate::i18n::fill(PAGE, |name| match name {
        "lang" => Some(lang.code().to_string()),
        "policy" => Some(esc(&policy)),
        "title" => Some(esc(&heading)),
        "style" => Some(STYLE.to_string()),
        "script" => Some(SCRIPT.to_string()),
        "body" => Some(body.clone()),
        _ => None,
    })
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

fn summary(body: &mut String, class: &Class, lang: Lang) {
    let t = |key: &'static str| Text::new(key).render(lang);
    let s = class.summary();
    let _ = writeln!(
        body,
        "<section aria-labelledby=\"summary\"><h2 id=\"summary\">{}</h2><dl class=\"cards\">",
        esc(&t("grade.html-summary"))
    );
    let cards = [
        (
            "graded",
            t("grade.html-graded"),
            format!("{} / {}", s.graded, s.total),
        ),
        ("mean", t("grade.html-mean"), format!("{:.1}", s.mean)),
        ("passed", t("grade.html-passed"), s.passed.to_string()),
        ("late", t("grade.html-late"), s.late.to_string()),
        (
            "unreadable",
            t("grade.html-unreadable"),
            s.unreadable.to_string(),
        ),
        (
            "skipped",
            t("grade.html-skipped"),
            class.skipped.len().to_string(),
        ),
    ];
    for (field, label, value) in cards {
        let _ = writeln!(
            body,
            "<div><dt>{}</dt><dd data-field=\"{field}\">{}</dd></div>",
            esc(&label),
            esc(&value)
        );
    }
    let _ = writeln!(body, "</dl></section>");
}

/// How many readable students scored in each tenth of the possible points.
fn bins(class: &Class) -> [usize; 10] {
    let possible = class.possible().max(1);
    let mut bins = [0; 10];
    for s in class.readable() {
        let i = ((s.score.unwrap_or(0).min(possible) * 10) / possible).min(9) as usize;
        bins[i] += 1;
    }
    bins
}

fn histogram(body: &mut String, class: &Class, lang: Lang) {
    let t = |key: &'static str| Text::new(key).render(lang);
    let bins = bins(class);
    let possible = class.possible().max(1);
    let top = bins.iter().copied().max().unwrap_or(0).max(1);
    let (left, bar, gap, base, height) = (8.0, 26.0, 4.0, 150.0, 120.0);
    let _ = writeln!(
        body,
        "<section aria-labelledby=\"histogram\"><h2 id=\"histogram\">{}</h2>",
        esc(&t("grade.md-distribution"))
    );
    let _ = writeln!(
        body,
        "<svg class=\"histogram\" viewBox=\"0 0 316 190\" role=\"img\" aria-labelledby=\"histogram-title\">\
         <title id=\"histogram-title\">{}</title>",
        esc(&t("grade.html-histogram-title"))
    );
    for (i, n) in bins.iter().enumerate() {
        let x = left + i as f64 * (bar + gap);
        let h = height * *n as f64 / top as f64;
        let low = possible * i as u32 / 10;
        let high = if i == 9 {
            possible
        } else {
            (possible * (i as u32 + 1) / 10).saturating_sub(1).max(low)
        };
        let _ = writeln!(
            body,
            "<rect class=\"bar\" x=\"{x}\" y=\"{y:.1}\" width=\"{bar}\" height=\"{h:.1}\" data-low=\"{low}\" data-high=\"{high}\" data-count=\"{n}\"><title>{low}–{high}: {n}</title></rect>\
             <text class=\"count\" x=\"{cx}\" y=\"{ty:.1}\" text-anchor=\"middle\">{n}</text>\
             <text class=\"label\" x=\"{cx}\" y=\"{ly}\" text-anchor=\"middle\">{low}</text>",
            y = base - h,
            cx = x + bar / 2.0,
            ty = base - h - 4.0,
            ly = base + 14.0,
        );
    }
    let _ = writeln!(
        body,
        "<line class=\"axis\" x1=\"{left}\" y1=\"{base}\" x2=\"308\" y2=\"{base}\"/>\
         <text class=\"label\" x=\"308\" y=\"184\" text-anchor=\"end\">{}</text></svg>",
        esc(&Text::new("grade.html-histogram-axis")
            .arg("possible", possible)
            .render(lang))
    );
    let _ = writeln!(body, "</section>");
}

fn completion(body: &mut String, class: &Class, steps: &[StepColumn], lang: Lang) {
    let readable: Vec<&Student> = class.readable().collect();
    let _ = writeln!(
        body,
        "<section aria-labelledby=\"completion\"><h2 id=\"completion\">{}</h2><ol class=\"steps\">",
        esc(&Text::new("grade.md-steps").render(lang))
    );
    for (i, step) in steps.iter().enumerate() {
        let done = readable
            .iter()
            .filter(|s| s.verify.steps.get(i).is_some_and(|v| v.status.is_done()))
            .count();
        let percent = if readable.is_empty() {
            0.0
        } else {
            100.0 * done as f64 / readable.len() as f64
        };
        let _ = writeln!(
            body,
            "<li data-step=\"{}\"><span class=\"title\">{}</span><span class=\"num\">{}</span>\
             <svg class=\"progress\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\">\
             <rect class=\"track\" width=\"100\" height=\"10\"/>\
             <rect class=\"done\" width=\"{percent:.1}\" height=\"10\" data-done=\"{done}\" data-of=\"{}\"/></svg></li>",
            esc(&step.id),
            esc(&step.title),
            esc(&Text::new("grade.html-done-of")
                .arg("done", done)
                .arg("total", readable.len())
                .arg("percent", format!("{percent:.0}"))
                .render(lang)),
            readable.len()
        );
    }
    let _ = writeln!(body, "</ol></section>");
}

fn failing(body: &mut String, class: &Class, lang: Lang) {
    let t = |key: &'static str| Text::new(key).render(lang);
    let _ = writeln!(
        body,
        "<section aria-labelledby=\"failing\"><h2 id=\"failing\">{}</h2>",
        esc(&t("grade.md-failing"))
    );
    let list = common_failures(class);
    if list.is_empty() {
        let _ = writeln!(body, "<p>{}</p>", esc(&t("grade.html-none")));
    } else {
        let _ = writeln!(body, "<ol class=\"failing\">");
    }
    for group in list.iter().take(10) {
        let (id, who) = (&group.check, &group.who);
        let _ = writeln!(
            body,
            "<li data-check=\"{}\" data-cause=\"{}\" data-count=\"{}\"><h3><code>{}</code> <span class=\"count\">{}</span></h3><p>{}</p>",
            esc(id),
            esc(&group.cause),
            who.len(),
            esc(id),
            esc(&Text::new("grade.students")
                .arg("count", who.len())
                .render(lang)),
            esc(&group.message)
        );
        if let Some(fix) = &group.fix {
            let _ = writeln!(
                body,
                "<h4 class=\"hint\">{}</h4><pre>{}</pre>",
                esc(&t("grade.html-fix")),
                esc(fix)
            );
        }
        let names: Vec<String> = who.iter().map(|n| esc(n)).collect();
        let _ = writeln!(
            body,
            "<p class=\"who\">{}: {}</p></li>",
            esc(&t("grade.html-who")),
            names.join(", ")
        );
    }
    if !list.is_empty() {
        let _ = writeln!(body, "</ol>");
    }
    let _ = writeln!(body, "</section>");
}

fn badge(status: Status, lang: Lang) -> String {
    format!(
        "<span class=\"badge {}\">{}</span>",
        status.as_str(),
        esc(&crate::report::text::status_word(status, lang))
    )
}

/// A status as a number that sorts from done to broken.
fn rank(status: Status) -> u8 {
    match status {
        Status::Pass | Status::Tip => 0,
        Status::Warn => 1,
        Status::Pending => 2,
        Status::Skip => 3,
        Status::Fail => 4,
        Status::Error => 5,
    }
}

fn students(body: &mut String, class: &Class, steps: &[StepColumn], lang: Lang) {
    let t = |key: &'static str| Text::new(key).render(lang);
    let _ = writeln!(
        body,
        "<section aria-labelledby=\"students-title\"><h2 id=\"students-title\">{}</h2><p class=\"hint\">{}</p>",
        esc(&t("grade.html-students")),
        esc(&t("grade.html-sort-hint"))
    );
    let _ = writeln!(
        body,
        "<div class=\"scroll\"><table id=\"students\"><thead><tr>"
    );
    let mut columns: Vec<(String, String, &str)> = vec![
        (t("grade.head-student"), String::new(), "text"),
        (t("grade.head-account"), String::new(), "text"),
        (t("grade.head-score"), String::new(), "num"),
    ];
    for (i, step) in steps.iter().enumerate() {
        columns.push((
            Text::new("grade.html-step").arg("n", i + 1).render(lang),
            step.title.clone(),
            "num",
        ));
    }
    columns.push((t("grade.head-late"), String::new(), "num"));
    columns.push((t("grade.head-error"), String::new(), "text"));
    for (i, (label, title, kind)) in columns.iter().enumerate() {
        // Only step columns carry a title (the step's): they are centred like their cells.
        let class_attr = match (*kind, title.is_empty()) {
            ("num", true) => " class=\"num\"",
            ("num", false) => " class=\"step\"",
            _ => "",
        };
        let title_attr = if title.is_empty() {
            String::new()
        } else {
            format!(" title=\"{}\"", esc(title))
        };
        let _ = write!(
            body,
            "<th scope=\"col\"{class_attr}{title_attr}><button type=\"button\" data-col=\"{i}\" data-type=\"{kind}\">{}</button></th>",
            esc(label)
        );
    }
    let _ = writeln!(body, "</tr></thead>");
    let yes = t("grade.late-yes");
    for s in &class.students {
        let _ = write!(
            body,
            "<tbody><tr class=\"student\"><td class=\"name\" data-sort=\"{name}\">{name}</td>\
             <td class=\"account\" data-sort=\"{account}\"><code>{account}</code></td>\
             <td class=\"num\" data-sort=\"{sort}\" data-field=\"score\">{score} / {possible}</td>",
            name = esc(&s.student),
            account = esc(s.account.as_deref().unwrap_or("-")),
            // Not graded is not zero: no points, sorted below every graded student.
            sort = s.score.map_or(-1, i64::from),
            score = s.score.map_or_else(|| "-".to_string(), |n| n.to_string()),
            possible = s.verify.score.possible,
        );
        for (i, _) in steps.iter().enumerate() {
            match s.verify.steps.get(i) {
                Some(step) => {
                    let _ = write!(
                        body,
                        "<td class=\"step\" data-sort=\"{}\" data-step=\"{}\" data-status=\"{}\" data-earned=\"{}\">{} <span class=\"pts\">{}/{}</span></td>",
                        rank(step.status),
                        esc(&step.id),
                        step.status.as_str(),
                        step.earned,
                        badge(step.status, lang),
                        step.earned,
                        step.points
                    );
                }
                None => {
                    let _ = write!(body, "<td data-sort=\"9\">-</td>");
                }
            }
        }
        let late = if s.late {
            let steps = super::class::late_text(s);
            format!(
                "<span class=\"late\" title=\"{}\">{}</span>",
                esc(&steps),
                esc(&yes)
            )
        } else {
            String::new()
        };
        // The whole error is in the cell's title and under the row; the cell keeps the row short.
        let error = s.error.as_deref().unwrap_or("");
        let _ = writeln!(
            body,
            "<td class=\"num\" data-sort=\"{}\" data-field=\"late\">{late}</td><td class=\"error-text\" data-sort=\"{full}\" title=\"{full}\">{short}</td></tr>",
            u8::from(s.late),
            full = esc(error),
            short = esc(&shortened(error, 60)),
        );
        findings(body, s, columns.len(), lang);
        let _ = writeln!(body, "</tbody>");
    }
    let _ = writeln!(body, "</table></div></section>");
}

/// `text` cut to `chars` characters, with an ellipsis when cut.
fn shortened(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// A student's checks that are not plainly passed, folded under their row; an error repeated by
/// every step (an account that could not be read) once.
fn findings(body: &mut String, s: &Student, span: usize, lang: Lang) {
    let mut shown: Vec<&Check> = Vec::new();
    for c in s.verify.steps.iter().flat_map(|v| &v.checks) {
        if c.status != Status::Pass && !shown.iter().any(|d| d.id == c.id && d.message == c.message)
        {
            shown.push(c);
        }
    }
    let _ = write!(
        body,
        "<tr class=\"findings\"><td colspan=\"{span}\"><details><summary>{}</summary><ul>",
        esc(&Text::new("grade.html-findings")
            .arg("count", shown.len())
            .render(lang))
    );
    for c in shown {
        let _ = write!(
            body,
            "<li>{} <code>{}</code> {}",
            badge(c.status, lang),
            esc(&c.id),
            esc(&c.message)
        );
        if let Some(fix) = &c.remediation {
            let _ = write!(body, "<pre>{}</pre>", esc(fix));
        }
        let _ = write!(body, "</li>");
    }
    let _ = writeln!(body, "</ul></details></td></tr>");
}

/// Accounts that could not be read, roster lines that were not used, accounts not graded, and
/// late work.
fn left_out(body: &mut String, class: &Class, lang: Lang) {
    let t = |key: &'static str| Text::new(key).render(lang);
    let unreadable: Vec<String> = class
        .students
        .iter()
        .filter_map(|s| {
            s.error
                .as_ref()
                .map(|e| format!("<li><strong>{}</strong>: {}</li>", esc(&s.student), esc(e)))
        })
        .chain(class.roster_errors.iter().map(|r| {
            format!(
                "<li>{}: {}</li>",
                esc(&Text::new("grade.line").arg("line", r.line).render(lang)),
                esc(&r.message)
            )
        }))
        .collect();
    let skipped: Vec<String> = class
        .skipped
        .iter()
        .map(|s| {
            format!(
                "<li><strong>{}</strong> (<code>{}</code>): {}</li>",
                esc(&s.name),
                esc(&s.account),
                esc(&s.reason)
            )
        })
        .collect();
    let late: Vec<String> = class
        .students
        .iter()
        .filter(|s| s.late)
        .map(|s| {
            format!(
                "<li><strong>{}</strong>: {}</li>",
                esc(&s.student),
                esc(&super::class::late_text(s))
            )
        })
        .collect();
    let undatable: Vec<String> = class
        .students
        .iter()
        .filter(|s| !s.undatable.is_empty())
        .map(|s| {
            format!(
                "<li><strong>{}</strong>: {}</li>",
                esc(&s.student),
                esc(&super::class::undatable_text(s))
            )
        })
        .collect();
    for (id, key, items) in [
        ("unreadable", "grade.md-unreadable", unreadable),
        ("skipped", "grade.html-skipped-title", skipped),
        ("late", "grade.md-late", late),
        ("undatable", "grade.md-undatable", undatable),
    ] {
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(
            body,
            "<section aria-labelledby=\"{id}\"><h2 id=\"{id}\">{}</h2><ul class=\"plain\">{}</ul></section>",
            esc(&t(key)),
            items.join("")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grade::class::{Score, Verify};

    #[test]
    fn escaping_covers_text_and_attributes() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(esc("a\u{1b}b\u{85}c"), "abc");
    }

    #[test]
    fn the_page_allows_exactly_its_own_script_and_style() {
        let json = r#"{"lesson":"x","students":[],"roster_errors":[]}"#;
        let html = render(json, None, Lang::En).expect("renders");
        // The policy is an attribute: its quotes are escaped, as every interpolated value.
        assert!(html.contains(&format!("&apos;sha256-{}&apos;", sha256_base64(SCRIPT))));
        assert!(html.contains(&format!("<script>{SCRIPT}</script>")));
        assert!(html.contains(&format!("<style>{STYLE}</style>")));
        assert!(!html.contains("http://") && !html.contains("https://"));
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
        assert_eq!(bins(&class), [2, 1, 0, 0, 0, 1, 0, 0, 0, 2]);
    }
}
