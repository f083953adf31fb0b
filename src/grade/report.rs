//! The class's grades as instructors and learning platforms use them: a terminal table,
//! grades.csv, grades.json, junit.xml and report.md.

use super::Graded;
use super::roster::RowError;
use crate::finding::Status;
use crate::i18n::{Lang, Text};
use crate::lesson::Lesson;
use crate::report::{json as verdict_json, junit};
use std::collections::BTreeMap;
use std::fmt::Write;

pub fn csv(lesson: &Lesson, graded: &[Graded]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["student".to_string(), "account".to_string()];
    header.extend(lesson.steps.iter().map(|s| s.id.clone()));
    header.extend(["total", "possible", "status", "late", "error"].map(String::from));
    let _ = w.write_record(&header);
    for g in graded {
        let mut row = vec![g.student.clone(), g.account.clone().unwrap_or_default()];
        row.extend(g.verdict.steps.iter().map(|s| s.earned.to_string()));
        row.push(g.score().to_string());
        row.push(g.verdict.possible.to_string());
        row.push(g.verdict.status.as_str().to_string());
        row.push(g.late().to_string());
        row.push(g.error.clone().unwrap_or_default());
        let _ = w.write_record(&row);
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

pub fn json(
    lesson: &Lesson,
    graded: &[Graded],
    rejected: &[RowError],
    deadline: Option<&str>,
    lang: Lang,
) -> String {
    let value = serde_json::json!({
        "lesson": lesson.id,
        "deadline": deadline,
        "students": graded.iter().map(|g| serde_json::json!({
            "student": g.student,
            "account": g.account,
            "score": g.score(),
            "late": g.late(),
            "late_steps": g.late_steps,
            "error": g.error,
            "verify": verdict_json::verdict(&g.verdict, lang),
        })).collect::<Vec<_>>(),
        "roster_errors": rejected,
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}

pub fn junit(graded: &[Graded], lang: Lang) -> String {
    let suites: Vec<(String, &crate::engine::Verdict)> = graded
        .iter()
        .map(|g| (g.student.clone(), &g.verdict))
        .collect();
    junit::document(&suites, lang)
}

pub fn table(lesson: &Lesson, graded: &[Graded], lang: Lang) -> String {
    use crate::report::{pad, width};
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
        .chain([9])
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
            let _ = write!(out, "  {}", pad(s.status.as_str(), step_w));
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

/// The class summary an instructor discusses: how scores spread, which checks failed most
/// often and how to fix them.
pub fn markdown(lesson: &Lesson, graded: &[Graded], rejected: &[RowError], lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} — {}\n",
        lesson.title.get(lang),
        Text::new("grade.md-title").render(lang)
    );
    let _ = writeln!(out, "{}\n", summary_line(graded, lang));

    let _ = writeln!(
        out,
        "## {}\n",
        Text::new("grade.md-distribution").render(lang)
    );
    let _ = writeln!(out, "| score | students |\n|---|---|");
    for low in (0..=100).step_by(20) {
        let high = if low == 100 { 100 } else { low + 19 };
        let n = graded
            .iter()
            .filter(|g| g.error.is_none() && (low..=high).contains(&g.score()))
            .count();
        let _ = writeln!(out, "| {low}–{high} | {n} {} |", "█".repeat(n));
    }

    let _ = writeln!(out, "\n## {}\n", Text::new("grade.md-steps").render(lang));
    let _ = writeln!(out, "| step | done | of |\n|---|---|---|");
    let readable: Vec<&Graded> = graded.iter().filter(|g| g.error.is_none()).collect();
    for (i, step) in lesson.steps.iter().enumerate() {
        let done = readable
            .iter()
            .filter(|g| g.verdict.steps.get(i).is_some_and(|s| s.status.is_done()))
            .count();
        let _ = writeln!(
            out,
            "| {} | {done} | {} |",
            step.title.get(lang),
            readable.len()
        );
    }

    // Most common failing checks, each with one student's message and fix as the example.
    let mut failing: BTreeMap<&str, (usize, String, String)> = BTreeMap::new();
    for g in &readable {
        for f in g.verdict.steps.iter().flat_map(|s| &s.findings) {
            if f.status == Status::Fail {
                let entry = failing.entry(f.id.as_str()).or_insert_with(|| {
                    (
                        0,
                        f.message.render(lang),
                        f.remediation
                            .as_ref()
                            .map(|r| r.render(lang))
                            .unwrap_or_default(),
                    )
                });
                entry.0 += 1;
            }
        }
    }
    let mut failing: Vec<_> = failing.into_iter().collect();
    failing.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    let _ = writeln!(out, "\n## {}\n", Text::new("grade.md-failing").render(lang));
    if failing.is_empty() {
        let _ = writeln!(out, "-");
    }
    for (id, (n, message, fix)) in failing.iter().take(10) {
        let _ = writeln!(out, "### `{id}` — {n}\n\n{message}\n");
        if !fix.is_empty() {
            let _ = writeln!(out, "```\n{fix}\n```\n");
        }
    }

    let unreadable: Vec<&Graded> = graded.iter().filter(|g| g.error.is_some()).collect();
    if !unreadable.is_empty() || !rejected.is_empty() {
        let _ = writeln!(
            out,
            "## {}\n",
            Text::new("grade.md-unreadable").render(lang)
        );
        for g in unreadable {
            let _ = writeln!(
                out,
                "- {} (line {}): {}",
                g.student,
                g.line,
                g.error.as_deref().unwrap_or("")
            );
        }
        for r in rejected {
            let _ = writeln!(out, "- line {}: {}", r.line, r.message);
        }
    }
    let late: Vec<&Graded> = graded.iter().filter(|g| g.late()).collect();
    if !late.is_empty() {
        let _ = writeln!(out, "\n## {}\n", Text::new("grade.md-late").render(lang));
        for g in late {
            let _ = writeln!(out, "- {}: {}", g.student, g.late_steps.join(", "));
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
        let table = table(&lesson, &class, Lang::Ko);
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
}
