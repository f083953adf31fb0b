//! The student's page state, built from verdicts made by hand: the language, the current step
//! with its fix and commands, a hostile value, an account that could not be read.

use super::*;
use crate::aws::{AwsError, ErrorKind};
use crate::engine::{assemble, overall};
use crate::finding::Finding;
use crate::lesson::Source;

fn lesson() -> Lesson {
    Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).expect("the first lesson loads")
}

fn verdict_of(lesson: &Lesson, findings: Vec<Vec<Finding>>) -> Verdict {
    let steps = assemble(lesson, findings);
    Verdict {
        lesson: lesson.id.clone(),
        account: Some("123456789012".into()),
        region: "ap-northeast-2".into(),
        status: overall(&steps),
        earned: steps.iter().map(|s| s.earned).sum(),
        possible: lesson.possible_points(),
        steps,
        fatal: None,
    }
}

fn passing() -> Finding {
    Finding::pass("ok", Text::new("flow-log.log-group-ok").arg("group", "G"))
}

/// The first step done, the second failing with `wrong`, the rest waiting.
fn second_failing(lesson: &Lesson, wrong: Finding) -> Verdict {
    let findings = (0..lesson.steps.len())
        .map(|i| match i {
            0 => vec![passing()],
            1 => vec![passing(), wrong.clone()],
            _ => vec![Finding::pending("wait", Text::new("live.not-checked"))],
        })
        .collect();
    verdict_of(lesson, findings)
}

fn not_running(id: &str) -> Finding {
    Finding::fail(
        "instance",
        Text::new("traffic.not-running")
            .arg("id", id)
            .arg("state", "stopped"),
    )
    .fix(Text::new("traffic.fix-start").arg(
        "cli",
        format!("aws ec2 start-instances --instance-ids {id}"),
    ))
}

const EN: View = View {
    lang: Lang::En,
    sandbox: false,
};
const KO: View = View {
    lang: Lang::Ko,
    sandbox: false,
};

#[test]
fn the_current_step_is_the_first_not_done_with_its_fix_commands_and_hints() {
    let lesson = lesson();
    let v = second_failing(&lesson, not_running("i-0abc"));
    let s = state(&lesson, Some(&v), None, Some("12:00:01"), EN);
    assert_eq!(s.lesson, "Send VPC Flow Logs to CloudWatch Logs");
    assert_eq!(s.steps.len(), lesson.steps.len());
    assert_eq!(s.steps[0].status, "pass");
    assert!(s.steps[0].done && !s.steps[1].done);
    assert_eq!(s.steps[1].status, "fail");
    assert_eq!(s.steps[1].word, "fail");
    assert_eq!(s.checked.as_deref(), Some("12:00:01"));
    let c = s.current.expect("a current step");
    assert_eq!(c.id, lesson.steps[1].id);
    assert_eq!(c.position, format!("2/{}", lesson.steps.len()));
    assert_eq!(c.title, lesson.steps[1].title.en);
    assert!(
        c.instructions.starts_with(
            lesson.steps[1]
                .instructions
                .en
                .trim()
                .lines()
                .next()
                .expect("a line")
        )
    );
    assert!(!c.instructions.contains('\n'), "{}", c.instructions);
    assert!(
        c.console.as_deref().is_some_and(|p| p.starts_with("IAM")),
        "{c:?}"
    );
    // The passing finding is not shown; the failing one is, its command alone.
    assert_eq!(c.findings.len(), 1, "{:?}", c.findings);
    let f = &c.findings[0];
    assert_eq!(f.status, "fail");
    assert_eq!(f.message, "The instance i-0abc is stopped, not running.");
    assert_eq!(
        f.commands,
        ["aws ec2 start-instances --instance-ids i-0abc"]
    );
    // The label that introduced the command goes with it.
    assert_eq!(f.fix, None);
    assert_eq!(c.hints.len(), lesson.steps[1].hints.len());
    assert!(!c.hints.is_empty());
    assert!(!s.done && s.error.is_none());
    assert_eq!(s.score.possible, 100);
}

#[test]
fn korean_is_korean_throughout() {
    let lesson = lesson();
    let v = second_failing(&lesson, not_running("i-0abc"));
    let s = state(&lesson, Some(&v), None, None, KO);
    assert_eq!(s.lesson, lesson.title.ko);
    assert_eq!(s.steps[1].title, lesson.steps[1].title.ko);
    assert_eq!(s.steps[1].word, "실패");
    assert_eq!(s.steps[2].word, "건너뜀");
    let c = s.current.expect("a current step");
    assert_eq!(c.instructions, reflowed(&lesson.steps[1].instructions.ko));
    assert!(
        c.console.as_deref().is_some_and(|p| p.contains("역할")),
        "{c:?}"
    );
    assert!(c.findings[0].message.contains("i-0abc"), "{:?}", c.findings);
    assert_eq!(s.score.word, "실패");
}

#[test]
fn a_hostile_value_stays_a_string_and_shows_its_invisible_characters() {
    let lesson = lesson();
    let hostile = "<img src=x onerror=alert(1)>\u{202E}gnp.exe\u{1b}[31m";
    let v = second_failing(&lesson, not_running(hostile));
    let s = state(&lesson, Some(&v), None, None, EN);
    let mut value = serde_json::to_value(&s).expect("serialises");
    crate::live::visible(&mut value);
    let f = &value["current"]["findings"][0];
    let message = f["message"].as_str().expect("a string");
    assert!(
        message.contains("<img src=x onerror=alert(1)><U+202E>gnp.exe\u{FFFD}[31m"),
        "{message}"
    );
    assert!(
        f["commands"][0]
            .as_str()
            .expect("a string")
            .contains("<img")
    );
}

#[test]
fn before_the_first_check_nothing_is_claimed() {
    let lesson = lesson();
    let s = state(&lesson, None, None, None, EN);
    assert!(s.steps.iter().all(|r| r.status == "unknown" && !r.done));
    assert_eq!(s.steps[0].word, "not checked yet");
    assert!(s.current.is_none() && !s.done && s.error.is_none());
}

#[test]
fn an_account_that_cannot_be_read_is_a_sentence_not_debug_output() {
    let lesson = lesson();
    let mut v = second_failing(&lesson, not_running("i-1"));
    v.fatal = Some(AwsError {
        kind: ErrorKind::Credentials,
        operation: "sts:GetCallerIdentity",
        code: Some("InvalidClientTokenId".into()),
        detail: "The security token included in the request is invalid.".into(),
        request_id: None,
    });
    for view in [EN, KO] {
        let s = state(&lesson, Some(&v), None, None, view);
        let error = s.error.expect("an error");
        assert!(error.contains("sts:GetCallerIdentity"), "{error}");
        assert!(
            !error.contains("AwsError") && !error.contains("kind:"),
            "{error}"
        );
        assert!(s.current.is_none() && !s.done);
    }
}

#[test]
fn every_step_done_is_said_with_the_record() {
    let lesson = lesson();
    let findings = lesson.steps.iter().map(|_| vec![passing()]).collect();
    let v = verdict_of(&lesson, findings);
    let record = Record {
        step: "traffic".into(),
        line: "2 123456789012 eni-1 1.2.3.4 10.0.0.5 5555 80 6 1 40 1 2 ACCEPT OK".into(),
        stream: "eni-1-all".into(),
        fields: vec![Explained {
            field: "action".into(),
            value: Some("ACCEPT".into()),
            meaning: "let in".into(),
        }],
    };
    let s = state(&lesson, Some(&v), Some(&record), None, EN);
    assert!(s.done && s.current.is_none());
    assert_eq!(s.score.earned, 100);
    assert_eq!(s.record, Some(record));
}

#[test]
fn the_page_has_its_words_in_the_students_language_and_nothing_from_outside() {
    let lesson = lesson();
    for (lang, words) in [(Lang::En, ["Steps", "Copy"]), (Lang::Ko, ["단계", "복사"])] {
        let (_, rx) = crate::live::Publisher::new(&serde_json::json!({}));
        let page = site(&lesson, lang, rx);
        for w in words {
            assert!(page.html.contains(w), "{w}");
        }
        assert!(page.html.contains(lesson.title.get(lang)));
        assert!(!page.html.contains("http://") && !page.html.contains("https://"));
        assert!(!SCRIPT.contains("innerHTML") && !SCRIPT.contains("insertAdjacentHTML"));
        assert!(SCRIPT.contains("new EventSource(\"events\")"));
    }
}

#[test]
fn a_fix_keeps_its_prose_and_loses_its_commands_and_their_labels() {
    let fix =
        "Console: IAM → Roles.\nCLI:\n$ aws iam create-role\nThen check it.\n$ aws iam get-role";
    assert_eq!(prose_of(fix), "Console: IAM → Roles.\nThen check it.");
    assert_eq!(reflowed("one\ntwo\n\nthree\n"), "one two\n\nthree");
}
