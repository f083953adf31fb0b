//! AWS CloudShell: no keys in the environment, only the container credentials endpoint the
//! console's session serves on loopback (`AWS_CONTAINER_CREDENTIALS_FULL_URI` with
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`) and `AWS_EXECUTION_ENV=CloudShell`. A loopback server
//! here plays that endpoint, handing out the keys of a moto account; the real binary reads the
//! account through it, and its wizard speaks of the console in the other browser tab and
//! writes the lab folder in the home folder.

use crate::common::*;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The path CloudShell's endpoint serves the credentials on.
const CREDENTIALS_PATH: &str = "/latest/meta-data/container/security-credentials";

/// One request the endpoint saw: its path and whether its Authorization header was the token.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    authorized: bool,
}

/// The container credentials endpoint on a loopback port: `GET` with the right Authorization
/// header answers the account's keys as CloudShell does; anything else is refused.
struct CredentialsEndpoint {
    url: String,
    token: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl CredentialsEndpoint {
    fn start(account: &Account) -> CredentialsEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("cannot listen on loopback: {e}"));
        let port = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("no local address: {e}"))
            .port();
        let token = format!("cloudshell-session-{port}");
        let body = serde_json::json!({
            "Type": "",
            "AccessKeyId": account.creds.access_key_id(),
            "SecretAccessKey": account.creds.secret_access_key(),
            "Token": account.creds.session_token().unwrap_or_default(),
            "Expiration": "2099-01-01T00:00:00Z",
            "Code": "Success",
            "LastUpdated": "1970-01-01T00:00:00Z",
        })
        .to_string();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2, token2) = (seen.clone(), stop.clone(), token.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    answer(stream, &token2, &body, &seen2);
                }
            }
        });
        CredentialsEndpoint {
            // CloudShell names it `localhost`, which the SDK resolves and must find loopback.
            url: format!("http://localhost:{port}{CREDENTIALS_PATH}"),
            token,
            seen,
            stop,
            port,
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Drop for CredentialsEndpoint {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread so that it sees the flag and ends.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn answer(stream: TcpStream, token: &str, body: &str, seen: &Mutex<Vec<Seen>>) {
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut authorized = false;
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line.trim().is_empty() => break,
            Ok(_) => {
                if let Some((name, value)) = line.split_once(':') {
                    if name.trim().eq_ignore_ascii_case("authorization") && value.trim() == token {
                        authorized = true;
                    }
                }
            }
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    seen.lock().unwrap_or_else(|p| p.into_inner()).push(Seen {
        path: path.clone(),
        authorized,
    });
    let (status, body) = if method == "GET" && path == CREDENTIALS_PATH && authorized {
        ("200 OK", body.to_string())
    } else {
        ("401 Unauthorized", r#"{"Code":"Unauthorized"}"#.to_string())
    };
    let mut stream = &stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
}

/// The environment of a CloudShell session, and nothing else: no keys, no profile.
fn cloudshell_env(cmd: &mut Command, home: &Path, endpoint: &CredentialsEndpoint, token: &str) {
    cmd.env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C")
        .env("AWS_EXECUTION_ENV", "CloudShell")
        .env("AWS_REGION", REGION)
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", &endpoint.url)
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", token)
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", &moto().endpoint);
}

#[tokio::test]
async fn verify_reads_the_account_with_cloudshells_container_credentials() {
    let account = Account::new().await;
    let endpoint = CredentialsEndpoint::start(&account);
    let home = TempDir::new();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awslab"));
    cmd.current_dir(&home.0)
        .args(["verify", "--format", "json"]);
    cloudshell_env(&mut cmd, &home.0, &endpoint, &endpoint.token);
    // A proxy that answers nothing: the credentials endpoint and the emulator are on loopback,
    // which awslab reaches directly whatever proxy the environment names.
    let dead_proxy = format!("http://127.0.0.1:{}", free_port());
    cmd.env("HTTP_PROXY", &dead_proxy)
        .env("HTTPS_PROXY", &dead_proxy);
    let run = Run {
        output: cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run awslab: {e}")),
    };
    let v = run.json();
    assert_eq!(
        v["account"],
        account.id.as_str(),
        "the account behind the container credentials; stderr:\n{}",
        run.stderr()
    );
    assert_eq!(v["region"], REGION, "{v:#}");
    let seen = endpoint.seen();
    assert!(!seen.is_empty(), "the credentials endpoint was never asked");
    assert!(
        seen.iter()
            .all(|s| s.authorized && s.path == CREDENTIALS_PATH),
        "every request carries the session's token to the credentials path: {seen:?}"
    );
}

#[tokio::test]
async fn a_token_the_endpoint_refuses_reads_no_account() {
    let account = Account::new().await;
    let endpoint = CredentialsEndpoint::start(&account);
    let home = TempDir::new();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awslab"));
    cmd.current_dir(&home.0)
        .args(["verify", "--format", "json"]);
    cloudshell_env(&mut cmd, &home.0, &endpoint, "an-expired-session");
    let run = Run {
        output: cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run awslab: {e}")),
    };
    assert_eq!(run.code(), 2, "stdout:\n{}", run.stdout());
    let v = run.json();
    assert_eq!(v["status"], "error", "{v:#}");
    assert!(v["account"].is_null(), "{v:#}");
    let error = v["error"].as_str().unwrap_or_default();
    assert!(error.contains("credential provider"), "{error}");
    let seen = endpoint.seen();
    assert!(
        !seen.is_empty() && seen.iter().all(|s| !s.authorized),
        "the endpoint was asked, with the wrong token: {seen:?}"
    );
}

#[test]
fn the_wizard_names_the_console_tab_and_keeps_the_lab_folder_in_home() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let account = rt.block_on(Account::new());
    let endpoint = CredentialsEndpoint::start(&account);
    let home = TempDir::new();
    // The shell is somewhere else than the home folder, as after a `cd`.
    let elsewhere = TempDir::new();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awslab"));
    cmd.current_dir(&elsewhere.0).args(["run", "--lang", "en"]);
    cloudshell_env(&mut cmd, &home.0, &endpoint, &endpoint.token);
    cmd.env("TERM", "xterm");
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    let first_screen = p
        .exp_string("What would you like to do?")
        .expect("first question");
    // The lines are wrapped to the terminal: compare words.
    let words = first_screen
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let folder = home.0.join("awslab-vpc-flow-logs");
    for said in [
        "You are in AWS CloudShell",
        "in the other browser tab (the AWS console)",
        "`aws logs tail`",
    ] {
        assert!(words.contains(said), "{said:?} not in:\n{first_screen}");
    }
    p.send_control('c').expect("Ctrl-C");
    p.exp_eof().expect("exits");
    assert!(
        folder.is_dir(),
        "the lab folder is in the home folder: {}",
        folder.display()
    );
    assert!(
        !elsewhere.0.join("awslab-vpc-flow-logs").exists(),
        "nothing written where the shell happened to be"
    );
}

#[test]
fn a_refused_session_in_cloudshell_is_said_not_replaced_by_the_sandbox() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let account = rt.block_on(Account::new());
    let endpoint = CredentialsEndpoint::start(&account);
    let home = TempDir::new();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_awslab"));
    cmd.current_dir(&home.0).args(["run", "--lang", "en"]);
    cloudshell_env(&mut cmd, &home.0, &endpoint, "an-expired-session");
    // Were the sandbox started after all, it would fail at once rather than install anything.
    cmd.env("TERM", "xterm")
        .env("AWSLAB_MOTO_SERVER", home.0.join("no-such-moto-server"));
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    let said = p.exp_eof().expect("ends by itself");
    let words = said.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("No usable AWS credentials"),
        "the refused credentials are said:\n{said}"
    );
    assert!(
        !words.contains("starting the local sandbox"),
        "no practice account instead:\n{said}"
    );
    assert!(!endpoint.seen().is_empty(), "the endpoint was asked");
}
