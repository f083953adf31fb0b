//! The student who does the steps by hand: what awslab prints must work when pasted.

use crate::common::sandbox::Sandbox;
use crate::common::wizard::{Shared, options, printed_commands, run_lesson};
use crate::common::*;
use awslab::finding::Status;
use awslab::i18n::Lang;
use awslab::lesson::{Lesson, Source};
use awslab::sandbox::SandboxInfo;
use awslab::wizard::prompt::{Answer, Choice, Prompter, Scripted, Watch};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn sandbox_env_points_other_tools_at_the_sandbox() {
    let sandbox = Sandbox::up();
    sandbox.lab().configure().await;
    let run = sandbox.cmd().args(["sandbox", "env"]).run();
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let lines = run.stdout();
    assert!(
        lines.contains(&format!(
            "export AWS_ENDPOINT_URL={}",
            sandbox.str("endpoint")
        )),
        "{lines}"
    );
    // Pasted into a shell, the lines are all another tool needs: here awslab itself, without
    // --sandbox, reads the sandbox's account through them.
    let home = TempDir::new();
    let script = format!("{lines}\n\"$AWSLAB\" verify --format json");
    let out = std::process::Command::new("bash")
        .args(["-c", &script])
        .env_clear()
        .env("HOME", &home.0)
        .env("PATH", "/usr/bin:/bin")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWSLAB", env!("CARGO_BIN_EXE_awslab"))
        .output()
        .expect("bash");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(v["account"], sandbox.str("account").as_str(), "{v:#}");
    assert_eq!(v.step_status("flow-log"), "pass", "{v:#}");
}

#[test]
fn sandbox_env_without_a_sandbox_says_so() {
    let cache = TempDir::new();
    let run = crate::common::sandbox::awslab_in(&cache)
        .args(["sandbox", "env"])
        .run();
    assert_eq!(run.code(), 1);
    assert!(run.stdout().is_empty());
    assert!(run.stderr().contains("sandbox up"), "{}", run.stderr());
}

/// Every `aws …` command of the fixes of a verdict (`--format json`'s `commands`), each part
/// of a `&&` chain on its own.
fn commands(v: &serde_json::Value) -> Vec<String> {
    check_commands(v, |_| true)
        .iter()
        .flat_map(|l| l.split(" && ").map(str::to_string).collect::<Vec<_>>())
        .filter(|c| c.starts_with("aws "))
        .collect()
}

/// The commands of the fixes of the checks `pick` chooses, as printed.
fn check_commands(v: &serde_json::Value, pick: impl Fn(&str) -> bool) -> Vec<String> {
    v["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["checks"].as_array().into_iter().flatten())
        .filter(|c| pick(c["id"].as_str().unwrap_or_default()))
        .flat_map(|c| c["commands"].as_array().into_iter().flatten())
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect()
}

/// A fresh shell as a student opens one: the sandbox's `export` lines pasted first, the AWS
/// CLI and curl on the PATH, in a folder of its own (not the lab folder: `file://` paths must
/// work from anywhere).
struct Shell {
    exports: String,
    cwd: TempDir,
    home: TempDir,
    path: String,
}

impl Shell {
    fn new(exports: String) -> Shell {
        let cli = aws_cli();
        let bin = cli
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        Shell {
            exports,
            cwd: TempDir::new(),
            home: TempDir::new(),
            path: format!("{bin}:/usr/bin:/bin"),
        }
    }

    /// Runs `command` as pasted; its output, or the test fails naming it.
    fn run(&self, command: &str) -> String {
        let out = self.output(command);
        assert!(
            out.status.success(),
            "a printed command failed when pasted:\n$ {command}\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn output(&self, command: &str) -> std::process::Output {
        let script = format!("set -e\n{}\n{command}\n", self.exports);
        std::process::Command::new("bash")
            .args(["-c", &script])
            .current_dir(&self.cwd.0)
            .env_clear()
            .env("HOME", &self.home.0)
            .env("PATH", &self.path)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("bash")
    }
}

/// A student who answers "I'll do it myself" at every step and pastes every command awslab
/// printed since they last looked, exactly as printed, then presses Enter.
struct Student {
    out: Shared,
    seen: usize,
    shell: Shell,
    ran: Vec<String>,
    /// `aws logs tail` is AWS CLI v2 only; the CLI the tests install is v1.
    v2_only: Vec<String>,
    /// The test requests that failed, as a lesson may expect of a blocked port.
    failed_requests: Vec<String>,
    looks: u32,
}

impl Student {
    fn paste_new(&mut self) {
        let text = self.out.text();
        let new = text.get(self.seen..).unwrap_or_default().to_string();
        self.seen = text.len();
        for command in printed_commands(&new) {
            if command.starts_with("aws logs tail ") {
                self.v2_only.push(command);
            } else if command.starts_with("curl ") {
                // The request may be meant to fail (a closed port): the lesson judges it.
                if !self.shell.output(&command).status.success() {
                    self.failed_requests.push(command.clone());
                }
                self.ran.push(command);
            } else {
                self.shell.run(&command);
                self.ran.push(command);
            }
        }
    }
}

impl Prompter for Student {
    fn choose(&mut self, _: &str, _: &[(Choice, String)], _: Choice) -> std::io::Result<Choice> {
        self.looks += 1;
        Ok(if self.looks > 40 {
            Choice::Quit
        } else {
            Choice::Myself
        })
    }
    fn confirm(&mut self, _: &str) -> std::io::Result<bool> {
        Ok(false)
    }
    fn pause(&mut self, _: &str) -> std::io::Result<()> {
        self.paste_new();
        Ok(())
    }
    fn watch_key(&mut self) -> std::io::Result<Option<Watch>> {
        self.looks += 1;
        if self.looks > 40 {
            return Ok(Some(Watch::Menu));
        }
        self.paste_new();
        Ok(Some(Watch::Now))
    }
}

/// `lesson` done by hand in Korean in `sandbox` by a `Student`, who must reach pass; the
/// student (what they ran) and the transcript.
async fn by_hand(sandbox: &Sandbox, info: &SandboxInfo, lesson: &Lesson) -> (Student, String) {
    let out = Shared::default();
    let mut student = Student {
        out: out.clone(),
        seen: 0,
        shell: Shell::new(info.export_lines()),
        ran: Vec::new(),
        v2_only: Vec::new(),
        failed_requests: Vec::new(),
        looks: 0,
    };
    let mut writer = out.clone();
    let outcome = run_lesson(
        lesson,
        &sandbox.lab().account.sdk,
        Some(info),
        &mut student,
        options(None, Duration::from_secs(30)),
        Lang::Ko,
        &mut writer,
    )
    .await;
    let transcript = out.text();
    assert_eq!(
        outcome.verdict().status,
        Status::Pass,
        "{transcript}\nran: {:#?}",
        student.ran
    );
    (student, transcript)
}

/// The proof: a whole lab done by hand in Korean, in the sandbox, with every command
/// the wizard prints pasted as it is into a fresh shell, reaches pass.
#[tokio::test(flavor = "multi_thread")]
async fn a_lab_done_by_hand_in_korean_with_every_printed_command_passes() {
    let sandbox = Sandbox::up();
    let info: SandboxInfo =
        serde_json::from_value(sandbox.info.clone()).expect("sandbox up --format json");
    let folder = TempDir::new();
    let mut lesson = Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).expect("lesson");
    let written = awslab::lesson::files::write(&lesson.lab, &folder.0.join("awslab-vpc-flow-logs"))
        .expect("lab folder");
    lesson.lab.files = written.dir.display().to_string();

    let (student, transcript) = by_hand(&sandbox, &info, &lesson).await;
    // What was pasted is what the steps need, in the lesson's documents from the lab folder.
    for expected in [
        "aws iam create-policy ",
        "aws iam create-role ",
        "aws logs create-log-group ",
        "aws ec2 create-flow-logs ",
        "curl ",
    ] {
        assert!(
            student.ran.iter().any(|c| c.starts_with(expected)),
            "{expected} was not printed and run: {:#?}\n{transcript}",
            student.ran
        );
    }
    assert!(
        student.ran.iter().any(|c| c.contains(&format!(
            "file://{}/flow-policy.json",
            written.dir.display()
        ))),
        "{:#?}",
        student.ran
    );
    // Where to look afterwards: the command that follows the instance's stream, with the real
    // group, ENI and region (AWS CLI v2; the v1 CLI installed here has no `logs tail`).
    let follow = format!(
        "aws logs tail MyVpc22-Log --log-stream-name-prefix {} --since 15m --follow --region {}",
        info.eni_id, info.region
    );
    assert!(
        student.v2_only.iter().any(|c| c == &follow),
        "{follow}\n{:#?}",
        student.v2_only
    );
    // And its AWS CLI v1 form, run like every other command.
    let read = format!(
        "aws logs filter-log-events --log-group-name MyVpc22-Log --log-stream-name-prefix {} --region {}",
        info.eni_id, info.region
    );
    assert!(student.ran.contains(&read), "{read}\n{:#?}", student.ran);
    assert!(
        student
            .ran
            .iter()
            .any(|c| c.starts_with("curl --max-time ")),
        "{:#?}",
        student.ran
    );
    assert!(
        !transcript.contains("을(를)") && !transcript.contains("(으)로"),
        "{transcript}"
    );
    // Every create command carries the lesson tag, so cleanup knows the by-hand work as the
    // lab's: one yes (here --yes) deletes all of it, and nothing is asked about on its own.
    for create in student.ran.iter().filter(|c| c.contains(" create-")) {
        if !create.contains("create-tags") && !create.contains("create-policy-version") {
            assert!(create.contains("awslab:lesson"), "untagged: {create}");
        }
    }
    let cleanup = sandbox
        .cmd()
        .args(["--sandbox", "cleanup", "--yes", "--lang", "ko"])
        .run();
    assert_eq!(
        cleanup.code(),
        0,
        "{}{}",
        cleanup.stdout(),
        cleanup.stderr()
    );
    assert!(
        !cleanup.stdout().contains("확인 필요") && cleanup.stdout().contains("모두 지웠습니다"),
        "{}",
        cleanup.stdout()
    );
}

/// A sandbox with the lab not started, and the command `verify` prints to create the log group.
fn sandbox_and_log_group_command() -> (Sandbox, SandboxInfo, String) {
    let sandbox = Sandbox::up();
    let info: SandboxInfo =
        serde_json::from_value(sandbox.info.clone()).expect("sandbox up --format json");
    let (_, v) = sandbox.cmd().args(["--sandbox"]).verify_json();
    let create = check_commands(&v, |id| id == "log-group.exists");
    assert_eq!(create.len(), 1, "{v:#}");
    let command = create[0].clone();
    (sandbox, info, command)
}

/// "I'll do it myself", then nothing pressed: the student creates the log group from another
/// terminal with the AWS CLI, and the wizard notices by itself and moves on.
#[tokio::test(flavor = "multi_thread")]
async fn the_wizard_moves_on_when_a_step_done_in_another_terminal_passes() {
    let (sandbox, info, create) = sandbox_and_log_group_command();
    let shell = Shell::new(info.export_lines());
    let elsewhere = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(3));
        shell.run(&create)
    });
    let mut prompt = Scripted::new([
        Answer::Choose(Choice::Myself),
        Answer::Watch,
        Answer::Choose(Choice::Quit),
    ]);
    let lesson = Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).expect("lesson");
    let out = Shared::default();
    let mut writer = out.clone();
    let started = std::time::Instant::now();
    run_lesson(
        &lesson,
        &sandbox.lab().account.sdk,
        Some(&info),
        &mut prompt,
        options(Some("log-group"), Duration::from_secs(30)),
        Lang::En,
        &mut writer,
    )
    .await;
    elsewhere.join().expect("the other terminal");
    let transcript = out.text();
    // Passed by itself: no Enter was asked for, the next step's menu came, within seconds.
    assert!(transcript.contains("This step: pass"), "{transcript}");
    assert!(
        !prompt.asked.iter().any(|q| q.contains("Enter")),
        "{:?}",
        prompt.asked
    );
    assert_eq!(prompt.asked.len(), 2, "{:?}", prompt.asked);
    assert!(started.elapsed() < Duration::from_secs(60));
    // What was still wrong was shown once, not again at every check.
    assert_eq!(
        transcript
            .matches("There is no log group named MyVpc22-Log")
            .count(),
        1,
        "{transcript}"
    );
}

#[tokio::test]
async fn every_printed_command_names_its_region_and_no_placeholder() {
    use crate::common::student::Lab;
    let empty = Lab::new().await;
    let rejected = Lab::configured().await;
    rejected.deliver_access_record("REJECT").await;
    let mut seen = Vec::new();
    for lab in [&empty, &rejected] {
        let (_, v) = lab.account.awslab().verify_json();
        for command in commands(&v) {
            assert!(command.contains(&format!("--region {REGION}")), "{command}");
            assert!(
                !command.contains('<'),
                "a placeholder the shell would read: {command}"
            );
            seen.push(command);
        }
    }
    assert!(
        seen.iter().any(|c| c.starts_with("aws iam create-policy")),
        "{seen:#?}"
    );
    let open_port = seen
        .iter()
        .find(|c| c.contains("authorize-security-group-ingress"))
        .unwrap_or_else(|| panic!("{seen:#?}"));
    assert!(
        open_port.contains(&format!("--group-id {}", rejected.pre.security_group_id)),
        "{open_port}"
    );
}

/// The watch in a real terminal: "I'll do it myself" picked with the arrow keys, the step done
/// from another terminal with the AWS CLI while nothing is pressed, the wizard on to the next
/// step by itself; there, `m` and Enter go back to the menu.
#[test]
fn in_a_terminal_the_watch_moves_on_by_itself_and_m_brings_back_the_menu() {
    let (sandbox, info, create) = sandbox_and_log_group_command();
    let folder = TempDir::new();
    let cmd = sandbox.terminal(
        &folder,
        &["--sandbox", "run", "--lang", "en", "--from", "log-group"],
    );
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    let myself = |p: &mut rexpect::session::PtySession, missing: &str| {
        p.exp_string("What would you like to do?")
            .expect("the step's question");
        p.send("\x1b[B").expect("down to I'll do it myself");
        p.send_line("").expect("enter");
        p.exp_string(missing).expect("what is missing");
    };
    myself(&mut p, "There is no log group named MyVpc22-Log");
    p.exp_string("next check in").expect("the watch's line");
    let shell = Shell::new(info.export_lines());
    shell.run(&create);
    p.exp_string("This step: pass")
        .expect("the watch saw the step done, with no key pressed");
    myself(&mut p, "There is no flow log on MyVpc22");
    p.send_line("m").expect("m: the menu");
    p.exp_string("What would you like to do?")
        .expect("back at the menu");
    // The cursor is where the student left it, on "I'll do it myself": three down to quit.
    for _ in 0..3 {
        p.send("\x1b[B").expect("down");
    }
    p.send_line("").expect("quit");
    p.exp_eof().expect("exits");
    // The lab folder the printed commands read from, where the wizard ran.
    assert!(
        folder
            .0
            .join("awslab-vpc-flow-logs/flow-policy.json")
            .is_file(),
        "the lab folder was written"
    );
}

/// `lesson files` writes the documents the printed `file://` commands read, keeps a file the
/// student changed, and refuses a path that is a file.
#[test]
fn lesson_files_writes_the_lab_folder_and_keeps_what_the_student_changed() {
    let home = TempDir::new();
    let dir = home.0.join("awslab-vpc-flow-logs");
    let dir_arg = dir.display().to_string();
    let run = Awslab::bare()
        .args(["--lang", "en", "lesson", "files", "--dir", &dir_arg])
        .run();
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let lesson = Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).expect("lesson");
    for (name, contents) in &lesson.lab.assets {
        assert_eq!(
            &std::fs::read_to_string(dir.join(name)).expect("written"),
            contents,
            "{name}"
        );
    }
    std::fs::write(dir.join("flow-policy.json"), "{\"mine\": true}").expect("edit");
    let again = Awslab::bare()
        .args(["--lang", "en", "lesson", "files", "--dir", &dir_arg])
        .run();
    assert_eq!(again.code(), 0, "{}", again.stderr());
    assert!(
        again.stdout().contains("Left as they are"),
        "{}",
        again.stdout()
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("flow-policy.json")).expect("kept"),
        "{\"mine\": true}"
    );

    let file = home.0.join("a-file");
    std::fs::write(&file, "x").expect("file");
    let refused = Awslab::bare()
        .args(["--lang", "en", "lesson", "files", "--dir"])
        .args([file.display().to_string()])
        .run();
    assert_eq!(refused.code(), 2);
    assert!(
        refused.stderr().contains("is a file, not a folder"),
        "{}",
        refused.stderr()
    );

    let none = Awslab::bare()
        .args([
            "--lang",
            "en",
            "lesson",
            "files",
            "flow-logs-troubleshooting",
        ])
        .run();
    assert_eq!(none.code(), 0, "{}", none.stderr());
    assert!(
        none.stdout().contains("hands out no documents"),
        "{}",
        none.stdout()
    );
}

/// The second lesson by hand too: its commands (revoke the rule by its id, put it back) work
/// pasted into a shell with the AWS CLI, the blocked request fails as the lesson expects, and
/// the lesson passes.
#[tokio::test(flavor = "multi_thread")]
async fn the_troubleshooting_lesson_done_by_hand_with_every_printed_command_passes() {
    let sandbox = Sandbox::up();
    let first = sandbox
        .cmd()
        .args(["--sandbox", "run", "--auto", "--lang", "en"])
        .run();
    assert_eq!(first.code(), 0, "the first lesson:\n{}", first.stdout());
    let info: SandboxInfo =
        serde_json::from_value(sandbox.info.clone()).expect("sandbox up --format json");
    let lesson = Lesson::load(&Source::Embedded, "flow-logs-troubleshooting", &[]).expect("lesson");
    let (student, transcript) = by_hand(&sandbox, &info, &lesson).await;
    for expected in [
        "aws ec2 revoke-security-group-ingress ",
        "aws ec2 authorize-security-group-ingress ",
    ] {
        assert!(
            student.ran.iter().any(|c| c.starts_with(expected)),
            "{expected} was not printed and run: {:#?}\n{transcript}",
            student.ran
        );
    }
    assert!(
        !student.failed_requests.is_empty(),
        "the request to the closed port failed: {:#?}",
        student.ran
    );
}
