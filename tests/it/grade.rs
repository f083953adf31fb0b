//! `awslab grade` over a class of emulated accounts (assuming a role in another account id
//! switches moto to that account's state): scores, isolation of failures, reports, roster
//! errors, deadlines, and the grading role's policy.

use crate::common::student::*;
use crate::common::*;
use futures::future::join_all;
use serde_json::Value;
use std::collections::BTreeMap;

/// The instructor's own credentials: the emulator's default account.
fn instructor() -> Awslab {
    let mut cmd = Awslab::bare();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", &moto().endpoint);
    cmd
}

/// A student's account in a named state, and the score and status it must get.
struct Case {
    student: &'static str,
    lab: Lab,
    score: u64,
    status: &'static str,
}

async fn seed(student: &'static str, state: &'static str) -> Case {
    let lab = Lab::new().await;
    let (score, status) = lab.put_in_state(state).await;
    Case {
        student,
        lab,
        score,
        status,
    }
}

fn roster(cases: &[Case], extra: &str) -> TempDir {
    let dir = TempDir::new();
    let mut text = String::from("student,account_id,profile,region\n");
    for c in cases {
        text.push_str(&format!("{},{},,{REGION}\n", c.student, c.lab.account.id));
    }
    text.push_str(extra);
    std::fs::write(dir.0.join("roster.csv"), text).expect("write roster");
    dir
}

#[tokio::test(flavor = "multi_thread")]
async fn a_class_of_twenty_three_is_graded_in_one_run() {
    let states = [
        ("s01", "solved"),
        ("s02", "solved"),
        ("s03", "solved"),
        ("s04", "pending"),
        ("s05", "pending"),
        ("s06", "empty"),
        ("s07", "empty"),
        ("s08", "policy-missing-action"),
        ("s09", "policy-missing-action"),
        ("s10", "trust-ec2"),
        ("s11", "trust-ec2"),
        ("s12", "not-attached"),
        ("s13", "no-log-group"),
        ("s14", "wrong-group"),
        ("s15", "reject-only"),
        ("s16", "rejected-record"),
        ("s17", "policy-typo"),
        ("s18", "solved"),
        ("s19", "pending"),
        ("s20", "not-attached"),
        ("s21", "wrong-group"),
        ("s22", "empty"),
    ];
    let cases: Vec<Case> = join_all(states.iter().map(|(s, st)| seed(s, st))).await;
    // One student whose account cannot be reached: a profile the instructor does not have.
    let dir = roster(&cases, "s23,,no-such-profile,\n");
    let out = dir.0.join("out");
    let run = instructor()
        .args(["grade", "--jobs", "6", "--format", "json", "--roster"])
        .args([dir.0.join("roster.csv")])
        .args(["--out"])
        .args([&out])
        .run();
    assert_eq!(
        run.code(),
        2,
        "one account could not be read: {}",
        run.stderr()
    );
    let v = run.json();
    let students = v["students"].as_array().expect("students");
    assert_eq!(students.len(), 23);
    for (c, s) in cases.iter().zip(students) {
        assert_eq!(s["student"], c.student);
        assert_eq!(s["account"], c.lab.account.id.as_str(), "{}", c.student);
        assert_eq!(s["score"], c.score, "{}: {:#}", c.student, s["verify"]);
        assert_eq!(s["verify"]["status"], c.status, "{}", c.student);
        assert!(s["error"].is_null(), "{}: {}", c.student, s["error"]);
    }
    let broken = &students[22];
    assert_eq!(broken["student"], "s23");
    assert!(
        broken["error"]
            .as_str()
            .unwrap_or("")
            .contains("no-such-profile"),
        "{broken:#}"
    );

    // The same verdicts as `verify` of each account on its own.
    let alone = cases[7].lab.account.awslab().verify_json().1;
    assert_eq!(alone["score"], students[7]["verify"]["score"]);

    // grades.csv: a row per student, a column per step plus the total.
    let csv_text = std::fs::read_to_string(out.join("grades.csv")).expect("grades.csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    for col in [
        "student",
        "policy",
        "role",
        "trust",
        "log-group",
        "flow-log",
        "traffic",
        "total",
        "late",
        "error",
    ] {
        assert!(
            header.iter().any(|h| h == col),
            "{col} missing in {header:?}"
        );
    }
    let rows: Vec<BTreeMap<String, String>> =
        reader.deserialize().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 23);
    assert_eq!(rows[0]["total"], "100");
    assert_eq!(rows[7]["policy"], "0");
    assert_eq!(rows[7]["role"], "15");

    // grades.json parses and holds each student's verify JSON.
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("grades.json")).expect("grades.json"),
    )
    .expect("grades.json is JSON");
    assert_eq!(json["lesson"], "vpc-flow-logs");
    assert_eq!(json["students"][0]["verify"]["steps"][0]["id"], "policy");

    // junit.xml: a testsuite per student.
    let xml = std::fs::read_to_string(out.join("junit.xml")).expect("junit.xml");
    let doc = roxmltree::Document::parse(&xml).expect("junit.xml is XML");
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 23);
    assert_eq!(suites[0].attribute("failures"), Some("0"));

    // report.md: the class summary with the most common failing checks and their fixes.
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(md.contains("Score distribution"), "{md}");
    assert!(
        md.contains("`policy.exists`") || md.contains("`role.policy-attached`"),
        "{md}"
    );
    assert!(
        md.contains("aws iam attach-role-policy"),
        "fixes are included: {md}"
    );
    assert!(md.contains("s23"), "unreadable accounts are listed: {md}");
    assert!(md.contains("| score | students |"), "{md}");

    // report.html: the same numbers as grades.json, every student a row.
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    crate::common::page::assert_matches_grades(&html, &json);
    let fixes = crate::common::page::texts(&html, "ol.failing pre");
    assert!(
        fixes
            .iter()
            .any(|f| f.contains("aws iam attach-role-policy")),
        "fixes are on the page: {fixes:?}"
    );
    let unreadable = crate::common::page::texts(&html, "#unreadable + ul li");
    assert!(
        unreadable.iter().any(|l| l.contains("s23")),
        "{unreadable:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_roster_rows_are_reported_and_the_rest_graded() {
    let case = seed("good", "solved").await;
    let dir = TempDir::new();
    let text = format!(
        "student,account_id,role_arn\ngood,{},\n,111122223333,\ntwice,12345,\ngood,{},\nboth,111122223333,arn:aws:iam::111122223333:role/x\n",
        case.lab.account.id, case.lab.account.id
    );
    let path = dir.0.join("roster.csv");
    std::fs::write(&path, text).expect("write");
    let run = instructor()
        .args(["grade", "--format", "csv", "--roster"])
        .args([&path])
        .run();
    assert_eq!(run.code(), 2);
    let err = run.stderr();
    for line in [":3:", ":4:", ":5:", ":6:"] {
        assert!(err.contains(line), "line {line} not reported: {err}");
    }
    assert!(err.contains("listed twice"), "{err}");
    assert!(
        run.stdout().contains("good,"),
        "the valid row is graded: {}",
        run.stdout()
    );

    let strict = instructor()
        .args(["grade", "--strict", "--roster"])
        .args([&path])
        .run();
    assert_eq!(strict.code(), 2);
    assert!(strict.stdout().is_empty(), "nothing graded with --strict");
}

#[test]
fn a_roster_without_the_needed_columns_is_a_clear_error() {
    let dir = TempDir::new();
    let path = dir.0.join("roster.csv");
    std::fs::write(&path, "name,email\nkim,kim@example.com\n").expect("write");
    let run = instructor().args(["grade", "--roster"]).args([&path]).run();
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("student"), "{}", run.stderr());
    let missing = instructor()
        .args(["grade", "--roster", "/no/such/file.csv"])
        .run();
    assert_eq!(missing.code(), 2);
    assert!(!missing.stderr().contains("panicked"));
}

#[tokio::test(flavor = "multi_thread")]
async fn work_after_the_deadline_is_flagged_late() {
    let cases = vec![seed("early", "solved").await];
    let dir = roster(&cases, "");
    let path = dir.0.join("roster.csv");
    // Everything in the emulator was made just now: after a deadline in the past…
    let past = instructor()
        .args([
            "grade",
            "--format",
            "json",
            "--deadline",
            "2020-01-01T00:00:00Z",
            "--roster",
        ])
        .args([&path])
        .run();
    assert_eq!(past.code(), 0, "{}", past.stderr());
    let v = past.json();
    assert_eq!(v["students"][0]["late"], true);
    let late: Vec<&str> = v["students"][0]["late_steps"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for step in ["policy", "role", "log-group", "flow-log", "traffic"] {
        assert!(late.contains(&step), "{step} not late: {late:?}");
    }
    assert_eq!(
        v["students"][0]["score"], 100,
        "the lesson's policy is to flag, not to take points"
    );
    // …and before one in the future.
    let future = instructor()
        .args([
            "grade",
            "--format",
            "json",
            "--deadline",
            "2099-01-01T00:00:00+09:00",
            "--roster",
        ])
        .args([&path])
        .run();
    assert_eq!(future.json()["students"][0]["late"], false);

    // A lesson whose policy is no credit for late work.
    let lessons = TempDir::new();
    let lesson_dir = lessons.0.join("vpc-flow-logs");
    std::fs::create_dir_all(&lesson_dir).expect("mkdir");
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/lessons/vpc-flow-logs/lesson.toml"
    ))
    .expect("lesson");
    std::fs::write(
        lesson_dir.join("lesson.toml"),
        shipped.replace("late = \"flag\"", "late = \"no-credit\""),
    )
    .expect("write lesson");
    for asset in ["flow-policy.json", "trust-policy.json"] {
        std::fs::write(lesson_dir.join(asset), asset_text(asset)).expect("asset");
    }
    let strict = instructor()
        .args(["--lessons"])
        .args([&lessons.0])
        .args([
            "grade",
            "--format",
            "json",
            "--deadline",
            "2020-01-01T00:00:00Z",
            "--roster",
        ])
        .args([&path])
        .run();
    assert_eq!(strict.code(), 0, "{}", strict.stderr());
    // Trust has no creation time of its own: its 15 points stay.
    assert_eq!(strict.json()["students"][0]["score"], 15);

    let bad = instructor()
        .args(["grade", "--deadline", "tomorrow", "--roster"])
        .args([&path])
        .run();
    assert_eq!(bad.code(), 2);
    assert!(bad.stderr().contains("RFC 3339"), "{}", bad.stderr());
}

fn asset_text(name: &str) -> String {
    crate::common::student::asset(name)
}

#[tokio::test(flavor = "multi_thread")]
async fn print_policy_covers_exactly_what_verify_calls() {
    let run = instructor().args(["grade", "--print-policy"]).run();
    assert_eq!(run.code(), 0);
    let policy = run.json();
    let allowed: Vec<String> = policy["Statement"][0]["Action"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|a| a.as_str().map(String::from))
        .collect();
    assert_eq!(allowed, awslab::aws::record::VERIFY_ACTIONS);

    // Every state that makes verify take another path: solved, empty (log group looked up in
    // other regions), an inline policy on the role, a policy whose version in force falls
    // short (its other versions are read).
    let solved = Lab::solved().await;
    let empty = Lab::new().await;
    let odd = Lab::new().await;
    odd.create_role(ROLE, &trust_policy()).await;
    odd.put_inline(ROLE, "inline", &flow_policy()).await;
    // A rule from a managed prefix list: the second lesson reads the list's entries.
    let list = odd
        .ec2
        .create_managed_prefix_list()
        .prefix_list_name("office")
        .address_family("IPv4")
        .max_entries(5)
        .entries(
            aws_sdk_ec2::types::AddPrefixListEntry::builder()
                .cidr("198.51.100.0/24")
                .build(),
        )
        .send()
        .await
        .expect("create-managed-prefix-list");
    odd.ec2
        .authorize_security_group_ingress()
        .group_id(&odd.pre.security_group_id)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(443)
                .to_port(443)
                .prefix_list_ids(
                    aws_sdk_ec2::types::PrefixListId::builder()
                        .set_prefix_list_id(
                            list.prefix_list()
                                .and_then(|p| p.prefix_list_id())
                                .map(str::to_string),
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("authorize from the prefix list");
    let short = Lab::new().await;
    short.create_policy(POLICY, &flow_policy()).await;
    short
        .new_default_version(POLICY, &flow_policy().replace("\"logs:PutLogEvents\",", ""))
        .await;
    let mut called = std::collections::BTreeSet::new();
    // Each lesson's verify, in each state.
    for lab in [&solved, &empty, &odd, &short] {
        for lesson in ["vpc-flow-logs", "flow-logs-troubleshooting"] {
            let dir = TempDir::new();
            let log = dir.0.join("calls");
            let run = lab
                .account
                .awslab()
                .env("AWSLAB_RECORD_CALLS", &log)
                .args(["verify", lesson, "--format", "json"])
                .run();
            let _ = run.json();
            let text = std::fs::read_to_string(&log).expect("call log");
            called.extend(text.lines().filter(|l| !l.is_empty()).map(String::from));
        }
    }
    for call in &called {
        assert!(
            allowed.contains(call),
            "verify called {call}, which the grading policy does not allow"
        );
    }
    // iam:GetPolicy reads AWS managed policies attached to the role; moto only has those when
    // it loads its managed-policy catalogue, which this suite does not, so that path is not
    // taken here.
    for action in allowed.iter().filter(|a| *a != "iam:GetPolicy") {
        assert!(
            called.contains(action),
            "the policy allows {action}, which verify never needed here"
        );
    }
}

/// The sample class of scripts/report-screenshot.sh, drawn again from its grades.json
/// (`--from-json`): the page in the language the file was graded in, the same numbers.
#[test]
fn the_sample_class_is_drawn_from_its_grades_json() {
    for (lang, heading) in [("ko", "학생별 결과"), ("en", "Students")] {
        let fixture = format!(
            "{}/tests/fixtures/report/grades.{lang}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let dir = TempDir::new();
        let run = Awslab::bare()
            .args(["grade", "--from-json", &fixture, "--out"])
            .args([&dir.0])
            .run();
        assert_eq!(run.code(), 0, "{}", run.stderr());
        let html = std::fs::read_to_string(dir.0.join("report.html")).expect("report.html");
        let json: Value =
            serde_json::from_str(&std::fs::read_to_string(&fixture).expect("fixture"))
                .expect("fixture is JSON");
        crate::common::page::assert_matches_grades(&html, &json);
        assert!(html.contains(&format!("<html lang=\"{lang}\">")));
        let headings = crate::common::page::texts(&html, "h2");
        assert!(headings.iter().any(|h| h == heading), "{headings:?}");
    }
    let dir = TempDir::new();
    let bad = dir.0.join("grades.json");
    std::fs::write(&bad, "{\"students\": 3}").expect("write");
    let run = Awslab::bare()
        .args(["grade", "--from-json"])
        .args([&bad])
        .args(["--out"])
        .args([&dir.0])
        .run();
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains("not grades.json"), "{}", run.stderr());
}
