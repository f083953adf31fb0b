//! The second lesson, flow-logs-troubleshooting, as a student meets it: the sandbox's stand-in
//! follows the security group and network ACL as AWS would, `run --auto` reaches pass from an
//! empty sandbox in both languages, the REJECT record is explained on a terminal, and cleanup
//! after stopping half-way puts back the rule and nothing else.

use crate::common::sandbox::*;
use crate::common::student::*;
use crate::common::*;
use aws_sdk_ec2::types::{AddPrefixListEntry, Filter, IpPermission, PrefixListId, RuleAction, Tag};
use std::io::{Read, Write};
use std::time::{Duration, Instant};

const LESSON: &str = "flow-logs-troubleshooting";

/// `curl <stand-in>` on loopback: whether an HTTP answer came back.
fn answered(sandbox: &Sandbox) -> bool {
    let addr = awslab::sandbox::loopback(&sandbox.str("web")).expect("the stand-in is on loopback");
    let Ok(mut s) = std::net::TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: lab\r\nConnection: close\r\n\r\n");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.1 200")
}

/// `awslab --sandbox ARGS` on this sandbox, bounded.
fn in_sandbox(sandbox: &Sandbox, args: &[&str]) -> Run {
    sandbox
        .cmd()
        .args(["--sandbox"])
        .args(args)
        .run_within(Duration::from_secs(300))
}

/// `verify LESSON --format json` in the sandbox, in English.
fn verify(sandbox: &Sandbox, lesson: &str) -> serde_json::Value {
    sandbox
        .cmd()
        .args([
            "--sandbox",
            "--lang",
            "en",
            "verify",
            lesson,
            "--format",
            "json",
        ])
        .run()
        .json()
}

/// The security group and subnet of the lab's instance, found from the instance.
async fn instance_group_and_subnet(lab: &Lab) -> (String, String) {
    let out = lab
        .ec2
        .describe_instances()
        .instance_ids(&lab.pre.instance_id)
        .send()
        .await
        .expect("describe-instances");
    let instance = out
        .reservations()
        .first()
        .and_then(|r| r.instances().first())
        .expect("the lab's instance");
    let group = instance
        .network_interfaces()
        .first()
        .and_then(|n| n.groups().first())
        .and_then(|g| g.group_id())
        .or_else(|| {
            instance
                .security_groups()
                .first()
                .and_then(|g| g.group_id())
        })
        .expect("its security group")
        .to_string();
    let subnet = instance.subnet_id().expect("its subnet").to_string();
    (group, subnet)
}

/// The inbound rules of `group`: (rule id, protocol, from, to, CIDR or prefix list).
async fn inbound(
    lab: &Lab,
    group: &str,
) -> Vec<(String, String, Option<i32>, Option<i32>, String)> {
    let out = lab
        .ec2
        .describe_security_group_rules()
        .filters(Filter::builder().name("group-id").values(group).build())
        .send()
        .await
        .expect("describe-security-group-rules");
    out.security_group_rules()
        .iter()
        .filter(|r| r.is_egress() == Some(false))
        .map(|r| {
            (
                r.security_group_rule_id().unwrap_or_default().to_string(),
                r.ip_protocol().unwrap_or_default().to_string(),
                r.from_port(),
                r.to_port(),
                r.cidr_ipv4()
                    .or(r.prefix_list_id())
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect()
}

async fn revoke_all_inbound(lab: &Lab, group: &str) {
    let ids: Vec<String> = inbound(lab, group).await.into_iter().map(|r| r.0).collect();
    if ids.is_empty() {
        return;
    }
    lab.ec2
        .revoke_security_group_ingress()
        .group_id(group)
        .set_security_group_rule_ids(Some(ids))
        .send()
        .await
        .expect("revoke-security-group-ingress");
}

/// The actions of the records of TCP to port 80 in the ENI's stream, oldest first, waiting
/// (bounded) until there are at least `count`.
async fn actions(lab: &Lab, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut found = Vec::new();
        if let Ok(out) = lab
            .logs
            .filter_log_events()
            .log_group_name(GROUP)
            .log_stream_name_prefix(&lab.pre.eni_id)
            .send()
            .await
        {
            for e in out.events() {
                let fields: Vec<&str> = e.message().unwrap_or_default().split(' ').collect();
                // Default format: dstport is field 7, action field 13.
                if fields.get(6) == Some(&"80") {
                    found.push(fields.get(12).copied().unwrap_or_default().to_string());
                }
            }
        }
        if found.len() >= count || Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stand_in_follows_the_security_group_and_network_acl_as_aws_would() {
    let sandbox = Sandbox::up();
    let lab = sandbox.lab();
    lab.configure().await;
    let (group, subnet) = instance_group_and_subnet(&lab).await;

    assert!(answered(&sandbox), "port 80 is open from the start");
    assert_eq!(actions(&lab, 1).await, ["ACCEPT"]);

    // Closed by hand, as in the console: the request is turned away and logged as REJECT.
    revoke_all_inbound(&lab, &group).await;
    assert!(
        !answered(&sandbox),
        "no rule: the request must not get through"
    );
    assert_eq!(actions(&lab, 2).await, ["ACCEPT", "REJECT"]);

    // A managed prefix list holding this machine's address opens it, as AWS counts it.
    let list = lab
        .ec2
        .create_managed_prefix_list()
        .prefix_list_name("students")
        .address_family("IPv4")
        .max_entries(5)
        .entries(AddPrefixListEntry::builder().cidr("127.0.0.1/32").build())
        .send()
        .await
        .expect("create-managed-prefix-list");
    let list_id = list
        .prefix_list()
        .and_then(|p| p.prefix_list_id())
        .expect("prefix list id")
        .to_string();
    lab.ec2
        .authorize_security_group_ingress()
        .group_id(&group)
        .ip_permissions(
            IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(80)
                .to_port(80)
                .prefix_list_ids(PrefixListId::builder().prefix_list_id(&list_id).build())
                .build(),
        )
        .send()
        .await
        .expect("authorize from the prefix list");
    assert!(answered(&sandbox), "the prefix list lets this machine in");
    assert_eq!(actions(&lab, 3).await, ["ACCEPT", "REJECT", "ACCEPT"]);

    // A network ACL deny numbered before the allow blocks it whatever the security group says.
    let acls = lab
        .ec2
        .describe_network_acls()
        .filters(
            Filter::builder()
                .name("association.subnet-id")
                .values(&subnet)
                .build(),
        )
        .send()
        .await
        .expect("describe-network-acls");
    let acl = acls
        .network_acls()
        .first()
        .and_then(|a| a.network_acl_id())
        .expect("the subnet's network ACL")
        .to_string();
    lab.ec2
        .create_network_acl_entry()
        .network_acl_id(&acl)
        .rule_number(50)
        .protocol("6")
        .rule_action(RuleAction::Deny)
        .egress(false)
        .cidr_block("0.0.0.0/0")
        .port_range(
            aws_sdk_ec2::types::PortRange::builder()
                .from(80)
                .to(80)
                .build(),
        )
        .send()
        .await
        .expect("create-network-acl-entry");
    assert!(!answered(&sandbox), "the network ACL denies it first");
    assert_eq!(
        actions(&lab, 4).await,
        ["ACCEPT", "REJECT", "ACCEPT", "REJECT"]
    );

    // The lesson's own check says the same: verify of the second lesson judges port 80 closed.
    let v = verify(&sandbox, LESSON);
    assert_eq!(v.check_status("close-port.port"), "pass", "{v:#}");
    assert!(
        v.message("close-port.port").contains("network ACL"),
        "{v:#}"
    );
}

#[test]
fn auto_run_of_the_second_lesson_passes_from_an_empty_sandbox_in_both_languages() {
    for (lang, score, reject) in [
        ("en", "Score 100/100", "The REJECT record arrived"),
        ("ko", "점수 100/100", "REJECT 기록이 도착했습니다"),
    ] {
        let cache = TempDir::new();
        let run = awslab_in(&cache)
            .args([
                "--sandbox",
                "--no-color",
                "run",
                LESSON,
                "--auto",
                "--lang",
                lang,
            ])
            .run_within(Duration::from_secs(300));
        let out = run.stdout();
        assert_eq!(run.code(), 0, "{lang}:\n{out}\n{}", run.stderr());
        // The first lesson first (it was not done), then this one to the end.
        let first = out
            .find("[6/6]")
            .unwrap_or_else(|| panic!("{lang}: the first lesson ran:\n{out}"));
        let second = out
            .find("[3/3]")
            .unwrap_or_else(|| panic!("{lang}: the second lesson ran:\n{out}"));
        assert!(first < second, "{out}");
        assert!(out.contains(reject), "{lang}:\n{out}");
        assert!(out.contains("REJECT → ACCEPT"), "{lang}:\n{out}");
        assert_eq!(
            out.matches(score).count(),
            2,
            "{lang}: both lessons pass:\n{out}"
        );
    }
}

/// The group as if awslab had not made it (an instructor's, say): without the seed tag.
async fn untag_seeded(lab: &crate::common::student::Lab, group: &str) {
    lab.ec2
        .delete_tags()
        .resources(group)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key(awslab::aws::seed::SEEDED_TAG)
                .build(),
        )
        .send()
        .await
        .expect("untag the group");
}

/// An instance whose security group awslab did not make (an instructor's, say): removing its
/// rule is a question, and `--auto` answers no unless `--yes`.
#[tokio::test(flavor = "multi_thread")]
async fn auto_without_yes_removes_no_rule_of_a_group_awslab_did_not_make_and_says_why() {
    let sandbox = Sandbox::up();
    let lab = sandbox.lab();
    let (group, _) = instance_group_and_subnet(&lab).await;
    untag_seeded(&lab, &group).await;
    let run = in_sandbox(
        &sandbox,
        &["--no-color", "run", LESSON, "--auto", "--lang", "en"],
    );
    let out = run.stdout();
    assert_eq!(run.code(), 1, "{out}\n{}", run.stderr());
    assert!(out.contains("add --yes to allow it"), "{out}");
    let v = verify(&sandbox, LESSON);
    assert_eq!(
        v.check_status("close-port.port"),
        "fail",
        "the port stays open: {v:#}"
    );
}

/// The port closed by hand on a group awslab did not make: "send the request for me" at the
/// last step would have to add a rule, so it says so and asks; `--auto` without `--yes` adds
/// none and says why, and with `--yes` it is added.
#[tokio::test(flavor = "multi_thread")]
async fn reopening_a_port_awslab_did_not_close_is_asked_not_done_silently() {
    let sandbox = Sandbox::up();
    let lab = sandbox.lab();
    let (group, _) = instance_group_and_subnet(&lab).await;
    let first = in_sandbox(&sandbox, &["--no-color", "run", "--auto", "--lang", "en"]);
    assert_eq!(first.code(), 0, "{}\n{}", first.stdout(), first.stderr());
    untag_seeded(&lab, &group).await;
    revoke_all_inbound(&lab, &group).await;
    let run = in_sandbox(
        &sandbox,
        &["--no-color", "run", LESSON, "--auto", "--lang", "en"],
    );
    let out = run.stdout();
    assert_eq!(
        run.code(),
        1,
        "the step it left fails: {out}\n{}",
        run.stderr()
    );
    assert!(
        out.contains("awslab did not close it") && out.contains("add --yes to allow it"),
        "{out}"
    );
    assert!(
        inbound(&lab, &group).await.is_empty(),
        "no rule added without consent"
    );
    let run = in_sandbox(
        &sandbox,
        &[
            "--no-color",
            "run",
            LESSON,
            "--auto",
            "--yes",
            "--lang",
            "en",
        ],
    );
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert_eq!(inbound(&lab, &group).await.len(), 1, "added with --yes");
}

/// The wizard of the second lesson on a terminal, by keystrokes: the rule removed after a yes,
/// the request fails and its REJECT record is explained; the student stops before the last
/// step. Cleanup then puts back exactly the rule removed, and nothing of the first lesson goes.
#[tokio::test(flavor = "multi_thread")]
async fn the_reject_record_is_explained_on_a_terminal_and_cleanup_puts_the_rule_back() {
    let sandbox = Sandbox::up();
    let first = in_sandbox(&sandbox, &["run", "--auto", "--lang", "en"]);
    assert_eq!(first.code(), 0, "the first lesson:\n{}", first.stdout());
    let lab = sandbox.lab();
    let (group, _) = instance_group_and_subnet(&lab).await;
    let before = inbound(&lab, &group).await;
    assert_eq!(before.len(), 1, "{before:?}");

    // A group awslab did not make, as an instructor's would be: removing its rule is asked.
    untag_seeded(&lab, &group).await;
    let folder = TempDir::new();
    let cmd = sandbox.terminal(&folder, &["--sandbox", "run", LESSON, "--lang", "en"]);
    let session = tokio::task::spawn_blocking(move || {
        let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
        p.exp_string("and that is done in this account")
            .expect("the first lesson is found done");
        p.exp_string("What would you like to do?").expect("step 1");
        p.send_line("").expect("Enter: do it for me");
        p.exp_string("Remove them now? [y/N]")
            .expect("asked before removing the rule");
        // The answer counts once Enter is pressed.
        p.send_line("y").expect("yes");
        p.exp_string("This step: pass").expect("the port is closed");
        p.exp_string("What would you like to do?").expect("step 2");
        p.send_line("").expect("Enter: send the request");
        p.exp_string("and that is what this step expects")
            .expect("the failure is said to be expected");
        p.exp_string("The REJECT record arrived")
            .expect("the record");
        p.exp_regex(r"REJECT: a security group\s+or\s+network")
            .expect("the action field explained");
        p.exp_regex(r"no\s+inbound\s+rule")
            .expect("why there is a REJECT");
        p.exp_string("What would you like to do?").expect("step 3");
        for _ in 0..4 {
            p.send("\x1b[B").expect("down");
        }
        p.send_line("").expect("quit");
        p.exp_string("Stopped at").expect("quit message");
        p.exp_eof().expect("exits");
    });
    session.await.expect("pty session");
    assert!(inbound(&lab, &group).await.is_empty(), "the rule is gone");

    let plan = sandbox
        .cmd()
        .args([
            "--sandbox",
            "--no-color",
            "--lang",
            "en",
            "cleanup",
            LESSON,
            "--dry-run",
        ])
        .run();
    let out = plan.stdout();
    assert_eq!(plan.code(), 0, "{out}");
    assert!(
        out.contains("[put back]") && out.contains("tcp 80 from 0.0.0.0/0"),
        "{out}"
    );
    assert!(!out.contains("  [delete]"), "nothing else: {out}");
    let run = sandbox
        .cmd()
        .args([
            "--sandbox",
            "--no-color",
            "--lang",
            "en",
            "cleanup",
            LESSON,
            "--yes",
        ])
        .run();
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let after = inbound(&lab, &group).await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(
        (&after[0].1, after[0].2, after[0].3, &after[0].4),
        (&before[0].1, before[0].2, before[0].3, &before[0].4),
        "the very rule is back"
    );
    let tags = lab
        .ec2
        .describe_security_groups()
        .group_ids(&group)
        .send()
        .await
        .expect("describe-security-groups");
    let remembered: Vec<&Tag> = tags
        .security_groups()
        .iter()
        .flat_map(|g| g.tags())
        .filter(|t| t.key() == Some("awslab:removed-ingress"))
        .collect();
    assert!(remembered.is_empty(), "the note is dropped: {remembered:?}");
    assert_eq!(
        sandbox.verify().status(),
        "pass",
        "the first lesson is untouched"
    );
    // Running it again finds nothing to do.
    let again = sandbox
        .cmd()
        .args(["--sandbox", "--lang", "en", "cleanup", LESSON, "--yes"])
        .run();
    assert_eq!(again.code(), 0);
    assert!(
        again.stdout().contains("Nothing of the lesson"),
        "{}",
        again.stdout()
    );
}

#[test]
fn lessons_lists_both_with_their_state_and_verify_only_reads() {
    let sandbox = Sandbox::up();
    let run = in_sandbox(
        &sandbox,
        &["run", LESSON, "--auto", "--yes", "--lang", "en"],
    );
    assert_eq!(run.code(), 0, "{}", run.stdout());
    let list = sandbox
        .cmd()
        .args(["--sandbox", "lessons", "--state", "--format", "json"])
        .run();
    assert_eq!(list.code(), 0, "{}", list.stderr());
    let v = list.json();
    let ids: Vec<&str> = v
        .as_array()
        .map(|a| a.iter().filter_map(|l| l["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, ["vpc-flow-logs", LESSON], "in the course's order");
    for lesson in v.as_array().into_iter().flatten() {
        assert_eq!(lesson["state"]["status"], "pass", "{lesson:#}");
        assert_eq!(lesson["state"]["earned"], 100, "{lesson:#}");
    }
    assert_eq!(v[1]["depends_on"][0], "vpc-flow-logs");

    // verify of the second lesson reads only, and only what grading may read.
    let dir = TempDir::new();
    let file = dir.0.join("calls.txt");
    let run = sandbox
        .cmd()
        .env("AWSLAB_RECORD_CALLS", &file)
        .args(["--sandbox", "verify", LESSON, "--format", "json"])
        .run();
    let v = run.json();
    assert_eq!(run.code(), 0, "{v:#}");
    assert_eq!(v.status(), "pass");
    assert_eq!(
        v.step_status("close-port"),
        "pass",
        "proved by the REJECT record: {v:#}"
    );
    let calls = std::fs::read_to_string(&file).expect("calls recorded");
    for call in calls.lines().filter(|l| !l.is_empty()) {
        assert!(
            awslab::aws::record::VERIFY_ACTIONS.contains(&call),
            "verify sent {call}, which grading may not"
        );
    }
}
