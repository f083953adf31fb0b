//! `awslab lesson check`: the shipped lessons are valid and sound (proved in a private sandbox),
//! and each broken fixture under tests/fixtures/lessons/ is refused with exit 2, naming the
//! file and the field at fault.

use crate::common::sandbox::awslab_in;
use crate::common::*;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lessons")
}

/// `lesson check` of one fixture lesson's directory.
fn check_fixture(id: &str) -> Run {
    let cache = TempDir::new();
    awslab_in(&cache)
        .args(["lesson", "check"])
        .arg_path(fixtures().join(id))
        .run()
}

trait ArgPath {
    fn arg_path(&mut self, path: PathBuf) -> &mut Self;
}

impl ArgPath for Awslab {
    fn arg_path(&mut self, path: PathBuf) -> &mut Self {
        self.args([path])
    }
}

fn assert_refused(id: &str, field: &str, words: &str) {
    let run = check_fixture(id);
    let out = run.stdout();
    assert_eq!(run.code(), 2, "{id}:\n{out}\n{}", run.stderr());
    let file = format!("{id}/lesson.toml");
    let line = out
        .lines()
        .find(|l| l.contains('✗') && l.contains(field))
        .unwrap_or_else(|| panic!("{id}: no problem about {field}:\n{out}"));
    assert!(line.contains(&file), "{id}: names the file: {line}");
    assert!(line.contains(words), "{id}: says '{words}': {line}");
    assert!(
        !out.contains("sandbox"),
        "a broken lesson never reaches the sandbox:\n{out}"
    );
}

#[test]
fn the_shipped_lessons_are_valid_and_sound() {
    let cache = TempDir::new();
    let run = awslab_in(&cache)
        .args(["lesson", "check", "--lang", "en"])
        .run();
    let out = run.stdout();
    assert_eq!(run.code(), 0, "{out}\n{}", run.stderr());
    assert!(out.contains("lessons/vpc-flow-logs/lesson.toml"), "{out}");
    assert!(out.contains("points (100)"), "{out}");
    assert!(
        out.contains("on an empty account every step but the request fails"),
        "{out}"
    );
    for step in ["policy", "role", "trust", "log-group", "flow-log"] {
        assert!(
            out.contains(&format!("✓ {step} passes once applied")),
            "{out}"
        );
    }
    assert!(
        out.contains("traffic: the test request's record arrived"),
        "{out}"
    );
    // The second lesson starts where the first ends: that is done first, in its sandbox.
    assert!(
        out.contains("lessons/flow-logs-troubleshooting/lesson.toml"),
        "{out}"
    );
    assert!(
        out.contains("✓ vpc-flow-logs done first, step by step"),
        "{out}"
    );
    assert!(
        out.contains("where vpc-flow-logs ends, every step but the requests fails"),
        "{out}"
    );
    assert!(out.contains("✓ close-port passes once applied"), "{out}");
    for step in ["rejected", "reopened"] {
        assert!(
            out.contains(&format!("✓ {step}: the test request's record arrived")),
            "{out}"
        );
    }
    assert!(out.contains("2 lessons checked: sound."), "{out}");
}

#[test]
fn the_repository_layout_checks_statically() {
    let cache = TempDir::new();
    let lessons = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("lessons");
    let run = awslab_in(&cache)
        .args(["lesson", "check", "--static"])
        .arg_path(lessons)
        .run();
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
}

#[test]
fn points_that_do_not_add_up_to_100_are_refused() {
    assert_refused("bad-points", "steps[*].points", "add up to 90, not 100");
}

#[test]
fn a_text_without_korean_is_refused() {
    assert_refused("no-korean", "steps[0] (policy).title.ko", "missing");
}

#[test]
fn a_korean_particle_written_for_one_sound_is_refused() {
    // `{policy}를` reads wrong for a name that ends in a consonant: the pair lets awslab choose.
    assert_refused(
        "one-sound-particle",
        "steps[0] (policy).title.ko",
        "'{policy}를': a particle written for one sound",
    );
}

#[test]
fn a_dependency_on_a_later_step_is_refused() {
    assert_refused(
        "later-dependency",
        "steps[0] (policy).depends",
        "comes later",
    );
}

#[test]
fn a_dependency_on_an_unknown_step_is_refused() {
    assert_refused(
        "unknown-dependency",
        "steps[1] (log-group).depends",
        "no step 'polcy'",
    );
}

#[test]
fn a_lesson_that_names_no_vpc_for_the_sandbox_is_refused() {
    let run = check_fixture("no-vpc");
    let out = run.stdout();
    assert_eq!(run.code(), 2, "{out}\n{}", run.stderr());
    let line = out
        .lines()
        .find(|l| l.contains('✗') && l.contains("no-vpc/lesson.toml, line 7: variables.vpc:"))
        .unwrap_or_else(|| panic!("no problem about variables.vpc:\n{out}"));
    assert!(line.contains("names no VPC"), "{line}");
    assert!(
        !out.contains("private sandbox"),
        "it never reaches one:\n{out}"
    );
}

#[test]
fn a_missing_asset_is_refused() {
    assert_refused(
        "missing-asset",
        "steps[0] (policy).with.document",
        "file not found",
    );
}

#[test]
fn an_asset_that_is_not_json_is_refused() {
    assert_refused(
        "invalid-json",
        "steps[0] (policy).with.document",
        "not valid JSON",
    );
}

/// A lesson whose policy grants `*` and whose trust policy lets in another account: valid in
/// every other way, and refused, naming each statement, also by `--static`.
#[test]
fn documents_that_grant_more_than_the_lesson_or_trust_others_are_refused() {
    assert_refused(
        "overreaching",
        "steps[0] (policy).with.document",
        "flow-policy.json, statement 1 (Sid Everything), grants *,",
    );
    assert_refused(
        "overreaching",
        "steps[2] (trust).with.document",
        "statement 1, trusts AWS arn:aws:iam::999999999999:root",
    );
    let cache = TempDir::new();
    let run = awslab_in(&cache)
        .args(["lesson", "check", "--static", "--lang", "ko"])
        .arg_path(fixtures().join("overreaching"))
        .run();
    let out = run.stdout();
    assert_eq!(run.code(), 2, "{out}\n{}", run.stderr());
    assert!(
        out.contains("trust-policy.json의 문장 1: AWS arn:aws:iam::999999999999:root을 신뢰합니다"),
        "{out}"
    );
}

#[test]
fn a_directory_of_lessons_reports_every_broken_one() {
    let cache = TempDir::new();
    let run = awslab_in(&cache)
        .args(["lesson", "check"])
        .arg_path(fixtures())
        .run();
    let out = run.stdout();
    assert_eq!(run.code(), 2, "{out}\n{}", run.stderr());
    for id in [
        "bad-points",
        "no-korean",
        "later-dependency",
        "unknown-dependency",
        "missing-asset",
        "invalid-json",
        "overreaching",
        "no-vpc",
    ] {
        assert!(
            out.lines()
                .any(|l| l.contains('✗') && l.contains(&format!("{id}/lesson.toml"))),
            "{id}:\n{out}"
        );
    }
    assert!(out.contains("problems found"), "{out}");
}

#[test]
fn every_problem_is_listed_at_once_and_a_missing_asset_says_where_it_was_looked_for() {
    let run = check_fixture("many-problems");
    let out = run.stdout();
    assert_eq!(run.code(), 2, "{out}\n{}", run.stderr());
    for (field, words) in [
        ("steps[1] (bucket).kind", "unknown step kind 's3-bucket'"),
        ("steps[0] (policy).with.document", "missing-policy.json"),
        ("steps[2] (trust).with.document", "missing-trust.json"),
    ] {
        let line = out
            .lines()
            .find(|l| l.contains('✗') && l.contains(field))
            .unwrap_or_else(|| panic!("no problem about {field}:\n{out}"));
        assert!(line.contains(words), "{line}");
        if field.ends_with("document") {
            assert!(
                line.contains("looked up in") && line.contains("many-problems/"),
                "{line}"
            );
        }
    }
}
