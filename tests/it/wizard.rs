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
    let mut p =
        rexpect::session::spawn_command(in_columns(cmd, 80), Some(60_000)).expect("spawn in a pty");
    let mut seen = p
        .exp_string("What would you like to do?")
        .expect("first question");
    p.send_line("").expect("Enter: do it for me");
    seen += &p
        .exp_string("This step: pass")
        .expect("the policy step passes");
    seen += &p
        .exp_string("What would you like to do?")
        .expect("the role step's question");
    assert_eq!(overlong(&seen, 80), Vec::<String>::new(), "{seen}");
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

/// `cmd` in a terminal `columns` wide (the pty's size, as `stty` sets it).
fn in_columns(cmd: std::process::Command, columns: u16) -> std::process::Command {
    let mut wrapped = std::process::Command::new("/bin/bash");
    wrapped
        .args([
            "-c",
            &format!("stty cols {columns} rows 50 && exec \"$0\" \"$@\""),
        ])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear();
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            wrapped.env(key, value);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    wrapped
}

/// What the terminal shows of `raw` (a line is what is left after its last carriage return),
/// the lines wider than `columns`, commands aside: those stay whole to be pasted.
fn overlong(raw: &str, columns: usize) -> Vec<String> {
    raw.split('\n')
        .flat_map(|line| line.split('\r'))
        .map(|part| console::strip_ansi_codes(part).trim_end().to_string())
        .filter(|part| console::measure_text_width(part) > columns)
        .filter(|part| {
            let body = part.trim_start();
            !body.starts_with("$ ") && !body.starts_with("export ")
        })
        .collect()
}

/// rexpect hands over each byte as a char: `text` as it arrives, to look for.
fn as_sent(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

/// What rexpect handed over, decoded as the terminal would (UTF-8).
fn decoded(raw: &str) -> String {
    let bytes: Vec<u8> = raw.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Everything the terminal receives for `quiet`, without waiting for anything.
fn read_for(p: &mut rexpect::session::PtySession, quiet: Duration) -> String {
    let until = std::time::Instant::now() + quiet;
    let mut got = String::new();
    while std::time::Instant::now() < until {
        match p.try_read() {
            Some(c) => got.push(c),
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    got
}

/// A Korean student at 60 columns: the y/N question before the first lesson waits for Enter
/// and says the answer in Korean; the watch of a step done by hand redraws its one line in
/// place (no new line while nothing changes) and takes a pasted command for what it is; no
/// line of prose is wider than the terminal.
#[test]
fn at_sixty_columns_questions_wait_for_enter_and_the_watch_stays_on_one_line() {
    let sandbox = Sandbox::up();
    let folder = TempDir::new();
    let cmd = sandbox.terminal(
        &folder,
        &[
            "--sandbox",
            "run",
            "flow-logs-troubleshooting",
            "--lang",
            "ko",
        ],
    );
    let mut p =
        rexpect::session::spawn_command(in_columns(cmd, 60), Some(60_000)).expect("spawn in a pty");
    let mut seen = p
        .exp_string(&as_sent("진행할까요?"))
        .expect("the prerequisite question");
    p.send("y").expect("y");
    let waited = read_for(&mut p, Duration::from_millis(1500));
    let waited = decoded(&waited);
    assert!(
        !waited.contains("→") && !waited.contains("[1/"),
        "y alone answered: {waited:?}"
    );
    seen += &as_sent(&waited);
    p.send_line("").expect("Enter");
    seen += &p
        .exp_string(&as_sent("→ 예"))
        .expect("the answer, in Korean");
    seen += &p
        .exp_string(&as_sent("어떻게 할까요?"))
        .expect("the first step's menu");
    p.send("\x1b[B").expect("down: I'll do it myself");
    p.send_line("").expect("Enter");
    seen += &p.exp_string(&as_sent("초 뒤")).expect("the watch's line");
    // The sandbox checks every 2 s: several checks, nothing changed, no line added.
    let quiet = read_for(&mut p, Duration::from_secs(5));
    assert!(!quiet.contains('\n'), "the watch added lines: {quiet:?}");
    seen += &quiet;
    p.send_line("aws sts get-caller-identity")
        .expect("a pasted command");
    seen += &p
        .exp_string(&as_sent("다른 창에"))
        .expect("the one-line note");
    let after = read_for(&mut p, Duration::from_secs(3));
    assert!(
        !decoded(&after).contains("이 단계:"),
        "taken as check now: {after:?}"
    );
    seen += &after;
    p.send_line("m").expect("m: the menu");
    seen += &p
        .exp_string(&as_sent("어떻게 할까요?"))
        .expect("back at the menu");
    // The cursor is still on "I'll do it myself": three down to quit.
    for _ in 0..3 {
        p.send("\x1b[B").expect("down");
    }
    p.send_line("").expect("quit");
    seen += &p.exp_eof().expect("exits");
    let seen = decoded(&seen);
    assert_eq!(overlong(&seen, 60), Vec::<String>::new(), "{seen}");
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

/// A line copied from the CloudWatch console starts with the event's timestamp; explain reads
/// it, and says what is wrong with a bad line in Korean for a Korean reader.
#[test]
fn explain_takes_a_line_copied_from_the_console_and_answers_in_korean() {
    let copied = "2014-12-14T13:06:50.000+09:00\t2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK";
    let run = Awslab::bare()
        .args(["--lang", "ko", "explain", "--format", "json", copied])
        .run();
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.json()["version"]["value"], "2");
    let run = Awslab::bare()
        .args(["--lang", "ko", "explain", "2 123 eni-1 not-an-ip"])
        .run();
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("14개"), "{}", run.stderr());
}
