//! Setting up a class as an instructor does: the grading role from the printed CloudFormation
//! template, deployed with the AWS CLI in a student's account; `grade --check-access` telling a
//! missing role from one that lacks a permission; grading through the template's role; and
//! grades.csv ready for an LMS (the roster's own columns, two students with one name, a BOM).

use crate::common::student::*;
use crate::common::*;
use std::process::Command;

const ROLE: &str = "AwslabGrader";
const SECRET: &str = "class-2026-secret";

fn instructor() -> Awslab {
    let mut cmd = Awslab::bare();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", &moto().endpoint);
    cmd
}

/// The AWS CLI with `account`'s credentials, as the student would run the printed command.
fn cli_in(account: &Account, dir: &TempDir, args: &[&str]) -> String {
    let out = Command::new(aws_cli())
        .args(args)
        .current_dir(&dir.0)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", &dir.0)
        .env("AWS_ACCESS_KEY_ID", account.creds.access_key_id())
        .env("AWS_SECRET_ACCESS_KEY", account.creds.secret_access_key())
        .env(
            "AWS_SESSION_TOKEN",
            account.creds.session_token().unwrap_or_default(),
        )
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_ENDPOINT_URL", &moto().endpoint)
        .output()
        .expect("run the AWS CLI");
    assert!(
        out.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_class_is_set_up_from_the_template_checked_and_graded_into_lms_ready_grades() {
    let (deployed, missing, narrow) = tokio::join!(seed_solved(), Lab::new(), Lab::new());

    // The template, as the instructor prints it, deployed in a student's account.
    let printed = instructor()
        .args(["grade", "--print-role-template", "--role-name", ROLE])
        .run();
    assert_eq!(printed.code(), 0, "{}", printed.stderr());
    assert!(
        printed
            .stderr()
            .contains("--permission-model SERVICE_MANAGED")
    );
    let dir = TempDir::new();
    std::fs::write(dir.0.join("awslab-grader.yaml"), printed.stdout()).expect("template");
    cli_in(
        &deployed.account,
        &dir,
        &[
            "cloudformation",
            "create-stack",
            "--stack-name",
            "awslab-grader",
            "--template-body",
            "file://awslab-grader.yaml",
            "--capabilities",
            "CAPABILITY_NAMED_IAM",
            "--parameters",
            "ParameterKey=InstructorPrincipal,ParameterValue=123456789012",
            &format!("ParameterKey=ExternalId,ParameterValue={SECRET}"),
        ],
    );
    let role = deployed
        .iam
        .get_role()
        .role_name(ROLE)
        .send()
        .await
        .expect("the stack made the role");
    let trust = role
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .unwrap_or("");
    let trust = percent_encoding::percent_decode_str(trust).decode_utf8_lossy();
    assert!(
        trust.contains("123456789012") && trust.contains(SECRET),
        "{trust}"
    );

    // A role that lacks a permission grading needs (made by hand, without logs:GetLogEvents).
    let actions: Vec<&str> = awslab::aws::record::VERIFY_ACTIONS
        .iter()
        .copied()
        .filter(|a| *a != "logs:GetLogEvents")
        .collect();
    narrow
        .iam
        .create_role()
        .role_name(ROLE)
        .assume_role_policy_document(
            awslab::grade::role::trust("123456789012", Some(SECRET)).to_string(),
        )
        .send()
        .await
        .expect("create-role");
    narrow
        .iam
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("narrow")
        .policy_document(
            serde_json::json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": actions, "Resource": "*"}]})
            .to_string(),
        )
        .send()
        .await
        .expect("put-role-policy");

    // Two students with one name, told apart by their ids; the roster's own columns kept.
    let roster = TempDir::new();
    let path = roster.0.join("roster.csv");
    std::fs::write(
        &path,
        format!(
            "student,student_id,section,account_id,region\r\n\
             김민수,2026001,A,{},{REGION}\r\n\
             김민수,2026002,B,{},{REGION}\r\n\
             이서연,2026003,A,{},{REGION}\r\n",
            deployed.account.id, missing.account.id, narrow.account.id
        ),
    )
    .expect("roster");
    let path = path.to_string_lossy().into_owned();
    let access = instructor()
        .args(["grade", "--roster", &path, "--role-name", ROLE])
        .args(["--external-id", SECRET, "--check-access"])
        .run();
    assert_eq!(access.code(), 2, "{}\n{}", access.stdout(), access.stderr());
    let table = access.stdout();
    let line = |account: &str| {
        table
            .lines()
            .find(|l| l.contains(account))
            .unwrap_or_else(|| panic!("no row for {account}: {table}"))
            .to_string()
    };
    assert!(
        line(&deployed.account.id).contains("✓ reachable"),
        "{table}"
    );
    assert!(
        line(&missing.account.id).contains(&format!("the role {ROLE} is missing")),
        "{table}"
    );
    let lacking = line(&narrow.account.id);
    assert!(lacking.contains("lacks logs:GetLogEvents"), "{table}");
    assert!(!lacking.contains("logs:DescribeLogGroups"), "{table}");
    assert!(table.contains("1 of 3 accounts reachable"), "{table}");

    // Only the deployed account: every account reachable is exit 0.
    let only = instructor()
        .args([
            "grade",
            "--roster",
            &path,
            "--role-name",
            ROLE,
            "--only",
            "2026001",
        ])
        .args(["--external-id", SECRET, "--check-access", "--lang", "ko"])
        .run();
    assert_eq!(only.code(), 0, "{}\n{}", only.stdout(), only.stderr());
    assert!(
        only.stdout().contains("1개 계정 가운데 1개"),
        "{}",
        only.stdout()
    );

    // Graded through the template's role, into grades.csv an LMS imports.
    let out = TempDir::new();
    let graded = instructor()
        .args([
            "grade",
            "--roster",
            &path,
            "--role-name",
            ROLE,
            "--only",
            "2026001",
        ])
        .args(["--external-id", SECRET, "--csv-bom", "--out"])
        .args([&out.0])
        .run();
    assert_eq!(graded.code(), 0, "{}", graded.stderr());
    let csv = std::fs::read_to_string(out.0.join("grades.csv")).expect("grades.csv");
    let csv = csv
        .strip_prefix('\u{feff}')
        .expect("a byte order mark first");
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = rows
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header[..4], ["student", "student_id", "section", "account"]);
    let row: Vec<String> = rows
        .records()
        .next()
        .expect("a row")
        .expect("CSV")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(
        row[..4],
        ["김민수", "2026001", "A", deployed.account.id.as_str()]
    );
    let total = header.iter().position(|h| h == "total").expect("total");
    assert_eq!(row[total], "100");
}

async fn seed_solved() -> Lab {
    let lab = Lab::new().await;
    assert_eq!(lab.put_in_state("solved").await, (100, "pass"));
    lab
}

#[tokio::test(flavor = "multi_thread")]
async fn a_student_shares_their_own_account_and_takes_it_back() {
    let student = Account::new().await;
    let iam = aws_sdk_iam::Client::new(&student.sdk);
    let share = |args: &[&str]| student.awslab().args(["share"]).args(args).run();

    // Nothing is written without a yes.
    let asked = share(&["--instructor", "123456789012"]);
    assert_eq!(asked.code(), 2, "{}", asked.stderr());
    assert!(asked.stderr().contains("--yes"), "{}", asked.stderr());
    assert!(iam.get_role().role_name(ROLE).send().await.is_err());

    let made = share(&[
        "--instructor",
        "123456789012",
        "--external-id",
        SECRET,
        "--student",
        "김민수",
        "--yes",
    ]);
    assert_eq!(made.code(), 0, "{}", made.stderr());
    let line = format!(
        "student,role_arn,external_id\n김민수,arn:aws:iam::{}:role/{ROLE},{SECRET}\n",
        student.id
    );
    assert!(made.stdout().ends_with(&line), "{}", made.stdout());
    let role = iam
        .get_role()
        .role_name(ROLE)
        .send()
        .await
        .expect("the role");
    let tags: Vec<(&str, &str)> = role
        .role()
        .map(|r| r.tags().iter().map(|t| (t.key(), t.value())).collect())
        .unwrap_or_default();
    assert_eq!(tags, [("awslab:purpose", "grading")]);

    // The instructor pastes the line into the roster and reaches the account.
    let roster = TempDir::new();
    let path = roster.0.join("roster.csv");
    std::fs::write(&path, &line).expect("roster");
    let access = instructor()
        .args(["grade", "--check-access", "--roster"])
        .args([&path])
        .run();
    assert_eq!(access.code(), 0, "{}\n{}", access.stdout(), access.stderr());

    // One lesson's cleanup leaves the course's grading role, and says how to take it back.
    let cleanup = student.awslab().args(["cleanup", "--dry-run"]).run();
    assert_eq!(cleanup.code(), 0, "{}", cleanup.stderr());
    assert!(
        cleanup.stderr().contains("share --revoke"),
        "{}",
        cleanup.stderr()
    );
    assert!(iam.get_role().role_name(ROLE).send().await.is_ok());

    let revoked = share(&["--revoke", "--yes"]);
    assert_eq!(revoked.code(), 0, "{}", revoked.stderr());
    assert!(iam.get_role().role_name(ROLE).send().await.is_err());

    // A role of that name that awslab did not make is never touched.
    iam.create_role()
        .role_name(ROLE)
        .assume_role_policy_document(awslab::grade::role::trust("999999999999", None).to_string())
        .send()
        .await
        .expect("create-role");
    for args in [
        &["--revoke", "--yes"][..],
        &["--instructor", "123456789012", "--yes"],
    ] {
        let refused = share(args);
        assert_eq!(refused.code(), 2, "{args:?}: {}", refused.stderr());
        assert!(
            refused.stderr().contains("did not make it"),
            "{}",
            refused.stderr()
        );
    }
    assert!(iam.get_role().role_name(ROLE).send().await.is_ok());
}
