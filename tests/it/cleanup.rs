//! `awslab cleanup` against moto (one account per test) and in the sandbox: what awslab built
//! goes in dependency order and verify then says the lab is not started; look-alikes made by
//! hand and unrelated resources stay unless asked for; a dry run only reads; a second run is
//! harmless; a role that serves something else is left alone with a note.

use crate::common::sandbox::Sandbox;
use crate::common::student::*;
use crate::common::*;
use awslab::aws::record::is_read;
use serde_json::Value;

/// Every step applied through the library, as `awslab run --auto` does: everything tagged.
async fn built_by_awslab() -> Lab {
    let lab = Lab::new().await;
    lab.apply_steps(usize::MAX).await;
    lab.deliver_access_record("ACCEPT").await;
    lab
}

/// `awslab cleanup ARGS`, with the AWS calls it made.
fn cleanup(lab: &Lab, args: &[&str]) -> (Run, Vec<String>) {
    let dir = TempDir::new();
    let calls = dir.0.join("calls");
    let run = lab
        .account
        .awslab()
        .env("AWSLAB_RECORD_CALLS", &calls)
        .args(["--lang", "en", "cleanup"])
        .args(args)
        .run();
    let calls = std::fs::read_to_string(&calls)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    (run, calls)
}

fn verify(lab: &Lab) -> (i32, Value) {
    let (run, v) = lab.account.awslab().verify_json();
    (run.code(), v)
}

fn resource<'a>(out: &'a Value, kind: &str) -> &'a Value {
    out["resources"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["kind"] == kind))
        .unwrap_or_else(|| panic!("no {kind} in {out:#}"))
}

fn writes(calls: &[String]) -> Vec<&str> {
    calls
        .iter()
        .map(String::as_str)
        .filter(|c| !is_read(c))
        .collect()
}

/// Everything in the account that cleanup could touch or must not, as sorted lines.
async fn state(lab: &Lab) -> Vec<String> {
    let mut out = Vec::new();
    let policies = lab
        .iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .expect("list-policies");
    for p in policies.policies() {
        let arn = p.arn().unwrap_or_default();
        let versions = lab
            .iam
            .list_policy_versions()
            .policy_arn(arn)
            .send()
            .await
            .expect("list-policy-versions");
        let mut ids: Vec<String> = versions
            .versions()
            .iter()
            .map(|v| {
                format!(
                    "{}{}",
                    v.version_id().unwrap_or_default(),
                    if v.is_default_version() { "*" } else { "" }
                )
            })
            .collect();
        ids.sort();
        out.push(format!(
            "policy {} {}",
            p.policy_name().unwrap_or_default(),
            ids.join(",")
        ));
    }
    let roles = lab.iam.list_roles().send().await.expect("list-roles");
    for r in roles.roles() {
        let name = r.role_name();
        let attached = lab
            .iam
            .list_attached_role_policies()
            .role_name(name)
            .send()
            .await
            .expect("list-attached-role-policies");
        let inline = lab
            .iam
            .list_role_policies()
            .role_name(name)
            .send()
            .await
            .expect("list-role-policies");
        let mut names: Vec<&str> = attached
            .attached_policies()
            .iter()
            .filter_map(|p| p.policy_name())
            .collect();
        names.sort();
        out.push(format!(
            "role {name} attached={} inline={}",
            names.join(","),
            inline.policy_names().join(",")
        ));
    }
    let groups = lab
        .logs
        .describe_log_groups()
        .send()
        .await
        .expect("log groups");
    for g in groups.log_groups() {
        out.push(format!(
            "log-group {}",
            g.log_group_name().unwrap_or_default()
        ));
    }
    let flow_logs = lab
        .ec2
        .describe_flow_logs()
        .send()
        .await
        .expect("flow logs");
    for f in flow_logs.flow_logs() {
        let name = f
            .tags()
            .iter()
            .find(|t| t.key() == Some("Name"))
            .and_then(|t| t.value())
            .unwrap_or("-");
        out.push(format!(
            "flow-log {} {name} {}",
            f.flow_log_id().unwrap_or_default(),
            f.log_group_name().unwrap_or_default()
        ));
    }
    let vpcs = lab.ec2.describe_vpcs().send().await.expect("vpcs");
    for v in vpcs.vpcs() {
        out.push(format!("vpc {}", v.vpc_id().unwrap_or_default()));
    }
    let subnets = lab.ec2.describe_subnets().send().await.expect("subnets");
    for s in subnets.subnets() {
        out.push(format!("subnet {}", s.subnet_id().unwrap_or_default()));
    }
    let groups = lab
        .ec2
        .describe_security_groups()
        .send()
        .await
        .expect("security groups");
    for g in groups.security_groups() {
        out.push(format!(
            "security-group {}",
            g.group_id().unwrap_or_default()
        ));
    }
    let reservations = lab
        .ec2
        .describe_instances()
        .send()
        .await
        .expect("instances");
    for r in reservations.reservations() {
        for i in r.instances() {
            out.push(format!(
                "instance {} {}",
                i.instance_id().unwrap_or_default(),
                i.state()
                    .and_then(|s| s.name())
                    .map(|n| n.as_str())
                    .unwrap_or("?")
            ));
        }
    }
    out.sort();
    out
}

fn lab_steps_fail(v: &Value) {
    for step in ["policy", "role", "log-group", "flow-log"] {
        assert_eq!(v.step_status(step), "fail", "{step}: {v:#}");
    }
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn what_awslab_built_goes_in_dependency_order_and_verify_says_not_started() {
    let lab = built_by_awslab().await;
    // An extra the student added to awslab's own policy: an older version, which must go for
    // IAM to delete the policy. (An inline policy on the role would keep the role: see
    // tests/verdicts.rs.)
    lab.new_default_version(POLICY, &flow_policy()).await;
    let (code, v) = verify(&lab);
    assert_eq!(code, 0, "the lab is solved before cleanup: {v:#}");
    let before = state(&lab).await;

    let (run, calls) = cleanup(&lab, &["--yes", "--format", "json"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let out = run.json();
    assert_eq!(out["status"], "clean", "{out:#}");
    for kind in ["flow-log", "log-group", "role", "policy"] {
        let r = resource(&out, kind);
        assert_eq!(r["result"], "deleted", "{kind}: {out:#}");
        assert_eq!(r["tagged"], true, "{kind}: {out:#}");
    }
    assert_eq!(
        writes(&calls),
        [
            "ec2:DeleteFlowLogs",
            "logs:DeleteLogGroup",
            "iam:DetachRolePolicy",
            "iam:DeleteRole",
            "iam:DeletePolicyVersion",
            "iam:DeletePolicy",
        ],
        "dependency order"
    );

    let (code, v) = verify(&lab);
    assert_eq!(code, 1, "{v:#}");
    lab_steps_fail(&v);
    // The prerequisites are untouched.
    let after = state(&lab).await;
    let prerequisites = |s: &[String]| -> Vec<String> {
        s.iter()
            .filter(|l| {
                ["vpc ", "subnet ", "security-group ", "instance "]
                    .iter()
                    .any(|p| l.starts_with(p))
            })
            .cloned()
            .collect()
    };
    assert_eq!(prerequisites(&before), prerequisites(&after));
    assert!(
        prerequisites(&after)
            .iter()
            .any(|l| l.starts_with("instance ") && l.ends_with("running"))
    );

    // Twice is harmless: nothing left, nothing written, success.
    let (run, calls) = cleanup(&lab, &["--yes"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stdout()
            .contains("Nothing of the lesson vpc-flow-logs is left"),
        "{}",
        run.stdout()
    );
    assert!(writes(&calls).is_empty(), "{calls:?}");
    assert_eq!(state(&lab).await, after);
}

#[tokio::test]
async fn look_alikes_made_by_hand_and_unrelated_resources_survive_unless_included() {
    // The course's way: everything by hand, so nothing carries the lesson tag.
    let lab = Lab::solved().await;
    lab.create_policy("other-policy", &flow_policy()).await;
    lab.create_role("other-role", &trust_policy()).await;
    lab.attach("other-role", "other-policy").await;
    lab.create_log_group("OtherGroup").await;
    lab.create_flow_log(FlowLogSpec {
        group: "OtherGroup",
        role: "other-role",
        name: Some("someone-elses"),
        ..Default::default()
    })
    .await;
    let before = state(&lab).await;

    let (run, calls) = cleanup(&lab, &["--yes", "--format", "json"]);
    assert_eq!(
        run.code(),
        1,
        "something is left: {}\n{}",
        run.stdout(),
        run.stderr()
    );
    let out = run.json();
    assert_eq!(out["status"], "left", "{out:#}");
    for kind in ["flow-log", "log-group", "role", "policy"] {
        let r = resource(&out, kind);
        assert_eq!(r["tagged"], false, "{kind}: {out:#}");
        assert_eq!(r["result"], "kept", "{kind}: {out:#}");
        assert!(
            r["reason"]
                .as_str()
                .unwrap_or("")
                .contains("not created by awslab"),
            "{kind}: {out:#}"
        );
    }
    assert!(
        resource(&out, "role")["note"]
            .as_str()
            .unwrap_or("")
            .contains("--include-untagged"),
        "{out:#}"
    );
    assert!(writes(&calls).is_empty(), "{calls:?}");
    assert_eq!(state(&lab).await, before);

    let (run, _) = cleanup(&lab, &["--yes", "--include-untagged"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stdout().contains("everything the lab created is gone"),
        "{}",
        run.stdout()
    );
    let after = state(&lab).await;
    for gone in [POLICY, ROLE, GROUP, FLOW_LOG] {
        assert!(
            !after.iter().any(|l| l.split(' ').any(|w| w == gone)),
            "{gone} is gone: {after:#?}"
        );
    }
    for kept in [
        "policy other-policy v1*",
        "role other-role attached=other-policy inline=",
        "log-group OtherGroup",
    ] {
        assert!(after.iter().any(|l| l == kept), "{kept}: {after:#?}");
    }
    assert!(
        after
            .iter()
            .any(|l| l.starts_with("flow-log ") && l.contains("someone-elses")),
        "{after:#?}"
    );
    let (code, v) = verify(&lab);
    assert_eq!(code, 1);
    lab_steps_fail(&v);
}

#[tokio::test]
async fn a_dry_run_shows_the_plan_and_only_reads() {
    let lab = built_by_awslab().await;
    let before = state(&lab).await;

    let (run, calls) = cleanup(&lab, &["--dry-run"]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let out = run.stdout();
    for expected in [
        "aws ec2 delete-flow-logs --flow-log-ids fl-",
        "aws logs delete-log-group --log-group-name MyVpc22-Log",
        "aws iam detach-role-policy --role-name my-flowlog-role",
        "aws iam delete-role --role-name my-flowlog-role",
        "aws iam delete-policy --policy-arn",
        "created by awslab (tag awslab:lesson=vpc-flow-logs)",
        "never touched",
        "Dry run: nothing was deleted",
    ] {
        assert!(out.contains(expected), "{expected}:\n{out}");
    }
    // The order on screen is the order of deletion.
    let at = |s: &str| out.find(s).unwrap_or(usize::MAX);
    assert!(at("delete-flow-logs") < at("delete-log-group"));
    assert!(at("delete-log-group") < at("delete-role "));
    assert!(at("delete-role ") < at("delete-policy "));
    assert!(!calls.is_empty());
    assert!(writes(&calls).is_empty(), "a dry run only reads: {calls:?}");

    let (run, calls) = cleanup(&lab, &["--dry-run", "--format", "json"]);
    assert_eq!(run.code(), 0);
    let out = run.json();
    assert_eq!(out["status"], "planned", "{out:#}");
    assert_eq!(out["dry_run"], true);
    assert_eq!(
        out["resources"].as_array().map(Vec::len),
        Some(4),
        "{out:#}"
    );
    assert_eq!(resource(&out, "role")["action"], "delete");
    assert!(writes(&calls).is_empty(), "{calls:?}");

    assert_eq!(state(&lab).await, before);
    let (code, _) = verify(&lab);
    assert_eq!(code, 0, "the lab still passes");
}

#[tokio::test]
async fn without_a_terminal_or_yes_it_refuses_and_deletes_nothing() {
    let lab = built_by_awslab().await;
    let before = state(&lab).await;
    let (run, calls) = cleanup(&lab, &[]);
    assert_eq!(run.code(), 2, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stderr().contains("--yes") && run.stderr().contains("--dry-run"),
        "{}",
        run.stderr()
    );
    assert!(writes(&calls).is_empty(), "{calls:?}");
    assert_eq!(state(&lab).await, before);
}

#[tokio::test]
async fn a_role_used_by_something_else_is_left_alone_with_a_note() {
    let lab = built_by_awslab().await;
    lab.create_policy("app-policy", &flow_policy()).await;
    lab.attach(ROLE, "app-policy").await;

    let (run, _) = cleanup(&lab, &["--yes", "--format", "json"]);
    assert_eq!(run.code(), 1, "{}\n{}", run.stdout(), run.stderr());
    let out = run.json();
    assert_eq!(resource(&out, "flow-log")["result"], "deleted", "{out:#}");
    assert_eq!(resource(&out, "log-group")["result"], "deleted", "{out:#}");
    let role = resource(&out, "role");
    assert_eq!(role["result"], "kept", "{out:#}");
    assert_eq!(role["action"], "keep", "{out:#}");
    assert!(
        role["note"].as_str().unwrap_or("").contains("app-policy"),
        "the note names what else uses it: {out:#}"
    );
    // The lab's policy is still attached to the role that stays, so it stays too.
    assert_eq!(resource(&out, "policy")["result"], "kept", "{out:#}");
    let after = state(&lab).await;
    assert!(
        after.contains(&format!("role {ROLE} attached=app-policy,{POLICY} inline=")),
        "{after:#?}"
    );

    // The text summary says what is left and how to remove it.
    let (run, _) = cleanup(&lab, &["--yes"]);
    assert_eq!(run.code(), 1);
    let text = run.stdout();
    assert!(text.contains("Left (2):"), "{text}");
    assert!(
        text.contains("aws iam delete-role --role-name my-flowlog-role"),
        "{text}"
    );
}

#[test]
fn cleanup_works_in_the_sandbox() {
    let sandbox = Sandbox::up();
    let run = sandbox
        .cmd()
        .args(["--sandbox", "run", "--auto", "--yes", "--lang", "en"])
        .run();
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let run = sandbox
        .cmd()
        .args(["--sandbox", "--lang", "en", "cleanup", "--yes"])
        .run();
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stdout().contains("Deleted flow log fl-"),
        "{}",
        run.stdout()
    );
    let v = sandbox.verify();
    lab_steps_fail(&v);
    assert_eq!(v.status(), "fail");
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_each_look_alike_is_asked_about_on_its_own() {
    let lab = Lab::solved().await;
    let home = TempDir::new();
    let cmd = lab
        .account
        .terminal_command(&home, &["--lang", "en", "--no-color", "cleanup"]);
    let answers = tokio::task::spawn_blocking(move || {
        let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
        // Nothing here was created by awslab: no question for all at once, one per resource,
        // in the order of deletion. Yes to the flow log only.
        for answer in ["y", "n", "n", "n"] {
            p.exp_string("Delete it as well? [y/N]")
                .expect("a question per resource");
            // Each answer needs Enter: a key alone answers nothing.
            p.send_line(answer).expect("answer");
        }
        p.exp_string("Left (3):").expect("the summary");
        p.exp_eof().expect("exits");
    });
    answers.await.expect("pty session");
    let after = state(&lab).await;
    assert!(
        !after.iter().any(|l| l.starts_with("flow-log ")),
        "{after:#?}"
    );
    for kept in [
        format!("log-group {GROUP}"),
        format!("role {ROLE} attached={POLICY} inline="),
    ] {
        assert!(after.contains(&kept), "{kept}: {after:#?}");
    }
}
