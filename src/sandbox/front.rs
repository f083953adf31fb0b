//! The sandbox's front door: the only way to its emulator. moto listens on a Unix socket in a
//! folder only its user can enter; this loopback server, whose port the sandbox's own process
//! binds and keeps (no other process can take it between a choice and its use), is the endpoint
//! awslab and the AWS CLI are given. It answers only requests signed with the sandbox's own
//! random keys (SigV4, `sigv4`), so another user of this machine can neither read nor change
//! the sandbox; it reads each request with a time and size limit (`relay`), plays IAM's delay
//! when asked (`iam_lag`), and relays the rest to moto.

use super::iam_lag::{self, Changes};
use super::relay::{forward_unix, read_request};
use super::sigv4::{self, Refused};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// What the front door needs: where moto is, the keys it accepts, IAM's delay (zero: none).
#[derive(Clone)]
pub struct Door {
    pub moto: PathBuf,
    pub key: String,
    pub secret: String,
    pub iam_delay: Duration,
}

/// Binds a loopback port and serves until the task is dropped; returns its endpoint.
pub async fn start(door: Door) -> std::io::Result<(String, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let endpoint = format!("http://{}", listener.local_addr()?);
    let door = Arc::new(door);
    let changes = Arc::new(Mutex::new(Changes::default()));
    let task = tokio::spawn(async move {
        let listener = &listener;
        super::web::accept_loop(
            || listener.accept(),
            |(client, _)| {
                let (door, changes) = (door.clone(), changes.clone());
                tokio::spawn(async move {
                    let _ = handle(client, &door, &changes).await;
                });
            },
        )
        .await;
    });
    Ok((endpoint, task))
}

async fn handle(
    mut client: TcpStream,
    door: &Door,
    changes: &Mutex<Changes>,
) -> std::io::Result<()> {
    let Some((head, body)) = read_request(&mut client).await? else {
        return Ok(());
    };
    if let Err(why) = sigv4::verify(
        &head,
        &body,
        &door.key,
        &door.secret,
        crate::time::now_unix(),
    ) {
        client.write_all(&refused(&head, &body, &why)).await?;
        return client.shutdown().await;
    }
    let form = String::from_utf8_lossy(&body).into_owned();
    let action = iam_lag::form_value(&form, "Action").unwrap_or_default();
    if !door.iam_delay.is_zero() {
        if let Some(refusal) = iam_lag::refusal(&action, &form, door.iam_delay, changes) {
            client.write_all(&refusal).await?;
            return client.shutdown().await;
        }
    }
    let status = forward_unix(&mut client, &door.moto, &head, &body).await?;
    if status.starts_with("HTTP/1.1 200") || status.starts_with("HTTP/1.0 200") {
        iam_lag::remember(&action, &form, changes);
    }
    Ok(())
}

/// AWS's answer to a request it cannot authenticate, in the protocol the request speaks
/// (JSON for CloudWatch Logs, XML for the query services), so the SDK and the AWS CLI report
/// it as AWS would.
fn refused(head: &str, body: &[u8], why: &Refused) -> Vec<u8> {
    let (code, message) = match why {
        Refused::Unsigned => (
            "MissingAuthenticationToken",
            "Request is missing Authentication Token: this sandbox answers only requests signed with its own keys (awslab sandbox env)",
        ),
        Refused::OtherKey => (
            "InvalidClientTokenId",
            "The security token included in the request is invalid: this sandbox answers only its own keys (awslab sandbox env)",
        ),
        Refused::BadSignature => (
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided",
        ),
        // AWS's own answer to a request signed too long ago (or with a clock far off).
        Refused::Stale => (
            "SignatureDoesNotMatch",
            "Signature expired: the request was signed more than 15 minutes from now (check the clock)",
        ),
    };
    let json = head.lines().any(|l| {
        l.to_ascii_lowercase().starts_with("content-type:")
            && l.to_ascii_lowercase().contains("json")
    });
    let (content_type, text) = if json {
        (
            "application/x-amz-json-1.1",
            format!("{{\"__type\":\"{code}\",\"message\":\"{message}\"}}"),
        )
    } else if String::from_utf8_lossy(body).contains("Version=2016-11-15") {
        (
            "text/xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{message}</Message></Error></Errors><RequestID>00000000-0000-4000-8000-000000000403</RequestID></Response>",
                if matches!(why, Refused::BadSignature | Refused::Stale) {
                    code
                } else {
                    "AuthFailure"
                }
            ),
        )
    } else {
        (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>00000000-0000-4000-8000-000000000403</RequestId></ErrorResponse>"
            ),
        )
    };
    format!(
        "HTTP/1.1 403 Forbidden\r\nContent-Type: {content_type}\r\nx-amzn-ErrorType: {code}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    )
    .into_bytes()
}
