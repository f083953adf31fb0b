//! The verdict for people: one line per step, then what is wrong and how to fix it.

use crate::engine::Verdict;
use crate::finding::Status;
use crate::i18n::{Lang, Text};
use crate::lesson::Lesson;
use colored::Colorize;
use std::fmt::Write;

pub fn mark(status: Status) -> colored::ColoredString {
    match status {
        Status::Pass => "✔".green().bold(),
        Status::Tip => "💡".normal(),
        Status::Warn => "!".yellow().bold(),
        Status::Fail => "✘".red().bold(),
        Status::Pending => "…".cyan().bold(),
        Status::Skip => "-".dimmed(),
        Status::Error => "?".magenta().bold(),
    }
}

pub fn status_word(status: Status, lang: Lang) -> String {
    let key = match status {
        Status::Pass => "status.pass",
        Status::Tip => "status.tip",
        Status::Warn => "status.warn",
        Status::Fail => "status.fail",
        Status::Pending => "status.pending",
        Status::Skip => "status.skip",
        Status::Error => "status.error",
    };
    Text::new(key).render(lang)
}

pub fn render(v: &Verdict, lesson: &Lesson, lang: Lang) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", lesson.title.get(lang).bold());
    let _ = writeln!(
        out,
        "{}",
        Text::new("report.where")
            .arg("account", v.account.as_deref().unwrap_or("?"))
            .arg("region", &v.region)
            .render(lang)
            .dimmed()
    );
    out.push('\n');

    if let Some(e) = &v.fatal {
        let _ = writeln!(
            out,
            "{} {}",
            mark(Status::Error),
            Text::new(e.catalogue_key())
                .arg("operation", e.operation)
                .arg("detail", e.to_string())
                .render(lang)
        );
        out.push('\n');
    }

    let width = lesson
        .steps
        .iter()
        .map(|s| super::width(s.title.get(lang)))
        .max()
        .unwrap_or(0);
    for (step, sv) in lesson.steps.iter().zip(&v.steps) {
        let title = super::pad(step.title.get(lang), width);
        let _ = writeln!(
            out,
            " {} {}  {}",
            mark(sv.status),
            title,
            format!("{:>3}/{}", sv.earned, sv.points).dimmed()
        );
        if v.fatal.is_some() {
            continue;
        }
        for f in &sv.findings {
            if matches!(f.status, Status::Pass) {
                continue;
            }
            let _ = writeln!(out, "     {} {}", mark(f.status), f.message.render(lang));
            if let Some(fix) = &f.remediation {
                if !matches!(f.status, Status::Skip) {
                    for (i, line) in fix.render(lang).lines().enumerate() {
                        let lead = if i == 0 { "→ " } else { "  " };
                        let _ = writeln!(out, "       {}{}", lead.cyan(), line);
                    }
                }
            }
        }
    }
    // A command pasted from here must find its document: say where `file://` points.
    let reads_files = v
        .steps
        .iter()
        .flat_map(|s| &s.findings)
        .any(|f| !f.status.is_done() && f.commands().iter().any(|c| c.contains("file://")));
    if reads_files && v.fatal.is_none() {
        let note = Text::new("report.files-note")
            .arg("dir", crate::steps::Lab::default_files(&v.lesson))
            .render(lang);
        let _ = writeln!(out, "\n{}", note.dimmed());
    }
    out.push('\n');
    let summary = Text::new("report.summary")
        .arg("earned", v.earned)
        .arg("possible", v.possible)
        .arg("status", status_word(v.status, lang))
        .render(lang);
    let summary = match v.status {
        Status::Pass | Status::Warn => summary.green().bold(),
        Status::Pending => summary.cyan().bold(),
        _ => summary.red().bold(),
    };
    let _ = writeln!(out, "{summary}");
    out
}
