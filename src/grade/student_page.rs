//! `students/<name>.html`: one student's grade on a page of its own, to hand to that student.
//! It holds that student's data alone: their steps with status and points, their findings with
//! the fixes in their own ids (not the class view's placeholders), when and where they were
//! graded, late work and what could not be dated, or why they were not graded. Self-contained
//! like report.html (the same style, allowed by its hash; no script), and drawn from the same
//! grades.json.

use super::html::{Class, Student, badge, findings_of, policy, t, visible};
use crate::i18n::{Lang, Text};
use crate::lesson::Lesson;
use maud::{DOCTYPE, PreEscaped, html};
use sha2::Digest;

/// Every student's page of `class`, as (file name, page), in the class's order.
pub fn pages(class: &Class, lesson: Option<&Lesson>, lang: Lang) -> Vec<(String, String)> {
    file_names(class)
        .into_iter()
        .zip(&class.students)
        .map(|(name, s)| (name, page(class, s, lesson, lang)))
        .collect()
}

/// A file name for each student, in order: the roster's key, else the name, made safe (letters,
/// digits, `-`, `_`, `@` and `.`; no leading dot; at most 60 characters) and unique ignoring
/// case, a short hash of who it is added when two would meet or nothing is left.
pub fn file_names(class: &Class) -> Vec<String> {
    let mut taken: Vec<String> = Vec::new();
    let mut names = Vec::new();
    for (i, s) in class.students.iter().enumerate() {
        let wanted = s.key.as_deref().unwrap_or(&s.student);
        let slug = slug(wanted);
        let mut name = slug.clone();
        if name.is_empty() || reserved(&name) || taken.contains(&name.to_lowercase()) {
            let who = format!(
                "{}\n{}\n{}",
                wanted,
                s.account.as_deref().unwrap_or(""),
                s.student
            );
            let stem = if slug.is_empty() { "student" } else { &slug };
            name = format!("{stem}-{}", short_hash(&who));
            let mut n = 2;
            while taken.contains(&name.to_lowercase()) {
                name = format!("{stem}-{}-{n}", short_hash(&format!("{who}\n{i}")));
                n += 1;
            }
        }
        taken.push(name.to_lowercase());
        names.push(format!("{name}.html"));
    }
    names
}

/// `text` with only letters, digits, `-`, `_`, `@` and `.` kept (anything else, a path separator,
/// a space, a bidirectional control, becomes one `-`), no leading dot or dash, 60 characters at
/// most.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let keep = c.is_alphanumeric() && !crate::i18n::is_invisible(c)
            || matches!(c, '-' | '_' | '@' | '.');
        if keep {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out
        .trim_start_matches(['.', '-'])
        .chars()
        .take(60)
        .collect();
    // A name ending in a dot is trimmed by Windows; `..` is no name at all.
    out.trim_end_matches(['.', '-']).to_string()
}

/// Names Windows keeps for devices, whatever follows their dot.
fn reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("").to_ascii_lowercase();
    matches!(stem.as_str(), "con" | "prn" | "aux" | "nul")
        || (stem.len() == 4
            && (stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.ends_with(|c: char| c.is_ascii_digit()))
}

fn short_hash(text: &str) -> String {
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn page(class: &Class, s: &Student, lesson: Option<&Lesson>, lang: Lang) -> String {
    let lesson_title = lesson.map_or(class.lesson.as_str(), |l| l.title.get(lang));
    let heading = format!("{} — {}", s.student, lesson_title);
    let step_title = |id: &str| {
        lesson
            .and_then(|l| l.step(id))
            .map_or_else(|| id.to_string(), |st| st.title.get(lang).to_string())
    };
    let none = t("grade.about-none", lang);
    let score = s.score.map_or_else(
        || "-".to_string(),
        |n| format!("{n} / {}", s.verify.score.possible),
    );
    let lesson_text = match &class.lesson_version {
        Some(v) => format!("{} ({v})", class.lesson),
        None => class.lesson.clone(),
    };
    let mut about: Vec<(&str, String, String)> =
        vec![("student", t("grade.head-student", lang), s.student.clone())];
    if let Some(key) = &s.key {
        about.push(("key", t("grade.student-key", lang), key.clone()));
    }
    about.extend([
        (
            "account",
            t("grade.head-account", lang),
            s.account.clone().unwrap_or_else(|| none.clone()),
        ),
        (
            "graded_at",
            t("grade.about-graded-at", lang),
            s.graded_at
                .clone()
                .or_else(|| class.graded_at.clone())
                .unwrap_or_else(|| none.clone()),
        ),
        (
            "region",
            t("grade.about-regions", lang),
            s.region.clone().unwrap_or_else(|| none.clone()),
        ),
        ("lesson", t("grade.about-lesson", lang), lesson_text),
        (
            "status",
            t("grade.student-status", lang),
            status_word(s.status(), lang),
        ),
        ("score", t("grade.head-score", lang), score),
    ]);
    let (issues, tips) = findings_of(s);
    let page = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta http-equiv="Content-Security-Policy" content=(policy(None));
                meta name="referrer" content="no-referrer";
                title { (heading) }
                style { (PreEscaped(super::html::STYLE)) }
            }
            body {
                main.student-page {
                    h1 { (heading) }
                    @if let Some(error) = &s.error {
                        p.incomplete role="alert" data-field="error" {
                            (Text::new("grade.student-not-graded").arg("reason", error).render(lang))
                        }
                    }
                    dl.about {
                        @for (field, label, value) in &about {
                            div { dt { (label) } dd data-field=(field) { (value) } }
                        }
                    }
                    @if s.late {
                        section aria-labelledby="late" {
                            h2 id="late" { (t("grade.md-late", lang)) }
                            p data-field="late" { (super::class::late_text(s)) }
                        }
                    }
                    @if !s.undatable.is_empty() {
                        section aria-labelledby="undatable" {
                            h2 id="undatable" { (t("grade.md-undatable", lang)) }
                            p.hint { (t("grade.undatable-note", lang)) }
                            p data-field="undatable" { (super::class::undatable_text(s)) }
                        }
                    }
                    section aria-labelledby="steps" {
                        h2 id="steps" { (t("grade.md-steps", lang)) }
                        table.steps-table {
                            thead {
                                tr {
                                    th scope="col" { (t("grade.md-head-step", lang)) }
                                    th scope="col" { (t("grade.student-status", lang)) }
                                    th.num scope="col" { (t("grade.student-points", lang)) }
                                }
                            }
                            tbody {
                                @for (i, step) in s.verify.steps.iter().enumerate() {
                                    tr data-step=(step.id) data-status=(step.status.as_str()) {
                                        td { (i + 1) ". " (step_title(&step.id)) " " code.step-id { (step.id) } }
                                        td { (badge(step.status, lang)) }
                                        td.num { (step.earned) " / " (step.points) }
                                    }
                                }
                            }
                        }
                    }
                    section aria-labelledby="findings" {
                        h2 id="findings" { (t("grade.student-findings", lang)) }
                        @if issues.is_empty() && tips.is_empty() {
                            p { (t("grade.student-all-passed", lang)) }
                        } @else {
                            ul.plain.findings-list {
                                @for c in issues.iter().chain(&tips) {
                                    li data-check=(c.id) data-status=(c.status.as_str()) {
                                        (badge(c.status, lang)) " " code { (c.id) } " " (c.message)
                                        @if let Some(fix) = &c.remediation {
                                            h3.hint { (t("grade.html-fix", lang)) }
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
    };
    visible(&page.into_string())
}

/// `pass`, `fail`, `pending` or `not graded` in `lang`.
fn status_word(status: &str, lang: Lang) -> String {
    use crate::finding::Status;
    [
        Status::Pass,
        Status::Fail,
        Status::Pending,
        Status::Warn,
        Status::Tip,
        Status::Skip,
        Status::Error,
    ]
    .into_iter()
    .find(|s| s.as_str() == status)
    .map_or_else(
        || t("grade.student-not-graded-word", lang),
        |s| crate::report::text::status_word(s, lang).to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class_of(students: &[(&str, Option<&str>, &str)]) -> Class {
        let students: Vec<serde_json::Value> = students
            .iter()
            .map(|(name, key, account)| {
                serde_json::json!({
                    "student": name, "key": key, "account": account, "score": 0, "late": false,
                    "error": null,
                    "verify": {"status": "fail", "score": {"earned": 0, "possible": 100}, "steps": []}
                })
            })
            .collect();
        serde_json::from_value(serde_json::json!({"lesson": "l", "students": students}))
            .expect("a class")
    }

    #[test]
    fn file_names_are_safe_and_unique_for_hostile_names() {
        let class = class_of(&[
            ("../x", None, "111111111111"),
            (".hidden", None, "222222222222"),
            ("evil\u{202e}lmth.exe", None, "333333333333"),
            ("Kim Min", None, "444444444444"),
            ("Kim Min", None, "555555555555"),
            ("kim min", None, "666666666666"),
            ("..", None, "777777777777"),
            ("con", None, "888888888888"),
            ("someone", Some("s2026/01"), "999999999999"),
            ("김민준", None, "101010101010"),
        ]);
        let names = file_names(&class);
        assert_eq!(names.len(), 10);
        for name in &names {
            assert!(name.ends_with(".html"), "{name}");
            assert!(!name.starts_with('.'), "{name}");
            assert!(!name.contains(['/', '\\', ':']), "{name}");
            assert!(
                !name
                    .chars()
                    .any(|c| crate::i18n::is_invisible(c) || c.is_control()),
                "{name:?}"
            );
            assert!(!name.to_lowercase().starts_with("con."), "{name}");
        }
        let mut folded: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
        folded.sort();
        folded.dedup();
        assert_eq!(folded.len(), names.len(), "{names:?}");
        assert_eq!(names[0], "x.html");
        assert_eq!(names[1], "hidden.html");
        assert_eq!(names[2], "evil-lmth.exe.html");
        assert_eq!(names[3], "Kim-Min.html");
        assert!(names[4].starts_with("Kim-Min-"), "{names:?}");
        assert!(names[6].starts_with("student-"), "{names:?}");
        // The roster's key names the page, made safe too.
        assert_eq!(names[8], "s2026-01.html");
        assert_eq!(names[9], "김민준.html");
        // The same class gives the same names each time, so a page is replaced, not doubled.
        assert_eq!(file_names(&class), names);
    }
}
