//! `awslab run`: the wizard's branches scripted in-process against moto, end to end in the
//! sandbox through the real binary, and by keystrokes in a pseudo-terminal.

use crate::common::sandbox::*;
use crate::common::student::*;
use crate::common::*;
use awslab::wizard::prompt::{Answer, Choice, Scripted};
use awslab::wizard::{Options, Outcome};
use std::time::Duration;

fn opts() -> Options {
    crate::common::wizard::options(None, Duration::from_secs(3))
}

/// Runs the wizard on `lab`'s account with scripted answers; returns outcome and transcript.
async fn wizard(lab: &Lab, prompt: &mut Scripted, opts: Options) -> (Outcome, String) {
    crate::common::wizard::run(lab, None, prompt, opts).await
}

fn doit(n: usize) -> Vec<Answer> {
    vec![Answer::Choose(Choice::DoIt); n]
}

/// What happens "in the console" while the wizard waits, from a synchronous callback.
fn in_console(f: impl FnOnce(&tokio::runtime::Runtime) + Send + 'static) {
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        f(&rt);
    })
    .join()
    .expect("console thread");
}

#[tokio::test(flavor = "multi_thread")]
async fn do_it_for_me_then_the_record_arrives_while_the_student_curls() {
    let lab = Lab::new().await;
    let mut answers = doit(5);
    answers.push(Answer::Choose(Choice::Myself));
    answers.push(Answer::Enter);
    let mut prompt = Scripted::new(answers);
    // The student's curl and AWS's delivery, done while the wizard waits for Enter.
    let sdk = lab.account.sdk.clone();
    let (id, pre) = (lab.account.id.clone(), lab.pre.clone());
    let creds = lab.account.creds.clone();
    prompt.on_pause = Some(Box::new(move || {
        let (sdk, id, pre, creds) = (sdk.clone(), id.clone(), pre.clone(), creds.clone());
        in_console(move |rt| {
            let lab = Lab::from_parts(Account { id, creds, sdk }, pre);
            rt.block_on(lab.deliver_access_record("ACCEPT"));
        });
    }));
    let (outcome, out) = wizard(&lab, &mut prompt, opts()).await;
    let v = outcome.verdict();
    assert_eq!(v.status, awslab::finding::Status::Pass, "{out}");
    assert_eq!(v.earned, 100);
    assert!(matches!(outcome, Outcome::Finished(_)));
    assert!(
        out.contains("aws iam create-policy"),
        "shows the CLI equivalent: {out}"
    );
    assert!(out.contains("The access record arrived"), "{out}");
    assert!(
        out.contains("dstaddr") && out.contains(&lab.pre.private_ip),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn doing_it_myself_with_a_mistake_shows_the_fix_then_do_it_for_me_repairs_it() {
    let lab = Lab::new().await;
    let mut prompt = Scripted::new([
        Answer::Choose(Choice::Myself),
        Answer::Enter,
        Answer::Choose(Choice::DoIt),
        // The policy made by hand is not awslab's: a new version of it is asked about.
        Answer::Confirm(true),
        Answer::Choose(Choice::Quit),
    ]);
    let sdk = lab.account.sdk.clone();
    let (id, pre, creds) = (
        lab.account.id.clone(),
        lab.pre.clone(),
        lab.account.creds.clone(),
    );
    prompt.on_pause = Some(Box::new(move || {
        let (sdk, id, pre, creds) = (sdk.clone(), id.clone(), pre.clone(), creds.clone());
        in_console(move |rt| {
            let lab = Lab::from_parts(Account { id, creds, sdk }, pre);
            let wrong = flow_policy().replace("\"logs:PutLogEvents\",", "");
            rt.block_on(lab.create_policy(POLICY, &wrong));
        });
    }));
    let (outcome, out) = wizard(&lab, &mut prompt, opts()).await;
    assert!(matches!(outcome, Outcome::Quit(_)));
    assert!(out.contains("does not allow: logs:PutLogEvents"), "{out}");
    assert!(out.contains("create-policy-version"), "the fix: {out}");
    assert!(
        prompt
            .asked
            .iter()
            .any(|q| q.contains("my-flowpolicy was not made by awslab")
                && q.contains("Change it anyway?")),
        "{:?}",
        prompt.asked
    );
    let v = outcome.verdict();
    assert!(
        v.steps[0].status.is_done(),
        "do it for me repaired the policy: {out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hint_skip_quit_and_resume() {
    let lab = Lab::new().await;
    let mut prompt = Scripted::new([
        Answer::Choose(Choice::Hint),
        Answer::Choose(Choice::DoIt), // policy
        Answer::Choose(Choice::Skip), // role
        Answer::Choose(Choice::Quit), // trust
    ]);
    let (outcome, out) = wizard(&lab, &mut prompt, opts()).await;
    assert!(
        out.contains("Create policy → JSON tab"),
        "the first hint: {out}"
    );
    assert!(matches!(outcome, Outcome::Quit(_)));
    // The resume message names the lesson and the step.
    assert!(
        out.contains("Stopped at \"Edit the trust policy")
            && out.contains("`awslab run vpc-flow-logs` continues"),
        "{out}"
    );
    let v = outcome.verdict();
    assert!(v.steps[0].status.is_done());
    assert_eq!(
        v.steps[1].status,
        awslab::finding::Status::Fail,
        "the role was skipped"
    );

    // A later run resumes at the first step not done, and shows what is done.
    let mut prompt = Scripted::new([Answer::Choose(Choice::Quit)]);
    let (_, out) = wizard(&lab, &mut prompt, opts()).await;
    assert!(
        out.contains("Continuing at: Create the IAM role my-flowlog-role"),
        "{out}"
    );
    assert_eq!(
        prompt.asked.len(),
        1,
        "asked only about the role: {:?}",
        prompt.asked
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn traffic_timeout_leaves_the_lab_pending() {
    let lab = Lab::configured().await;
    let mut prompt = Scripted::new([Answer::Choose(Choice::Myself), Answer::Enter]);
    let (outcome, out) = wizard(&lab, &mut prompt, opts()).await;
    assert!(out.contains("No access record after"), "{out}");
    assert_eq!(outcome.verdict().status, awslab::finding::Status::Pending);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_flow_log_is_recreated_only_after_confirmation() {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_policy()).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
    lab.create_log_group("OtherGroup").await;
    lab.create_flow_log(FlowLogSpec {
        group: "OtherGroup",
        ..Default::default()
    })
    .await;
    let mut prompt = Scripted::new([
        Answer::Choose(Choice::DoIt),
        Answer::Confirm(false),
        Answer::Choose(Choice::DoIt),
        Answer::Confirm(true),
        Answer::Choose(Choice::Quit),
    ]);
    let (outcome, out) = wizard(&lab, &mut prompt, opts()).await;
    assert!(out.contains("Left as it is."), "{out}");
    let v = outcome.verdict();
    let flow = v
        .steps
        .iter()
        .find(|s| s.id == "flow-log")
        .expect("flow-log step");
    assert!(flow.status.is_done(), "recreated after yes: {out}");
}

// ---------------------------------------------------------------------------------------------
// The real binary

#[test]
fn auto_run_in_a_private_sandbox_completes_the_lab() {
    let cache = TempDir::new();
    let run = awslab_in(&cache)
        .args(["--private-sandbox", "run", "--auto", "--lang", "en"])
        .run();
    let out = run.stdout();
    assert_eq!(run.code(), 0, "{out}\n{}", run.stderr());
    assert!(out.contains("The access record arrived"), "{out}");
    assert!(out.contains("Score 100/100"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn auto_run_fixes_a_half_done_partly_wrong_sandbox() {
    let sandbox = Sandbox::up();
    let lab = sandbox.lab();
    lab.create_policy(
        POLICY,
        &flow_policy().replace("\"logs:CreateLogStream\",", ""),
    )
    .await;
    lab.create_role(ROLE, &trust_for("ec2.amazonaws.com")).await;
    lab.create_log_group(GROUP).await;
    lab.create_flow_log(FlowLogSpec {
        role: "wrong-role",
        ..Default::default()
    })
    .await;
    let run = sandbox
        .cmd()
        .args(["--sandbox", "run", "--auto", "--yes", "--lang", "en"])
        .run();
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let v = sandbox.verify();
    assert_eq!(v.status(), "pass", "{v:#}");
    // One of each: nothing was duplicated on the way.
    let flow_logs = lab.ec2.describe_flow_logs().send().await.expect("describe");
    assert_eq!(flow_logs.flow_logs().len(), 1);
}

#[test]
fn without_a_terminal_the_wizard_refuses_to_prompt() {
    let run = Awslab::bare().args(["run"]).run();
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("--auto"), "{}", run.stderr());
}

#[test]
fn the_wizard_can_be_driven_by_keystrokes() {
    let sandbox = Sandbox::up();
    let folder = TempDir::new();
    // In a folder of its own: the wizard writes the lab folder where it runs.
    let cmd = sandbox.terminal(&folder, &["--sandbox", "run", "--lang", "en"]);
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    p.exp_string("What would you like to do?")
        .expect("first question");
    p.send_line("").expect("Enter: do it for me");
    p.exp_string("This step: pass")
        .expect("the policy step passes");
    p.exp_string("What would you like to do?")
        .expect("the role step's question");
    // Arrow down four times to "Quit", then Enter.
    for _ in 0..4 {
        p.send("\x1b[B").expect("down");
    }
    p.send_line("").expect("enter");
    p.exp_string("Stopped at").expect("quit message");
    p.exp_eof().expect("exits");
    let v = sandbox.verify();
    assert_eq!(v.step_status("policy"), "pass", "{v:#}");
    assert_eq!(v.check_status("role.exists"), "fail");
}

#[test]
fn explain_prints_the_fields_of_a_custom_format_record() {
    let run = Awslab::bare()
        .args([
            "explain",
            "--format",
            "json",
            "--log-format",
            "${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} ${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} ${end} ${action} ${tcp-flags} ${log-status}",
            "3 vpc-12345678 subnet-012345678 i-07890123456789012 eni-23456789012345678 123456789010 IPv4 52.213.180.42 10.0.0.62 43416 5001 52.213.180.42 10.0.0.62 6 568 8 1566848875 1566848933 ACCEPT 2 OK",
        ])
        .run();
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let v = run.json();
    assert_eq!(v["dstport"]["value"], "5001");
    assert!(
        v["action"]["meaning"]
            .as_str()
            .unwrap_or("")
            .starts_with("ACCEPT")
    );
    assert!(
        v["protocol"]["meaning"]
            .as_str()
            .unwrap_or("")
            .contains("TCP")
    );
}

#[test]
fn explain_rejects_a_line_that_does_not_fit_the_format() {
    let run = Awslab::bare()
        .args(["explain", "2 123 eni-1 not-an-ip"])
        .run();
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("expected 14"), "{}", run.stderr());
    assert!(!run.stderr().contains("panicked"));
}
