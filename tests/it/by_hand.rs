//! The student who does the steps by hand: what awslab prints must work when pasted.

use crate::common::sandbox::Sandbox;
use crate::common::*;

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

/// Every `aws …` command in the remediations of a verdict.
fn commands(v: &serde_json::Value) -> Vec<String> {
    v["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["checks"].as_array().into_iter().flatten())
        .filter_map(|c| c["remediation"].as_str())
        .flat_map(|r| r.lines())
        .filter_map(|l| l.find("aws ").map(|i| l[i..].to_string()))
        .flat_map(|l| l.split(" && ").map(str::to_string).collect::<Vec<_>>())
        .collect()
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
