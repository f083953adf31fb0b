//! `awslab grade` over a class of emulated accounts (assuming a role in another account id
//! switches moto to that account's state): scores, isolation of failures, reports, roster
//! errors, deadlines, and the grading role's policy.

use crate::common::student::*;
use crate::common::*;
use futures::future::join_all;
use serde_json::Value;
use std::collections::BTreeMap;

/// The instructor's own credentials: the emulator's default account.
pub(crate) fn instructor() -> Awslab {
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
    // The trust policy is dated by its role's creation: the role was made after the deadline.
    for step in [
        "policy",
        "role",
        "trust",
        "log-group",
        "flow-log",
        "traffic",
    ] {
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
    // Every step lost its points, so the student has not passed, though every check is done.
    let v = strict.json();
    assert_eq!(v["students"][0]["score"], 0);
    assert_eq!(v["students"][0]["status"], "fail");
    assert_eq!(v["students"][0]["verify"]["status"], "fail");
    assert_eq!(v["students"][0]["verify"]["steps"][0]["status"], "fail");
    // The step says why it failed.
    let checks = &v["students"][0]["verify"]["steps"][0]["checks"];
    assert!(
        checks
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["id"] == "policy.late" && c["status"] == "fail"),
        "{checks:#}"
    );

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
        // What a person reads has no Rust debug output, in the sample as in a real run.
        for debug in ["DispatchFailure", "{ source:", "Some("] {
            assert!(!html.contains(debug), "{debug} in report.html");
        }
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

/// A roster of `cases` with no region column: the region is the course's.
fn roster_without_region(cases: &[&Case]) -> TempDir {
    let dir = TempDir::new();
    let mut text = String::from("student,account_id\n");
    for c in cases {
        text.push_str(&format!("{},{}\n", c.student, c.lab.account.id));
    }
    std::fs::write(dir.0.join("roster.csv"), text).expect("write roster");
    dir
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn csv_rows(path: &std::path::Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .map(|r| r.expect("row"))
        .collect()
}

/// The run folders under `out/runs`, oldest first.
/// The file names in a grades folder's `students/`, sorted.
fn student_pages(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("students"))
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn runs(out: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(out.join("runs"))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// Every output says what it is: when, where, against which lesson version, by which awslab,
/// the deadline, the class, whole or not.
fn assert_dated(out: &std::path::Path, region: &str) {
    let json = read_json(&out.join("grades.json"));
    for field in ["graded_at", "lesson_version", "awslab_version", "roster"] {
        assert!(json[field].is_string(), "{field}: {json:#}");
    }
    assert_eq!(json["regions"], serde_json::json!([region]));
    assert!(json["complete"].is_boolean());
    let graded_at = json["graded_at"].as_str().unwrap_or_default();
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    let xml = std::fs::read_to_string(out.join("junit.xml")).expect("junit.xml");
    for (name, text) in [
        ("report.md", &md),
        ("report.html", &html),
        ("junit.xml", &xml),
    ] {
        for value in [
            graded_at,
            region,
            json["lesson_version"].as_str().unwrap_or("?"),
        ] {
            assert!(text.contains(value), "{name} lacks {value}");
        }
    }
    let rows = csv_rows(&out.join("grades.csv"));
    assert!(
        rows.iter()
            .all(|r| !r["graded_at"].is_empty() && r["region"] == region)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_run_never_replaces_the_class_view() {
    let cases = join_all([seed("kim", "solved"), seed("lee", "pending")]).await;
    let dir = roster(&cases, "");
    let out = dir.0.join("grades");
    let good = instructor()
        .args(["grade", "--roster"])
        .args([dir.0.join("roster.csv")])
        .args(["--out"])
        .args([&out])
        .run();
    assert_eq!(good.code(), 0, "{}", good.stderr());
    assert_dated(&out, REGION);
    let view = std::fs::read(out.join("grades.csv")).expect("grades.csv");
    let view_json = std::fs::read(out.join("grades.json")).expect("grades.json");
    assert_eq!(csv_rows(&out.join("grades.csv"))[0]["total"], "100");

    // The endpoint is down: nothing listens on this port.
    let down = format!("http://127.0.0.1:{}", free_port());
    let failed = instructor()
        .env("AWS_ENDPOINT_URL", &down)
        .env("AWS_MAX_ATTEMPTS", "1")
        .args(["grade", "--account-timeout", "20", "--roster"])
        .args([dir.0.join("roster.csv")])
        .args(["--out"])
        .args([&out])
        .run();
    assert_eq!(failed.code(), 2, "{}", failed.stderr());
    assert!(failed.stderr().contains("unchanged"), "{}", failed.stderr());
    assert_eq!(std::fs::read(out.join("grades.csv")).expect("csv"), view);
    assert_eq!(
        std::fs::read(out.join("grades.json")).expect("json"),
        view_json
    );

    // The failed run has its own folder, marked incomplete, every row not graded.
    let all = runs(&out);
    assert_eq!(all.len(), 2, "{all:?}");
    let failed_run = &all[1];
    assert!(failed_run.join("INCOMPLETE.txt").is_file());
    let doc = read_json(&failed_run.join("grades.json"));
    assert_eq!(doc["complete"], false);
    for s in doc["students"].as_array().expect("students") {
        assert!(s["score"].is_null(), "{s:#}");
        assert_eq!(s["status"], "not graded");
        let error = s["error"].as_str().expect("an error sentence");
        assert!(error.contains("sts:AssumeRole"), "{error}");
        assert!(
            !error.contains("Some(") && !error.contains(" { "),
            "{error}"
        );
    }
    for row in csv_rows(&failed_run.join("grades.csv")) {
        assert_eq!(row["total"], "", "not graded is not zero: {row:?}");
        assert_eq!(row["policy"], "");
        assert_eq!(row["status"], "not graded");
    }
    let md = std::fs::read_to_string(failed_run.join("report.md")).expect("report.md");
    assert!(md.contains("Incomplete"), "{md}");
}

#[tokio::test(flavor = "multi_thread")]
async fn re_grading_one_student_keeps_the_other_rows() {
    let cases = join_all([seed("kim", "pending"), seed("lee", "empty")]).await;
    let dir = roster(&cases, "");
    let out = dir.0.join("grades");
    let first = instructor()
        .args(["grade", "--roster"])
        .args([dir.0.join("roster.csv")])
        .args(["--out"])
        .args([&out])
        .run();
    assert_eq!(first.code(), 0, "{}", first.stderr());
    let before = csv_rows(&out.join("grades.csv"));
    assert_eq!(before.len(), 2);
    std::thread::sleep(std::time::Duration::from_millis(1100));

    // Kim's record arrives; only Kim is graded again.
    cases[0].lab.deliver_access_record("ACCEPT").await;
    let again = instructor()
        .args(["grade", "--only", "kim", "--roster"])
        .args([dir.0.join("roster.csv")])
        .args(["--out"])
        .args([&out])
        .run();
    assert_eq!(again.code(), 0, "{}", again.stderr());
    let after = csv_rows(&out.join("grades.csv"));
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(after[0]["student"], "kim");
    assert_eq!(after[0]["total"], "100");
    assert!(after[0]["graded_at"] > before[0]["graded_at"], "{after:?}");
    assert_eq!(
        after[1], before[1],
        "lee's row, with its own grading time, stays"
    );
    let json = read_json(&out.join("grades.json"));
    assert_eq!(json["students"].as_array().map(Vec::len), Some(2));
    // Each student's own page: the class view keeps lee's beside kim's new one; the run of kim
    // alone has kim's.
    assert_eq!(student_pages(&out), ["kim.html", "lee.html"]);
    let only_kim = runs(&out).pop().expect("the run of kim");
    assert_eq!(student_pages(&only_kim), ["kim.html"]);
    let kim = std::fs::read_to_string(out.join("students/kim.html")).expect("kim's page");
    assert!(kim.contains(&cases[0].lab.account.id), "kim's account");
    assert!(!kim.contains(&cases[1].lab.account.id), "not lee's");
    let anonymous = std::fs::read_to_string(out.join("report-anonymous.html")).expect("anonymous");
    for secret in [&cases[0].lab.account.id, &cases[1].lab.account.id] {
        assert!(!anonymous.contains(secret.as_str()), "{secret}");
    }

    // A roster of one student does the same.
    let one = roster(&cases[1..], "");
    let third = instructor()
        .args(["grade", "--roster"])
        .args([one.0.join("roster.csv")])
        .args(["--out"])
        .args([&out])
        .run();
    assert_eq!(third.code(), 0, "{}", third.stderr());
    let last = csv_rows(&out.join("grades.csv"));
    assert_eq!(last.len(), 2);
    assert_eq!(last[0], after[0]);
    assert_eq!(runs(&out).len(), 3);

    let unknown = instructor()
        .args(["grade", "--only", "nobody", "--roster"])
        .args([dir.0.join("roster.csv")])
        .run();
    assert_eq!(unknown.code(), 2);
    assert!(unknown.stderr().contains("nobody"), "{}", unknown.stderr());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_run_writes_what_it_graded_marked_incomplete() {
    let cases = join_all([seed("kim", "solved"), seed("lee", "solved")]).await;
    // Ctrl-C, and the signal a scheduler or `timeout` sends.
    for signal in [libc::SIGINT, libc::SIGTERM] {
        interrupt_grading(&cases, signal);
    }
}

fn interrupt_grading(cases: &[Case], signal: i32) {
    use crate::common::fault_proxy::{Fault, FaultProxy, Request};
    let dir = roster(cases, "");
    let out = dir.0.join("grades");
    // The second account's AssumeRole never answers: the run is stuck on it.
    let proxy = FaultProxy::start(
        &moto().endpoint,
        std::sync::Arc::new(|r: &Request| {
            (r.operation == "AssumeRole" && r.nth >= 2).then_some(Fault::Hang)
        }),
    );
    let mut cmd = instructor();
    cmd.env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .args(["grade", "--jobs", "1", "--format", "csv", "--roster"])
        .args([dir.0.join("roster.csv")])
        .args(["--out"])
        .args([&out]);
    let child = cmd
        .command()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn awslab");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while proxy.injected().is_empty() {
        assert!(std::time::Instant::now() < deadline, "never reached lee");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "signal {signal}: {stderr}");
    assert!(stderr.contains("1 of 2"), "says so: {stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("kim,"), "{stdout}");

    // What was graded is in the run's folder, marked incomplete; there is no class view.
    let all = runs(&out);
    assert_eq!(all.len(), 1);
    let doc = read_json(&all[0].join("grades.json"));
    assert_eq!(doc["complete"], false);
    assert_eq!(doc["students"].as_array().map(Vec::len), Some(1));
    assert_eq!(doc["students"][0]["score"], 100);
    assert!(all[0].join("INCOMPLETE.txt").is_file());
    let html = std::fs::read_to_string(all[0].join("report.html")).expect("report.html");
    assert!(html.contains("class=\"incomplete\""));
    assert!(
        !out.join("grades.json").exists(),
        "no class view from an interrupted run"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_course_region_is_graded_whatever_the_instructor_has_configured() {
    let case = seed("kim", "solved").await;
    let dir = roster_without_region(&[&case]);
    let out = dir.0.join("grades");
    let run = instructor()
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .args(["grade", "--format", "json", "--roster"])
        .args([dir.0.join("roster.csv")])
        .args(["--out"])
        .args([&out])
        .run();
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let v = run.json();
    assert_eq!(v["students"][0]["score"], 100, "{:#}", v["students"][0]);
    assert_eq!(v["students"][0]["region"], REGION);
    assert_dated(&out, REGION);

    // --region says otherwise: that region is graded, and said.
    let elsewhere = instructor()
        .args([
            "--region",
            "us-east-1",
            "grade",
            "--format",
            "json",
            "--roster",
        ])
        .args([dir.0.join("roster.csv")])
        .run();
    let v = elsewhere.json();
    assert_eq!(v["regions"], serde_json::json!(["us-east-1"]));
    // IAM is global: the policy, role and trust steps are done there too (45 points); the log
    // group and the flow log are not in that region, and the record cannot come.
    assert_eq!(v["students"][0]["score"], 45, "{:#}", v["students"][0]);
    assert_eq!(v["students"][0]["status"], "fail");
}

#[tokio::test(flavor = "multi_thread")]
async fn grade_at_waits_for_the_moment_and_grades_then() {
    let case = seed("kim", "solved").await;
    let dir = roster(&[case], "");
    let at_secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        + 3;
    let at = time_text(at_secs);
    let started = std::time::Instant::now();
    let run = instructor()
        .args(["grade", "--format", "json", "--at", &at, "--roster"])
        .args([dir.0.join("roster.csv")])
        .run();
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(started.elapsed() >= std::time::Duration::from_secs(2));
    assert!(run.stderr().contains("Grading at"), "{}", run.stderr());
    let v = run.json();
    assert_eq!(v["deadline"], at.as_str(), "--at is the deadline");
    assert!(
        v["graded_at"].as_str().unwrap_or("") >= at.as_str(),
        "{v:#}"
    );
    assert_eq!(v["students"][0]["late"], false);
}

/// Unix seconds as RFC 3339 UTC.
fn time_text(secs: u64) -> String {
    awslab::grade::report::stamp(i64::try_from(secs).expect("secs"))
}

#[tokio::test(flavor = "multi_thread")]
async fn fixes_after_the_deadline_are_late_where_aws_dates_them_and_said_undatable_where_not() {
    let cases = join_all([
        seed("version", "policy-missing-action"),
        seed("attach", "not-attached"),
        seed("trust", "trust-ec2"),
    ])
    .await;
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let deadline = time_text(now);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    // The three fixes, after the deadline.
    cases[0]
        .lab
        .new_default_version(POLICY, &flow_policy())
        .await;
    cases[1].lab.attach(ROLE, POLICY).await;
    cases[2]
        .lab
        .iam
        .update_assume_role_policy()
        .role_name(ROLE)
        .policy_document(trust_policy())
        .send()
        .await
        .expect("update-assume-role-policy");
    let dir = roster(&cases, "");
    let out = dir.0.join("grades");
    let run = instructor()
        .args([
            "grade",
            "--format",
            "json",
            "--deadline",
            &deadline,
            "--roster",
        ])
        .args([dir.0.join("roster.csv")])
        .args(["--out"])
        .args([&out])
        .run();
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let v = run.json();
    let student = |i: usize| &v["students"][i];
    let list = |s: &Value, field: &str| -> Vec<String> {
        s[field]
            .as_array()
            .into_iter()
            .flatten()
            .map(|x| {
                x.as_str()
                    .unwrap_or_else(|| x["step"].as_str().unwrap_or(""))
                    .to_string()
            })
            .collect()
    };
    // A new default version has a date: late.
    assert_eq!(
        list(student(0), "late_steps"),
        ["policy"],
        "{:#}",
        student(0)
    );
    // An attachment and a trust policy edit have none: not late, said undatable.
    assert!(
        list(student(1), "late_steps").is_empty(),
        "{:#}",
        student(1)
    );
    assert!(list(student(1), "undatable").contains(&"role".to_string()));
    assert!(
        list(student(2), "late_steps").is_empty(),
        "{:#}",
        student(2)
    );
    assert!(list(student(2), "undatable").contains(&"trust".to_string()));
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    assert!(md.contains("could not date"), "{md}");
    assert!(md.contains("trust policy"), "{md}");
}

#[tokio::test(flavor = "multi_thread")]
async fn one_check_failing_for_two_causes_is_two_groups_without_anyones_ids() {
    let cases = join_all([
        seed("ec2-a", "trust-ec2"),
        seed("ec2-b", "trust-ec2"),
        seed("loose-a", "not-attached"),
        seed("loose-b", "not-attached"),
    ])
    .await;
    // A fifth student trusts the service only for another account.
    let other = Lab::new().await;
    other.create_policy(POLICY, &flow_policy()).await;
    other
        .create_role(
            ROLE,
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:SourceAccount": "999999999999"}}}]}"#,
        )
        .await;
    other.attach(ROLE, POLICY).await;
    let extra = format!("condition,{},,{REGION}\n", other.account.id);
    let dir = roster(&cases, &extra);
    let out = dir.0.join("grades");
    let run = instructor()
        .args(["grade", "--roster"])
        .args([dir.0.join("roster.csv")])
        .args(["--out"])
        .args([&out])
        .run();
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let json = read_json(&out.join("grades.json"));
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    crate::common::page::assert_matches_grades(&html, &json);
    let doc = crate::common::page::parse(&html);
    let groups: Vec<(String, String, String)> = doc
        .select(&scraper::Selector::parse("ol.failing > li").expect("selector"))
        .map(|li| {
            (
                li.value().attr("data-check").unwrap_or("").to_string(),
                li.value().attr("data-count").unwrap_or("").to_string(),
                li.text().collect::<String>(),
            )
        })
        .collect();
    let trust: Vec<&(String, String, String)> = groups
        .iter()
        .filter(|g| g.0 == "trust.trusts-service")
        .collect();
    assert_eq!(trust.len(), 2, "{groups:#?}");
    assert!(
        trust
            .iter()
            .any(|g| g.1 == "2" && g.2.contains("ec2.amazonaws.com"))
    );
    assert!(
        trust
            .iter()
            .any(|g| g.1 == "1" && g.2.contains("aws:SourceAccount"))
    );
    // The class-level text and fixes hold no student's account id; the attach fix has a
    // placeholder where each student's account goes.
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    let summary = md
        .split("## Accounts")
        .next()
        .unwrap_or(&md)
        .split("Most common failing checks")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let section: String = groups.iter().map(|g| g.2.clone()).collect();
    for text in [&summary, &section] {
        for c in cases
            .iter()
            .map(|c| &c.lab.account.id)
            .chain([&other.account.id])
        {
            assert!(
                !text.contains(c.as_str()),
                "{c} in the class summary:\n{text}"
            );
        }
    }
    assert!(summary.contains("<account-id>"), "{summary}");
    // Each student's own findings keep their filled commands.
    let own = json["students"][2]["verify"]["steps"][1]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .flat_map(|c| c["commands"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(own.contains(&cases[2].lab.account.id), "{own}");
}

#[tokio::test(flavor = "multi_thread")]
async fn students_waiting_for_the_record_are_grouped_by_why() {
    let cases = join_all([
        seed("quiet-a", "pending"),
        seed("quiet-b", "pending"),
        seed("ssh", "pending"),
        seed("udp", "pending"),
    ])
    .await;
    let line = |lab: &Lab, port: u16, protocol: u8| {
        format!(
            "2 {} {} 198.51.100.7 {} 51234 {port} {protocol} 1 60 1700000000 1700000060 ACCEPT OK",
            lab.account.id, lab.pre.eni_id, lab.pre.private_ip
        )
    };
    cases[2]
        .lab
        .put_record(GROUP, &line(&cases[2].lab, 22, 6))
        .await;
    cases[3]
        .lab
        .put_record(GROUP, &line(&cases[3].lab, 80, 17))
        .await;
    let dir = roster(&cases, "");
    let out = dir.0.join("grades");
    let run = instructor()
        .args(["grade", "--roster"])
        .args([dir.0.join("roster.csv")])
        .args(["--out"])
        .args([&out])
        .run();
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let json = read_json(&out.join("grades.json"));
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    crate::common::page::assert_matches_grades(&html, &json);
    let doc = crate::common::page::parse(&html);
    let waiting: Vec<(String, String)> = doc
        .select(
            &scraper::Selector::parse("ol.failing > li[data-check=\"traffic.record\"]")
                .expect("selector"),
        )
        .map(|li| {
            (
                li.value().attr("data-count").unwrap_or("").to_string(),
                li.text().collect::<String>(),
            )
        })
        .collect();
    assert_eq!(waiting.len(), 3, "{waiting:#?}");
    assert!(
        waiting
            .iter()
            .any(|(n, t)| n == "2" && t.contains("quiet-a") && t.contains("quiet-b"))
    );
    assert!(
        waiting
            .iter()
            .any(|(n, t)| n == "1" && t.contains("none of a request to port 80"))
    );
    assert!(
        waiting
            .iter()
            .any(|(n, t)| n == "1" && t.contains("over protocol 17"))
    );
    for (_, text) in &waiting {
        for c in &cases {
            assert!(!text.contains(&c.lab.pre.eni_id), "{text}");
            assert!(!text.contains(&c.lab.pre.private_ip), "{text}");
        }
    }
}
