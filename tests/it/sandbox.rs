//! The sandbox: lifecycle of `awslab sandbox up|status|down`, stale state, isolation, signals,
//! and simulated flow log delivery (records only when the setup would really deliver).

use crate::common::sandbox::*;
use crate::common::student::*;
use crate::common::*;
use aws_sdk_ec2::types::TrafficType;
use serde_json::Value;
use std::time::{Duration, Instant};

fn alive(pid: u32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| !c.is_empty())
}

fn wait_dead(pids: &[u32]) -> bool {
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if pids.iter().all(|p| !alive(*p)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// Records in the ENI's streams of the group, read straight from the emulator.
async fn records(lab: &Lab, group: &str) -> Vec<String> {
    match lab
        .logs
        .filter_log_events()
        .log_group_name(group)
        .send()
        .await
    {
        Ok(out) => out
            .events()
            .iter()
            .filter_map(|e| e.message().map(str::to_string))
            .collect(),
        Err(_) => Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

#[test]
fn up_status_down_leaves_nothing_running() {
    let sandbox = Sandbox::up();
    let pids = sandbox.pids();
    assert_eq!(pids.len(), 2, "{:#}", sandbox.info);
    assert!(pids.iter().all(|p| alive(*p)), "{pids:?}");
    assert!(sandbox.str("endpoint").starts_with("http://127.0.0.1:"));
    assert!(sandbox.str("web").starts_with("http://127.0.0.1:"));
    assert_eq!(sandbox.str("region"), REGION);

    let status = sandbox
        .cmd()
        .args(["sandbox", "status", "--format", "json"])
        .run();
    assert_eq!(status.code(), 0);
    assert_eq!(status.json()["endpoint"], sandbox.info["endpoint"]);

    // The lab's prerequisites are there and the rest is not: verify reads, and fails.
    let v = sandbox.verify();
    assert_eq!(v.status(), "fail", "{v:#}");
    assert_eq!(v.check_status("traffic.instance"), "pass", "{v:#}");

    // A second `up` reuses the running one.
    let again = sandbox
        .cmd()
        .args(["sandbox", "up", "--format", "json"])
        .run();
    assert_eq!(again.code(), 0);
    assert_eq!(again.json()["endpoint"], sandbox.info["endpoint"]);

    let down = sandbox.cmd().args(["sandbox", "down"]).run();
    assert_eq!(down.code(), 0);
    assert!(wait_dead(&pids), "processes left running: {pids:?}");
    let status = sandbox
        .cmd()
        .args(["sandbox", "status", "--format", "json"])
        .run();
    assert_eq!(status.code(), 1);
    assert_eq!(status.json()["running"], false);
}

#[test]
fn stale_state_is_detected_and_cleaned() {
    let cache = TempDir::new();
    let dir = cache.0.join("sandbox");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let stale = serde_json::json!({
        "endpoint": "http://127.0.0.1:1", "web": "http://127.0.0.1:2", "region": REGION,
        "pids": [9_999_991u32, 9_999_992u32], "account": "123456789012", "lesson": "vpc-flow-logs",
        "vpc_id": "vpc-1", "instance_id": "i-1", "eni_id": "eni-1", "private_ip": "10.0.0.1",
        "public_ip": null, "delay_seconds": 5
    });
    std::fs::write(dir.join("state.json"), stale.to_string()).expect("write");
    let run = awslab_in(&cache).args(["sandbox", "status"]).run();
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("no longer running"),
        "{}",
        run.stderr()
    );
    assert!(!dir.join("state.json").exists());
}

#[test]
fn corrupt_state_is_a_clear_error() {
    let cache = TempDir::new();
    let dir = cache.0.join("sandbox");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("state.json"), "{not json").expect("write");
    let run = awslab_in(&cache).args(["sandbox", "status"]).run();
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("state.json"), "{}", run.stderr());
    assert!(!run.stderr().contains("panicked"));
}

#[test]
fn two_sandboxes_do_not_collide() {
    let a = Sandbox::up();
    let b = Sandbox::up();
    assert_ne!(a.info["endpoint"], b.info["endpoint"]);
    assert_ne!(a.info["web"], b.info["web"]);
    // What happens in one stays there.
    let la = a.lab();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(la.create_log_group(GROUP));
    assert_eq!(a.verify().check_status("log-group.exists"), "pass");
    assert_eq!(b.verify().check_status("log-group.exists"), "fail");
}

#[test]
fn interrupting_a_foreground_sandbox_stops_the_emulator() {
    let cache = TempDir::new();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_awslab"))
        .args(["sandbox", "serve", "--delay", "1"])
        .env("AWSLAB_CACHE_DIR", &cache.0)
        .env("AWSLAB_MOTO_SERVER", find_moto_server())
        .env("AWS_REGION", REGION)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn serve");
    let state = cache.0.join("sandbox").join("state.json");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !state.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let info: Value =
        serde_json::from_str(&std::fs::read_to_string(&state).expect("state written"))
            .expect("state is JSON");
    let moto_pid = info["pids"][1].as_u64().expect("moto pid") as u32;
    assert!(alive(moto_pid));
    // SAFETY: signalling our own child.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let status = child.wait().expect("wait");
    assert!(status.success(), "{status}");
    assert!(wait_dead(&[moto_pid]), "moto survived Ctrl-C");
    assert!(!state.exists(), "state file left behind");
}

#[test]
fn private_sandbox_for_one_command_works_and_goes_away() {
    let cache = TempDir::new();
    let run = awslab_in(&cache)
        .args(["--private-sandbox", "verify", "--format", "json"])
        .run();
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let v = run.json();
    assert_eq!(v.check_status("traffic.instance"), "pass", "{v:#}");
    assert!(!cache.0.join("sandbox").join("state.json").exists());
}

// ---------------------------------------------------------------------------------------------
// Delivery

#[tokio::test(flavor = "multi_thread")]
async fn correct_setup_receives_the_access_record() {
    let sandbox = Sandbox::up();
    let lab = sandbox.lab();
    lab.configure().await;
    assert_eq!(sandbox.verify().status(), "pending");
    sandbox.request();
    let v = sandbox.verify_until_record();
    assert_eq!(v.status(), "pass", "{v:#}");
    let evidence = v.check("traffic.record")["resource"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        evidence.contains(&format!("{}-all", sandbox.str("eni_id"))),
        "{evidence}"
    );
    assert!(evidence.contains(&sandbox.str("private_ip")), "{evidence}");
    assert!(evidence.contains(" 80 6 "), "dstport 80, TCP: {evidence}");
}

#[tokio::test(flavor = "multi_thread")]
async fn custom_log_format_is_honoured() {
    let sandbox = Sandbox::up();
    let lab = sandbox.lab();
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_policy()).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
    let format = "${version} ${vpc-id} ${instance-id} ${interface-id} ${flow-direction} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${action} ${log-status}";
    lab.create_flow_log(FlowLogSpec {
        format: Some(format),
        ..Default::default()
    })
    .await;
    sandbox.request();
    let v = sandbox.verify_until_record();
    assert_eq!(v.check_status("traffic.record"), "pass", "{v:#}");
    let lines = records(&lab, GROUP).await;
    assert!(
        lines
            .iter()
            .any(|l| l.contains("ingress") && l.contains(&sandbox.str("instance_id"))),
        "{lines:?}"
    );
}

/// Each misconfiguration: after the delay and a margin, not a single record arrived.
async fn assert_nothing_delivered(sandbox: &Sandbox, lab: &Lab) {
    sandbox.request();
    tokio::time::sleep(Duration::from_secs(4)).await;
    let lines = records(lab, GROUP).await;
    assert!(
        lines.is_empty(),
        "records delivered to a broken setup: {lines:?}"
    );
    let v = sandbox.verify();
    assert_ne!(
        v.check_status("flow-log.exists"),
        "fail",
        "the flow log must exist: {v:#}"
    );
    assert_ne!(v.status(), "pass");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_trust_principal_delivers_nothing() {
    let sandbox = Sandbox::up();
    let lab = sandbox.lab();
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_for("ec2.amazonaws.com")).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
    lab.create_flow_log(FlowLogSpec::default()).await;
    assert_nothing_delivered(&sandbox, &lab).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn policy_without_put_log_events_delivers_nothing() {
    let sandbox = Sandbox::up();
    let lab = sandbox.lab();
    lab.create_policy(POLICY, &flow_policy().replace("\"logs:PutLogEvents\",", ""))
        .await;
    lab.create_role(ROLE, &trust_policy()).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
    lab.create_flow_log(FlowLogSpec::default()).await;
    assert_nothing_delivered(&sandbox, &lab).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_log_group_delivers_nothing() {
    let sandbox = Sandbox::up();
    let lab = sandbox.lab();
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_policy()).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_flow_log(FlowLogSpec::default()).await;
    assert_nothing_delivered(&sandbox, &lab).await;
    let groups = lab
        .logs
        .describe_log_groups()
        .send()
        .await
        .expect("describe log groups");
    assert!(
        groups.log_groups().is_empty(),
        "the simulator must not create the group"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reject_only_flow_log_delivers_no_accept_records() {
    let sandbox = Sandbox::up();
    let lab = sandbox.lab();
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_policy()).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
    lab.create_flow_log(FlowLogSpec {
        traffic: TrafficType::Reject,
        ..Default::default()
    })
    .await;
    assert_nothing_delivered(&sandbox, &lab).await;
}

// ---------------------------------------------------------------------------------------------
// A real client doing the student's part

#[test]
fn boto3_does_the_lab_and_verify_passes() {
    let sandbox = Sandbox::up();
    let python = find_moto_server().with_file_name("python");
    assert!(
        python.exists(),
        "boto3 comes with moto: expected {}",
        python.display()
    );
    let script = format!(
        r#"
import boto3, pathlib
kw = dict(endpoint_url="{endpoint}", region_name="{region}",
          aws_access_key_id="{key}", aws_secret_access_key="{secret}")
iam, logs, ec2 = boto3.client("iam", **kw), boto3.client("logs", **kw), boto3.client("ec2", **kw)
assets = pathlib.Path("{assets}")
arn = iam.create_policy(PolicyName="my-flowpolicy",
    PolicyDocument=(assets / "flow-policy.json").read_text())["Policy"]["Arn"]
role = iam.create_role(RoleName="my-flowlog-role",
    AssumeRolePolicyDocument=(assets / "trust-policy.json").read_text())["Role"]["Arn"]
iam.attach_role_policy(RoleName="my-flowlog-role", PolicyArn=arn)
logs.create_log_group(logGroupName="MyVpc22-Log")
vpc = ec2.describe_vpcs(Filters=[{{"Name": "tag:Name", "Values": ["MyVpc22"]}}])["Vpcs"][0]["VpcId"]
ec2.create_flow_logs(ResourceType="VPC", ResourceIds=[vpc], TrafficType="ALL",
    LogDestinationType="cloud-watch-logs", LogGroupName="MyVpc22-Log",
    DeliverLogsPermissionArn=role, MaxAggregationInterval=60,
    TagSpecifications=[{{"ResourceType": "vpc-flow-log", "Tags": [{{"Key": "Name", "Value": "my-flowlog"}}]}}])
"#,
        endpoint = sandbox.str("endpoint"),
        region = sandbox.str("region"),
        key = sandbox.str("access_key"),
        secret = sandbox.str("secret_key"),
        assets = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/vpc-flow-logs"),
    );
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    sandbox.request();
    let v = sandbox.verify_until_record();
    assert_eq!(v.status(), "pass", "{v:#}");
}

// ---------------------------------------------------------------------------------------------
// The sandbox belongs to its user

/// The inodes of the TCP sockets listening on 127.0.0.1:`port` (/proc/net/tcp).
fn listening_inodes(port: u16) -> Vec<String> {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local = fields.get(1)?;
            let listening = fields.get(3) == Some(&"0A");
            (listening && local.ends_with(&format!(":{port:04X}")))
                .then(|| fields.get(9).map(|s| s.to_string()))
                .flatten()
        })
        .collect()
}

/// Whether process `pid` holds the socket with this inode.
fn holds_socket(pid: u32, inode: &str) -> bool {
    let wanted = format!("socket:[{inode}]");
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|fds| {
            fds.filter_map(Result::ok).any(|fd| {
                std::fs::read_link(fd.path()).is_ok_and(|l| l.to_string_lossy() == wanted)
            })
        })
        .unwrap_or(false)
}

/// The only way into the sandbox's emulator is its endpoint, a port the sandbox's own process
/// bound and holds (nothing chose it first and handed it over, so nothing can take it in
/// between); the emulator listens on no TCP port at all, only on a Unix socket in a folder of
/// this user's alone.
#[test]
fn the_endpoint_is_bound_by_the_serving_process_and_the_emulator_is_not_on_tcp() {
    let sandbox = Sandbox::up();
    let pids = sandbox.pids();
    let port = awslab::sandbox::loopback(&sandbox.str("endpoint"))
        .expect("loopback")
        .port();
    let inodes = listening_inodes(port);
    assert_eq!(inodes.len(), 1, "one listener on {port}: {inodes:?}");
    assert!(
        holds_socket(pids[0], &inodes[0]),
        "the serving process holds it"
    );
    // moto: no listening TCP socket of its own.
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    for line in table.lines().skip(1) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.get(3) == Some(&"0A") {
            if let Some(inode) = fields.get(9) {
                assert!(!holds_socket(pids[1], inode), "moto listens on TCP: {line}");
            }
        }
    }
    let sockets: Vec<_> = std::fs::read_dir(sandbox.cache.0.join("sandbox"))
        .expect("sandbox folder")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("moto-"))
        .collect();
    assert_eq!(sockets.len(), 1, "{sockets:?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = sockets[0]
        .metadata()
        .expect("metadata")
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o700,
        "the socket's folder is this user's alone"
    );
}

/// Another user of the machine, played on loopback: a request signed with other keys, or not
/// signed at all, is refused, and reads nothing; the sandbox's own keys (what `sandbox env`
/// prints) work.
#[tokio::test(flavor = "multi_thread")]
async fn requests_not_signed_with_the_sandboxs_keys_are_refused() {
    use std::io::{Read, Write};
    let sandbox = Sandbox::up();
    let endpoint = sandbox.str("endpoint");
    let (key, secret) = (sandbox.str("access_key"), sandbox.str("secret_key"));
    assert!(
        key.starts_with("AKIA") && key != awslab::sandbox::ACCESS_KEY,
        "{key}"
    );
    let env = sandbox.cmd().args(["sandbox", "env"]).run();
    assert!(
        env.stdout().contains(&key) && env.stdout().contains(&secret),
        "{}",
        env.stdout()
    );
    let sts = |key: &str, secret: &str| {
        let creds = aws_sdk_sts::config::Credentials::new(key, secret, None, None, "t");
        aws_sdk_sts::Client::new(&sdk_config_at(creds, &endpoint))
    };
    let own = sts(&key, &secret).get_caller_identity().send().await;
    assert!(own.is_ok(), "{own:?}");
    for (k, s) in [
        (
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        (key.as_str(), "a wrong secret"),
        (awslab::sandbox::ACCESS_KEY, awslab::sandbox::SECRET_KEY),
    ] {
        let other = sts(k, s).get_caller_identity().send().await;
        assert!(other.is_err(), "{k}: {other:?}");
    }
    let lab = sandbox.lab();
    let vpcs = lab.ec2.describe_vpcs().send().await;
    assert!(vpcs.is_ok(), "the sandbox's keys read: {vpcs:?}");
    let creds = aws_sdk_sts::config::Credentials::new("AKIAOTHERUSER0000000", "x", None, None, "t");
    let ec2 = aws_sdk_ec2::Client::new(&sdk_config_at(creds, &endpoint));
    assert!(
        ec2.describe_vpcs().send().await.is_err(),
        "other keys read nothing"
    );

    // No signature at all.
    let addr = awslab::sandbox::loopback(&endpoint).expect("loopback");
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    let body = "Action=ListUsers&Version=2010-05-08";
    write!(
        s,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(!answer.contains("<ListUsersResult"), "{answer}");
}

/// A client that connects and sends nothing does not hold the front door's reader forever.
#[test]
fn the_front_door_drops_a_silent_client() {
    use std::io::Read;
    let sandbox = Sandbox::up();
    let addr = awslab::sandbox::loopback(&sandbox.str("endpoint")).expect("loopback");
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let started = Instant::now();
    let mut buf = [0u8; 16];
    let n = s.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "closed without an answer");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}
