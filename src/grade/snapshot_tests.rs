//! What people and tools read, pinned: the text (Korean and English), JSON and JUnit of a
//! verdict, and report.md of a class, for a few lab states built from the kinds' own checks on
//! observations made by hand (`steps::fixtures`), without the emulator. Account ids, resource
//! ids and times are redacted, so a snapshot changes only when what a person reads does.
//!
//! A changed output fails here; look at the new text, and if it is right, write the snapshots
//! again with `INSTA_UPDATE=always cargo test --lib snapshot_tests` and read the diff.

use super::report::{Meta, Outcome, document, markdown};
use super::{Graded, html::Class};
use crate::engine::{self, Verdict};
use crate::finding::{Finding, Status};
use crate::i18n::{Lang, Text};
use crate::lesson::{Lesson, Source};
use crate::steps::fixtures::{self, NOW, Observations};

fn lesson() -> Lesson {
    Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).expect("the first lesson loads")
}

/// The verdict `engine::verify` gives for what `observations` saw.
fn verdict(lesson: &Lesson, observations: &Observations) -> Verdict {
    verdict_of(lesson, observations.judged(&lesson.lab))
}

fn verdict_of(lesson: &Lesson, findings: Vec<Vec<Finding>>) -> Verdict {
    let steps = engine::assemble(lesson, findings);
    Verdict {
        lesson: lesson.id.clone(),
        account: Some(fixtures::ACCOUNT.to_string()),
        region: fixtures::REGION.to_string(),
        status: engine::overall(&steps),
        earned: steps.iter().map(|s| s.earned).sum(),
        possible: lesson.possible_points(),
        steps,
        fatal: None,
    }
}

/// Everything done, the record arrived.
fn done() -> Observations {
    Observations::solved()
}

/// Half done: the policy is right (with a tip), but nothing is attached to the role, the role
/// trusts EC2, and the flow log writes to another log group; the record cannot come.
fn half_done() -> Observations {
    let mut o = Observations::solved();
    o.role = fixtures::role_observed(Vec::new());
    o.trust = fixtures::trust_observed(Some(
        &fixtures::TRUST_POLICY.replace("vpc-flow-logs.amazonaws.com", "ec2.amazonaws.com"),
    ));
    let mut fl = fixtures::lab_flow_log();
    fl.log_group = Some("Other-Log".to_string());
    o.flow_log = fixtures::flow_log_observed(vec![fl]);
    o.traffic = fixtures::traffic_observed(Vec::new(), false);
    o
}

/// Everything configured, the access record not there yet.
fn pending() -> Observations {
    let mut o = Observations::solved();
    o.traffic = fixtures::traffic_observed(Vec::new(), false);
    o
}

/// Runs `check` with the redactions every snapshot here shares.
fn redacted(check: impl FnOnce()) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for (pattern, replacement) in [
        // Unix milliseconds and seconds of this century.
        (r"\b1[0-9]{12}\b", "[time-ms]"),
        (r"\b1[0-9]{9}\b", "[time]"),
        (r"\b20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z", "[date]"),
        (r"\b[0-9]{12}\b", "[account]"),
        (
            r"\b(vpc|fl|eni|i|sg|sgr|subnet|acl|ANPA|AROA)-?[0-9a-fA-Z]{8,20}\b",
            "[$1-id]",
        ),
        // awslab's own version, which every release changes.
        (r"(awslab\W+)[0-9]+\.[0-9]+\.[0-9]+", "$1[version]"),
        // Addresses and ports that a sandbox or a record would pick.
        (r"\b(127\.0\.0\.1|203\.0\.113\.[0-9]+):[0-9]+", "$1:[port]"),
        (
            r"\b(198\.51\.100\.[0-9]+ 10\.[0-9.]+) [0-9]+ ",
            "$1 [port] ",
        ),
    ] {
        settings.add_filter(pattern, replacement);
    }
    settings.bind(check);
}

/// The terminal's text without its colours.
fn text(v: &Verdict, lesson: &Lesson, lang: Lang) -> String {
    console::strip_ansi_codes(&crate::report::text::render(v, lesson, lang)).into_owned()
}

#[test]
fn verdicts_as_text_in_both_languages() {
    let lesson = lesson();
    redacted(|| {
        for (state, observed) in [
            ("done", done()),
            ("half-done", half_done()),
            ("pending", pending()),
        ] {
            let v = verdict(&lesson, &observed);
            for lang in [Lang::En, Lang::Ko] {
                insta::assert_snapshot!(
                    format!("text-{state}-{}", lang.code()),
                    text(&v, &lesson, lang)
                );
            }
        }
    });
}

#[test]
fn verdicts_as_json() {
    let lesson = lesson();
    redacted(|| {
        for (state, observed) in [
            ("done", done()),
            ("half-done", half_done()),
            ("pending", pending()),
        ] {
            let v = verdict(&lesson, &observed);
            insta::assert_json_snapshot!(
                format!("json-{state}"),
                crate::report::json::verdict(&v, Lang::En),
                { ".account" => "[account]" }
            );
        }
    });
}

#[test]
fn verdicts_as_junit() {
    let lesson = lesson();
    let (done, half, pending) = (
        verdict(&lesson, &done()),
        verdict(&lesson, &half_done()),
        verdict(&lesson, &pending()),
    );
    let suites = [
        ("kim".to_string(), &done),
        ("lee".to_string(), &half),
        ("park".to_string(), &pending),
    ];
    redacted(|| {
        insta::assert_snapshot!("junit", crate::report::junit::document(&suites, Lang::En));
    });
}

fn graded(student: &str, verdict: Verdict) -> Graded {
    Graded {
        student: student.to_string(),
        key: None,
        columns: Vec::new(),
        line: 2,
        account: verdict.account.clone(),
        region: fixtures::REGION.to_string(),
        graded_at: NOW,
        verdict,
        error: None,
        late: Vec::new(),
        undatable: Vec::new(),
    }
}

/// An account that never answered, as `grade` reports it: not graded, not zero.
fn not_graded(lesson: &Lesson, student: &str, lang: Lang) -> Graded {
    let why = Text::new("grade.account-timeout").arg("seconds", 60);
    let finding = Finding::new("timeout", Status::Error, why.clone());
    let mut v = super::unreadable(lesson, fixtures::REGION, &[finding], None);
    v.account = None;
    Graded {
        account: Some("210987654321".to_string()),
        error: Some(why.render(lang)),
        ..graded(student, v)
    }
}

#[test]
fn a_class_as_report_md_in_both_languages() {
    let lesson = lesson();
    for lang in [Lang::En, Lang::Ko] {
        let class = [
            graded("Kim Minsu", verdict(&lesson, &done())),
            graded("Lee Seoyeon", verdict(&lesson, &half_done())),
            graded("Park Jiho", verdict(&lesson, &pending())),
            not_graded(&lesson, "Choi Yuna", lang),
        ];
        let meta = Meta {
            graded_at: NOW,
            deadline: None,
            roster: "class.csv".to_string(),
            incomplete: None,
            run: None,
            only: Vec::new(),
        };
        let doc = document(&Outcome {
            lesson: &lesson,
            graded: &class,
            rejected: &[],
            skipped: &[],
            meta: &meta,
            lang,
        });
        let class: Class = serde_json::from_value(doc).expect("grades.json reads back");
        redacted(|| {
            insta::assert_snapshot!(
                format!("report-md-{}", lang.code()),
                markdown(&class, Some(&lesson), lang)
            );
        });
    }
}
