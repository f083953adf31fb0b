//! A loopback HTTP/1.1 proxy in front of moto that injects faults: delays, dropped connections,
//! 500/503 answers, throttling errors in each service's own error format, or no answer at all.
//! It tells the services apart the way AWS does (X-Amz-Target for CloudWatch Logs, the query
//! protocol's Action and Version for IAM, STS and EC2, the credential scope as a fallback) and
//! records every operation it forwarded and every fault it injected.
//!
//! It runs on its own thread with its own tokio runtime, so sync and async tests can use it.
//! Requests are relayed one per connection by the sandbox's own `relay`, the one that stands
//! between awslab and moto for `--iam-delay`.

use awslab::sandbox::relay;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Iam,
    Sts,
    Ec2,
    Logs,
    Other,
}

impl Service {
    pub fn prefix(self) -> &'static str {
        match self {
            Service::Iam => "iam",
            Service::Sts => "sts",
            Service::Ec2 => "ec2",
            Service::Logs => "logs",
            Service::Other => "other",
        }
    }
}

/// What the proxy does to one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Forward it after this delay.
    Delay(Duration),
    /// Read the request, then close the connection without an answer.
    Drop,
    /// Answer with this HTTP status and an empty body.
    Status(u16),
    /// Answer with the service's own throttling error.
    Throttle,
    /// Read the request and never answer (until the proxy is dropped).
    Hang,
    /// Answer with this status, content type and body instead of moto (a document no emulator
    /// would store, say).
    Answer(u16, &'static str, String),
}

/// One request as the rule sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub service: Service,
    /// The operation name, e.g. `GetRole`.
    pub operation: String,
    /// The access key id of the signature (one per emulated account).
    pub key_id: String,
    /// 1 for the first request of this (key id, service, operation), 2 for the next, …
    pub nth: u32,
    /// Faults injected in a row into this (key id, service, operation) right before this one.
    pub faults_in_a_row: u32,
    /// The form-encoded body of a query-protocol request (IAM, STS, EC2), as sent; empty for
    /// the JSON protocols.
    pub form: String,
}

impl Request {
    /// The decoded value of a query-protocol parameter (`Policy`, `RoleArn`, …), if sent.
    pub fn param(&self, name: &str) -> Option<String> {
        form_value(&self.form, name).map(|v| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    }
}

impl Request {
    /// `service:Operation`, the IAM action spelling the call recorder uses too.
    pub fn call(&self) -> String {
        format!("{}:{}", self.service.prefix(), self.operation)
    }
}

pub type Rule = Arc<dyn Fn(&Request) -> Option<Fault> + Send + Sync>;

/// Throttles the first `n` requests of every operation of every account.
pub fn throttle_first(n: u32) -> Rule {
    Arc::new(move |r: &Request| (r.nth <= n).then_some(Fault::Throttle))
}

/// With probability `p` (deterministic in `seed`, the operation and its count, so the same
/// requests fail whatever order concurrent requests arrive in; not in the account, whose keys
/// are made anew each run, so that a seed injects the same faults every run), one of `faults`. Never
/// more than `max_in_a_row` faults in a row for one operation, so the SDK's retries (5 attempts)
/// always get through.
pub fn random(seed: u64, p: f64, faults: Vec<Fault>, max_in_a_row: u32) -> Rule {
    Arc::new(move |r: &Request| {
        if r.faults_in_a_row >= max_in_a_row || faults.is_empty() {
            return None;
        }
        let mut h = seed ^ 0x9e37_79b9_7f4a_7c15;
        for b in r.call().bytes().chain(r.nth.to_le_bytes()) {
            h = splitmix(h ^ u64::from(b));
        }
        let x = (h >> 11) as f64 / (1u64 << 53) as f64;
        if x < p {
            Some(faults[(splitmix(h) % faults.len() as u64) as usize].clone())
        } else {
            None
        }
    })
}

/// Every request gets `fault`.
pub fn always(fault: Fault) -> Rule {
    Arc::new(move |_: &Request| Some(fault.clone()))
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[derive(Default)]
struct State {
    /// (key id, call) → (requests seen, faults in a row).
    counts: HashMap<(String, String), (u32, u32)>,
    forwarded: Vec<String>,
    injected: Vec<(String, Fault)>,
}

pub struct FaultProxy {
    /// `http://127.0.0.1:PORT`, for AWS_ENDPOINT_URL.
    pub endpoint: String,
    state: Arc<Mutex<State>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FaultProxy {
    /// A proxy on a free loopback port in front of `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str, rule: Rule) -> FaultProxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        assert!(
            upstream.starts_with("127.0.0.1:"),
            "the fault proxy only talks to loopback, not {upstream}"
        );
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port for the proxy");
        listener.set_nonblocking(true).expect("nonblocking");
        let endpoint = format!("http://{}", listener.local_addr().expect("proxy address"));
        let state = Arc::new(Mutex::new(State::default()));
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let shared = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("proxy runtime");
            rt.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("tokio listener");
                let accept = async {
                    loop {
                        let Ok((client, _)) = listener.accept().await else {
                            continue;
                        };
                        let (state, rule, upstream) =
                            (shared.clone(), rule.clone(), upstream.clone());
                        tokio::spawn(async move {
                            let _ = handle(client, &upstream, &rule, &state).await;
                        });
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = stop_rx => {}
                }
            });
            // Hanging connections die with the runtime.
            rt.shutdown_background();
        });
        FaultProxy {
            endpoint,
            state,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The operations forwarded to moto, in order, as `service:Operation`.
    pub fn forwarded(&self) -> Vec<String> {
        self.lock().forwarded.clone()
    }

    /// The faults injected, with the operation each hit.
    pub fn injected(&self) -> Vec<(String, Fault)> {
        self.lock().injected.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|line| {
        let (k, v) = line.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

fn form_value(body: &str, key: &str) -> Option<String> {
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.to_string())
    })
}

/// Which service and operation a request is for.
fn identify(head: &str, body: &[u8]) -> (Service, String, String) {
    let auth = header(head, "authorization").unwrap_or("");
    let credential = auth
        .split("Credential=")
        .nth(1)
        .map(|c| c.split([',', ' ']).next().unwrap_or(""))
        .unwrap_or("");
    let mut scope = credential.split('/');
    let key_id = scope.next().unwrap_or("").to_string();
    let scope_service = scope.nth(2).unwrap_or("");
    if let Some(target) = header(head, "x-amz-target") {
        if let Some(op) = target.strip_prefix("Logs_20140328.") {
            return (Service::Logs, op.to_string(), key_id);
        }
    }
    let form = String::from_utf8_lossy(body);
    if let Some(action) = form_value(&form, "Action") {
        let service = match form_value(&form, "Version").as_deref() {
            Some("2016-11-15") => Service::Ec2,
            Some("2010-05-08") => Service::Iam,
            Some("2011-06-15") => Service::Sts,
            _ => match scope_service {
                "iam" => Service::Iam,
                "sts" => Service::Sts,
                "ec2" => Service::Ec2,
                _ => Service::Other,
            },
        };
        return (service, action, key_id);
    }
    (Service::Other, String::new(), key_id)
}

/// The throttling error as each service really sends it.
fn throttle_answer(service: Service) -> Vec<u8> {
    let id = "4b6f8a31-0000-4000-8000-000000000000";
    let (status, reason, content_type, extra, body) = match service {
        Service::Ec2 => (
            503,
            "Service Unavailable",
            "text/xml;charset=UTF-8",
            String::new(),
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>{id}</RequestID></Response>"
            ),
        ),
        Service::Logs => (
            400,
            "Bad Request",
            "application/x-amz-json-1.1",
            "x-amzn-ErrorType: ThrottlingException\r\n".to_string(),
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_string(),
        ),
        // IAM, STS (and anything else speaking the query protocol).
        _ => (
            400,
            "Bad Request",
            "text/xml",
            String::new(),
            format!(
                "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>{id}</RequestId></ErrorResponse>"
            ),
        ),
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nx-amzn-RequestId: {id}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn status_answer(status: u16) -> Vec<u8> {
    format!("HTTP/1.1 {status} Injected\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .into_bytes()
}

async fn handle(
    mut client: TcpStream,
    upstream: &str,
    rule: &Rule,
    state: &Mutex<State>,
) -> std::io::Result<()> {
    let Some((head, body)) = relay::read_request(&mut client).await? else {
        return Ok(());
    };
    let (service, operation, key_id) = identify(&head, &body);
    let call = format!("{}:{operation}", service.prefix());
    let fault = {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        let entry = s.counts.entry((key_id.clone(), call.clone())).or_default();
        entry.0 += 1;
        let request = Request {
            service,
            operation,
            key_id,
            nth: entry.0,
            faults_in_a_row: entry.1,
            form: match service {
                Service::Logs => String::new(),
                _ => String::from_utf8_lossy(&body).into_owned(),
            },
        };
        let fault = rule(&request);
        let entry = s.counts.entry((request.key_id, call.clone())).or_default();
        match &fault {
            Some(Fault::Delay(_)) | None => entry.1 = 0,
            Some(_) => entry.1 += 1,
        }
        if let Some(f) = &fault {
            s.injected.push((call.clone(), f.clone()));
        }
        fault
    };
    match fault {
        Some(Fault::Drop) => return Ok(()),
        Some(Fault::Hang) => {
            // Keep the connection open, answer nothing; the runtime's shutdown ends this.
            std::future::pending::<()>().await;
        }
        Some(Fault::Status(code)) => {
            client.write_all(&status_answer(code)).await?;
            return client.shutdown().await;
        }
        Some(Fault::Throttle) => {
            client.write_all(&throttle_answer(service)).await?;
            return client.shutdown().await;
        }
        Some(Fault::Answer(status, content_type, body)) => {
            let answer = format!(
                "HTTP/1.1 {status} Rewritten\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            client.write_all(answer.as_bytes()).await?;
            return client.shutdown().await;
        }
        Some(Fault::Delay(d)) => tokio::time::sleep(d).await,
        None => {}
    }
    state
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .forwarded
        .push(call);
    relay::forward(&mut client, upstream, &head, &body).await?;
    Ok(())
}
