//! The command line, declared with clap's derive API: doc comments are the help text.

use crate::i18n::Lang;
use crate::report::Format;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Guides you through hands-on AWS labs and checks, against the live account, that each step
/// was done right.
#[derive(Debug, Parser)]
#[command(name = "awslab", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The command line as the user reads its help, in the language asked for on it (`--lang`)
    /// or by the locale: each command's description and each option's help from the catalogue
    /// (`help.cmd-<path>`, `help.opt-<path>-<option>`), where it has one.
    pub fn localized() -> clap::Command {
        use clap::CommandFactory;
        // Read as the OS gives them: an argument that is not UTF-8 is clap's to report.
        let mut args = std::env::args_os().skip(1);
        let mut lang = None;
        while let Some(arg) = args.next() {
            match arg.to_str() {
                Some("--lang") => lang = args.next().and_then(|v| v.into_string().ok()),
                Some(arg) => {
                    if let Some(value) = arg.strip_prefix("--lang=") {
                        lang = Some(value.to_string());
                    }
                }
                None => {}
            }
        }
        let lang = match lang.as_deref() {
            Some("ko") => Lang::Ko,
            Some(_) => Lang::En,
            None => Lang::from_env(),
        };
        localize(Cli::command(), "awslab", lang)
    }
}

fn localize(mut cmd: clap::Command, path: &str, lang: Lang) -> clap::Command {
    let text = |key: String| crate::i18n::message(lang, &key);
    if let Some(about) = text(format!("help.cmd-{path}")) {
        cmd = cmd.about(about).long_about(None);
    }
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        if let Some(help) = text(format!("help.opt-{path}-{id}")) {
            cmd = cmd.mut_arg(id, |a| a.help(help).long_help(None));
        }
    }
    let subcommands: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subcommands {
        let inner = format!("{path}-{name}");
        cmd = cmd.mut_subcommand(name, |s| localize(s, &inner, lang));
    }
    if lang == Lang::Ko {
        // clap's own headings, in Korean.
        let mut template = String::from("{about-with-newline}\n사용법: {usage}\n");
        if cmd.has_subcommands() {
            template.push_str("\n명령:\n{subcommands}\n");
        }
        if cmd.get_positionals().next().is_some() {
            template.push_str("\n인자:\n{positionals}\n");
        }
        template.push_str("\n옵션:\n{options}\n");
        cmd = cmd.help_template(template);
    }
    cmd
}

#[derive(Debug, Args)]
pub struct Global {
    /// AWS profile to use (from ~/.aws/config)
    #[arg(long, global = true, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// AWS region [default: the configured one, else ap-northeast-2]
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Send every AWS request to this endpoint (an emulator such as moto)
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Language of messages [default: from LANG]
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,
    /// Do not color the output (also: NO_COLOR)
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Load lessons from this directory instead of the built-in ones
    #[arg(long, global = true, value_name = "DIR")]
    pub lessons: Option<PathBuf>,
    /// Override a lesson variable, e.g. --set vpc=OtherVpc (repeatable)
    #[arg(long = "set", global = true, value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub set: Vec<(String, String)>,
    /// Work in the local sandbox: the running one, or one started now that keeps running
    /// until `awslab sandbox down` (without AWS credentials this is the default)
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Work in a throw-away sandbox of this command alone, gone with everything in it when
    /// the command ends (for tests and lesson authors)
    #[arg(long, global = true, conflicts_with = "sandbox")]
    pub private_sandbox: bool,
    /// Log AWS requests (-v) and more (-vv) to stderr
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Do the lab step by step: explanations, "do it for me", checks after every step
    Run(RunArgs),
    /// Check an existing setup, without changing anything
    Verify(VerifyArgs),
    /// Watch a lesson in the account and say when a step changes (reads only); --web serves
    /// its checklist as a page beside the AWS console
    Watch(WatchArgs),
    /// Explain a flow log record field by field
    Explain(ExplainArgs),
    /// Grade a class: every student account of a roster, with reports
    Grade(GradeArgs),
    /// List the lessons available
    Lessons(LessonsArgs),
    /// Delete what the lab created (shows the plan and asks first), leaving the prerequisites
    Cleanup(CleanupArgs),
    /// Give your instructor read-only access to grade your own account: makes the grading role
    /// (asks first) and prints the roster line to send them; --revoke deletes it
    Share(ShareArgs),
    /// Tools for lesson authors
    #[command(subcommand)]
    Lesson(LessonCommand),
    /// A local stand-in AWS account with the lab's VPC and instance, for practice without one
    #[command(subcommand)]
    Sandbox(SandboxCommand),
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Start a sandbox that keeps running for other commands and tools (the AWS CLI too)
    Up(SandboxUpArgs),
    /// Show the running sandbox
    Status(SandboxStatusArgs),
    /// Stop the running sandbox, leaving no process behind
    Down,
    /// Print the `export` lines that point the AWS CLI at the running sandbox
    /// (`eval "$(awslab sandbox env)"`)
    Env,
    /// Run a sandbox in the foreground (what `up` starts in the background)
    #[command(hide = true)]
    Serve(SandboxUpArgs),
}

#[derive(Debug, Args)]
pub struct SandboxUpArgs {
    /// Lesson whose prerequisites to seed [default: the course's first, the one that depends on no other]
    pub lesson: Option<String>,
    /// Seconds between a request and its flow log record (AWS takes minutes)
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub delay: u64,
    #[command(flatten)]
    pub realism: RealismArgs,
    /// Output format of the connection details
    #[arg(long, value_enum, default_value = "text")]
    pub format: Output,
}

#[derive(Debug, Args)]
pub struct SandboxStatusArgs {
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Output,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Lesson to check [default: the course's first, the one that depends on no other]
    pub lesson: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Lesson to watch [default: the course's first, the one that depends on no other]
    pub lesson: Option<String>,
    #[command(flatten)]
    pub page: PageArgs,
    /// End once every step of the lesson is done (otherwise Ctrl-C ends it)
    #[arg(long)]
    pub until_done: bool,
}

/// The student's page (`watch --web`, `run --web`).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct PageArgs {
    /// Serve the lesson's checklist as a page on this computer (127.0.0.1, a random port and
    /// token) to keep beside the AWS console, and open it in the browser
    #[arg(long)]
    pub web: bool,
    /// With --web: print the page's address, but do not open a browser
    #[arg(long, requires = "web")]
    pub no_browser: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Lesson to do [default: the course's first, the one that depends on no other]
    pub lesson: Option<String>,
    /// Do every step without asking (for demos and tests)
    #[arg(long)]
    pub auto: bool,
    /// Start at this step (e.g. flow-log) instead of the first one not done
    #[arg(long, value_name = "STEP")]
    pub from: Option<String>,
    /// Agree to changes that delete something (recreating a wrong flow log)
    #[arg(long, short)]
    pub yes: bool,
    /// Minutes to wait for the access record, fractions allowed [default: the flow log's
    /// aggregation interval plus AWS's delivery time and a margin; the sandbox's own delays]
    #[arg(long, value_name = "MINUTES", value_parser = parse_minutes)]
    pub wait: Option<f64>,
    /// Seconds between looks at the log stream [default: 0.5 in the sandbox, 5 on AWS]
    #[arg(long, value_name = "SECONDS", value_parser = parse_poll)]
    pub poll: Option<f64>,
    /// Where "do it for me" sends the test request instead of the instance's public IP (a web
    /// server you run yourself). With --endpoint-url it must be on this machine: an emulator's
    /// public IPs belong to real hosts, so without this option nothing is sent there
    #[arg(long, value_name = "URL")]
    pub probe_url: Option<String>,
    /// Folder for the lab's documents, which the printed `file://` commands read
    /// [default: ./awslab-<lesson>]
    #[arg(long, value_name = "DIR")]
    pub lab_dir: Option<PathBuf>,
    #[command(flatten)]
    pub page: PageArgs,
    /// For a sandbox this run starts itself (none was running)
    #[command(flatten)]
    pub realism: RealismArgs,
}

/// How much the sandbox behaves like AWS rather than the emulator (`sandbox up`, and the
/// private sandbox of `run --sandbox`).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct RealismArgs {
    /// A new flow log captures nothing until SECONDS after it was created (AWS: minutes)
    #[arg(long, value_name = "SECONDS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub warmup: u64,
    /// For SECONDS after an IAM change, CreateFlowLogs naming that role and attaching a new
    /// policy are refused as AWS refuses them while IAM propagates
    #[arg(long, value_name = "SECONDS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=600))]
    pub iam_delay: u64,
}

fn parse_minutes(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(m) if m.is_finite() && m > 0.0 && m <= 24.0 * 60.0 => Ok(m),
        _ => Err(format!(
            "'{s}' is not a number of minutes between 0 and 1440"
        )),
    }
}

fn parse_poll(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.1..=300.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "'{s}' is not a number of seconds between 0.1 and 300"
        )),
    }
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("org").args(["organization", "ou"]).multiple(true)))]
pub struct GradeArgs {
    /// Lesson to grade [default: the course's first, the one that depends on no other]
    pub lesson: Option<String>,
    /// CSV with a header: student, and role_arn (+ external_id), account_id or profile; optional
    /// region. With --organization or --ou it is merged by account id, and its names win
    #[arg(long, value_name = "FILE")]
    pub roster: Option<PathBuf>,
    /// Grade every active member account of your AWS organization (listed with your own
    /// credentials: the management account or a delegated administrator)
    #[arg(long, conflicts_with = "ou")]
    pub organization: bool,
    /// Grade the active accounts in this organizational unit, by id (ou-ab12-cdef3456) or name
    /// ("Class 2026"), or a root r-ab12 (repeatable)
    #[arg(long, value_name = "OU", value_parser = parse_unit)]
    pub ou: Vec<String>,
    /// With --ou: also the accounts in the units nested under it, at any depth
    #[arg(long, requires = "ou")]
    pub recursive: bool,
    /// With --organization or --ou: name each student by this tag of their account (else the
    /// account name)
    #[arg(long, value_name = "KEY", requires = "org")]
    pub name_tag: Option<String>,
    /// With --organization or --ou: grade the organization's management account too
    #[arg(long, requires = "org")]
    pub include_management: bool,
    /// Draw the web pages again from a saved grades.json, into --out (for the report's screenshots)
    #[arg(long, value_name = "FILE", hide = true, requires = "out")]
    pub from_json: Option<PathBuf>,
    /// Accounts graded at the same time
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: u16,
    /// Role assumed in accounts given by account_id
    #[arg(long, default_value = "OrganizationAccountAccessRole")]
    pub role_name: String,
    /// Seconds one account may take; an account still unfinished then is reported as timed
    /// out, and the others are graded regardless
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub account_timeout: u64,
    /// Work after this time (RFC 3339) is late
    #[arg(long, value_name = "TIME")]
    pub deadline: Option<String>,
    /// Wait until this time (RFC 3339) and grade then: the snapshot of the class at the
    /// deadline (it is the deadline too, unless --deadline says otherwise)
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Grade only these students of the class (by name), keeping the others' rows in --out
    #[arg(long, value_name = "NAME", num_args = 1..)]
    pub only: Vec<String>,
    /// Grade nothing if any roster row is malformed
    #[arg(long)]
    pub strict: bool,
    /// Keep the grades here: each run in its own folder runs/<UTC time>/, and the class view
    /// (grades.csv, grades.json, junit.xml, report.md, report.html) updated by complete runs
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// What to print to standard output
    #[arg(long, value_enum, default_value = "text")]
    pub format: GradeFormat,
    /// Print an IAM policy: `role` (the default), what the grading role needs in each student
    /// account; `instructor`, what your own credentials need to assume it (and, with
    /// --organization or --ou, to list the class)
    #[arg(long, value_enum, value_name = "WHICH", num_args = 0..=1, default_missing_value = "role")]
    pub print_policy: Option<PolicyDoc>,
    /// Print a CloudFormation template of the read-only grading role (deploy it to one account,
    /// or to OUs as a StackSet: how is printed to standard error)
    #[arg(long)]
    pub print_role_template: bool,
    /// Try every account of the class (assume the role, one read of each service, the role's
    /// permissions) and print who can be graded and why not; exit 0 only when all can
    #[arg(long)]
    pub check_access: bool,
    /// External id for accounts whose roster row gives none (and for --organization or --ou)
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// Begin grades.csv with a byte order mark, for Excel on Windows to read Korean names right
    #[arg(long)]
    pub csv_bom: bool,
    /// Grade the class again and again and serve a live board of it (who is stuck where, for
    /// how long) until Ctrl-C; with --out, the last complete round is written then
    #[arg(long, conflicts_with_all = ["at", "check_access", "print_policy", "print_role_template", "from_json"])]
    pub watch: bool,
    /// With --watch: seconds between rounds (jittered by a tenth; longer while AWS throttles)
    #[arg(long, value_name = "SECONDS", default_value_t = 30, requires = "watch", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub every: u64,
    /// With --watch: the address the board listens on [default: 127.0.0.1 on a free port]; the
    /// board's URL carries a secret token either way
    #[arg(long, value_name = "ADDR", requires = "watch")]
    pub bind: Option<std::net::SocketAddr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PolicyDoc {
    /// The grading role's permissions, in each student account.
    Role,
    /// Your own credentials': sts:AssumeRole on the grading role, and listing the class.
    Instructor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GradeFormat {
    Text,
    Json,
    Csv,
    Junit,
    Markdown,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The record, e.g. "2 123456789010 eni-0a1b… 203.0.113.5 10.0.1.4 51234 80 6 5 420 1700000000 1700000060 ACCEPT OK"
    #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
    pub record: Vec<String>,
    /// The flow log's LogFormat, e.g. '${version} ${srcaddr} ${dstaddr} ${action}' [default: version 2]
    #[arg(long, value_name = "FORMAT")]
    pub log_format: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Output,
}

#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// Lesson whose resources to delete [default: the course's first, the one that depends on no other]
    pub lesson: Option<String>,
    /// Delete without asking first (resources not created by awslab still need
    /// --include-untagged or their own confirmation)
    #[arg(long, short)]
    pub yes: bool,
    /// Only show what would be deleted
    #[arg(long)]
    pub dry_run: bool,
    /// Also delete resources with the lab's names that awslab did not create (made by hand)
    #[arg(long)]
    pub include_untagged: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Output,
}

#[derive(Debug, Args)]
pub struct ShareArgs {
    /// Who grades: the instructor's AWS account id, or the ARN of their IAM role or user
    #[arg(
        long,
        value_name = "ACCOUNT_OR_ARN",
        required_unless_present = "revoke"
    )]
    pub instructor: Option<String>,
    /// The secret your instructor gave you, asked for whenever they assume the role
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// The role's name
    #[arg(long, default_value = "AwslabGrader")]
    pub role_name: String,
    /// Your name as the roster line gives it
    #[arg(long, value_name = "NAME")]
    pub student: Option<String>,
    /// Delete the grading role share made
    #[arg(long, conflicts_with_all = ["instructor", "external_id", "student"])]
    pub revoke: bool,
    /// Do it without asking first
    #[arg(long, short)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum LessonCommand {
    /// Validate lessons: schema, texts in both languages, points, assets; then prove in a
    /// private sandbox that every check fails on an empty account and passes once done
    Check(LessonCheckArgs),
    /// Write the lesson's documents (policy and trust policy JSON) into the lab folder, where
    /// the printed `file://` commands read them
    Files(LessonFilesArgs),
}

#[derive(Debug, Args)]
pub struct LessonFilesArgs {
    /// Lesson whose documents to write [default: the course's first, the one that depends on no other]
    pub lesson: Option<String>,
    /// Folder to write them to [default: ./awslab-<lesson>]
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LessonCheckArgs {
    /// Directory of lessons (`<id>/lesson.toml`), or one lesson's directory [default: the
    /// built-in lessons, or --lessons]
    pub dir: Option<PathBuf>,
    /// Only the static checks, without a sandbox
    #[arg(long = "static")]
    pub static_only: bool,
}

#[derive(Debug, Args)]
pub struct LessonsArgs {
    /// Also check each lesson in the account (reads only, like verify) and show how far it is
    #[arg(long)]
    pub state: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: Output,
}

/// `--format` of the commands that print text or one JSON document (clap rejects the rest with
/// its own message, listing these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Text,
    Json,
}

/// An OU id (`ou-` root part, `-`, 8 to 32 characters) or a root id (`r-`, 4 to 32), as AWS
/// Organizations writes them.
fn parse_unit(s: &str) -> Result<String, String> {
    let part = |p: &str, min: usize| {
        (min..=32).contains(&p.len())
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    // Anything else is an OU's name (1 to 128 characters, found in the organization).
    if !s.starts_with("ou-") && !s.starts_with("r-") {
        return if (1..=128).contains(&s.chars().count()) && !s.chars().any(char::is_control) {
            Ok(s.to_string())
        } else {
            Err(format!(
                "'{}' is not an OU id, root id or OU name",
                s.escape_debug()
            ))
        };
    }
    let valid = match s.split('-').collect::<Vec<_>>().as_slice() {
        ["ou", root, unit] => part(root, 4) && part(unit, 8),
        ["r", root] => part(root, 4),
        _ => false,
    };
    if valid {
        Ok(s.to_string())
    } else {
        Err(format!(
            "'{s}' is not an organizational unit id (ou-ab12-cdef3456) or root id (r-ab12)"
        ))
    }
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    let (key, value) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not KEY=VALUE"))?;
    let key = key.trim();
    if key.is_empty() {
        return Err(format!("'{s}' has an empty key"));
    }
    if value.trim().is_empty() {
        return Err(format!("the value of '{key}' is empty"));
    }
    if value.len() > 1024 || value.chars().any(char::is_control) {
        return Err(format!(
            "the value of '{key}' must be at most 1024 characters, without control characters"
        ));
    }
    Ok((key.to_string(), value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every command and every option a person can see has its help in both catalogues, so
    /// `--help` is wholly in the user's language.
    #[test]
    fn every_command_and_option_has_its_help_in_both_languages() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let mut keys = vec![format!("help.cmd-{path}")];
            keys.extend(
                cmd.get_arguments()
                    // Global options are the top command's, and looked up there.
                    .filter(|a| !a.is_hide_set() && (path == "awslab" || !a.is_global_set()))
                    .map(|a| a.get_id().as_str())
                    .filter(|id| !matches!(*id, "help" | "version"))
                    .map(|id| format!("help.opt-{path}-{id}")),
            );
            for key in keys {
                for lang in [Lang::En, Lang::Ko] {
                    if crate::i18n::message(lang, &key).is_none() {
                        missing.push(format!("{} {key}", lang.code()));
                    }
                }
            }
            for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
                walk(sub, &format!("{path}-{}", sub.get_name()), missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "awslab", &mut missing);
        // The top command's own description is clap's `about` from Cargo.toml's.
        missing.retain(|m| !m.ends_with(" help.cmd-awslab"));
        assert!(missing.is_empty(), "{missing:#?}");
    }

    /// `--help` in Korean: the descriptions and option help from the catalogue, clap's headings
    /// in Korean; in English, the same texts as the doc comments.
    #[test]
    fn help_is_in_the_users_language() {
        let mut ko = localize(Cli::command(), "awslab", Lang::Ko);
        ko.build();
        let help = ko.render_help().to_string();
        for said in [
            "사용법:",
            "명령:",
            "옵션:",
            "실습을 단계별로 진행합니다",
            "메시지 언어",
        ] {
            assert!(help.contains(said), "{said}: {help}");
        }
        assert!(!help.contains("Do the lab step by step"), "{help}");
        let sandbox = ko
            .find_subcommand_mut("sandbox")
            .expect("sandbox")
            .render_help()
            .to_string();
        assert!(sandbox.contains("샌드박스를 시작합니다"), "{sandbox}");
        let en = localize(Cli::command(), "awslab", Lang::En)
            .render_help()
            .to_string();
        assert!(
            en.contains("Do the lab step by step") && en.contains("Usage:"),
            "{en}"
        );
    }

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn set_values_are_parsed() {
        assert_eq!(parse_key_value("vpc=A=B"), Ok(("vpc".into(), "A=B".into())));
        assert!(parse_key_value("novalue").is_err());
        assert!(parse_key_value("=x").is_err());
        assert!(parse_key_value("k=a\u{7}").is_err());
    }

    #[test]
    fn unit_ids_are_checked_and_anything_else_is_a_name() {
        for good in [
            "ou-ab12-cdef3456",
            "r-ab12",
            "Class 2026",
            "OU-AB12-CDEF3456",
            "x",
        ] {
            assert_eq!(parse_unit(good).as_deref(), Ok(good));
        }
        for bad in [
            "ou-ab12",
            "ou-ab12-cdef",
            "r-",
            "ou-ab12-cdef3456-x",
            "",
            "tab\there",
        ] {
            assert!(parse_unit(bad).is_err(), "{bad}");
        }
    }
}
