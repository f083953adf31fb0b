//! Headless Chromium for the tests, driven over the Chrome DevTools Protocol through
//! `--remote-debugging-pipe`: the browser reads commands on its fd 3 and writes answers and events
//! on its fd 4, each message JSON ended by a NUL byte. No port is opened and, with the flags of
//! `scripts/report-screenshot.sh`, nothing leaves the machine.
//!
//! Chromium is required: without it a test fails with the install command, never skips. The path
//! comes from AWSLAB_CHROMIUM (`scripts/chromium.sh`, sourced by `scripts/test.sh`, exports it),
//! else `chromium` on PATH. Every wait has a deadline, so a hung browser fails the test instead
//! of hanging it.

use super::TempDir;
use serde_json::{Value, json};
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// How long one protocol command may take before the test fails.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// Below this width a tab is emulated as a phone (touch, mobile viewport rules).
const PHONE_WIDTH: u32 = 600;

pub struct Browser {
    child: Child,
    pipe: Mutex<Pipe>,
    profile: TempDir,
}

struct Pipe {
    commands: File,
    answers: Receiver<Value>,
    next_id: u64,
}

/// One page of the browser, in its own target, attached as a flat session.
pub struct Tab<'a> {
    browser: &'a Browser,
    session: String,
    pub target_id: String,
}

fn chromium_path() -> PathBuf {
    std::env::var_os("AWSLAB_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("chromium"))
}

/// A pipe whose two ends close on exec: only the fds the child gets by dup2 reach it.
fn pipe() -> (RawFd, RawFd) {
    let mut fds = [0 as RawFd; 2];
    // SAFETY: pipe2 writes two fds into the array it is given.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        panic!("pipe for chromium: {}", std::io::Error::last_os_error());
    }
    (fds[0], fds[1])
}

impl Browser {
    /// Starts headless Chromium with a fresh profile. Panics, with how to install it, when it
    /// cannot be started.
    pub fn launch() -> Browser {
        let path = chromium_path();
        let profile = TempDir::new();
        let log = profile.0.join("chromium.log");
        let stderr = File::create(&log).unwrap_or_else(|e| panic!("{}: {e}", log.display()));
        let (command_read, command_write) = pipe();
        let (answer_read, answer_write) = pipe();
        let mut command = Command::new(&path);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-pipe",
            ])
            .arg(format!(
                "--user-data-dir={}",
                profile.0.join("profile").display()
            ))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            // Its own process group, so Drop stops the renderers and helpers with it.
            .process_group(0);
        // SAFETY: between fork and exec only async-signal-safe calls (fcntl, dup2). The ends are
        // first copied above fd 4 so that neither dup2 overwrites the other's source; dup2 clears
        // close-on-exec on 3 and 4 alone.
        unsafe {
            command.pre_exec(move || {
                let read = libc::fcntl(command_read, libc::F_DUPFD_CLOEXEC, 10);
                let write = libc::fcntl(answer_write, libc::F_DUPFD_CLOEXEC, 10);
                if read < 0 || write < 0 || libc::dup2(read, 3) < 0 || libc::dup2(write, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let spawned = command.spawn();
        // SAFETY: each fd is ours and closed once: the child's ends here, ours by File below.
        unsafe {
            libc::close(command_read);
            libc::close(answer_write);
        }
        let child = spawned.unwrap_or_else(|e| {
            panic!(
                "cannot start Chromium ({}): {e}\nThe browser tests need Debian's chromium and \
                 a Korean font: `sudo apt-get install chromium fonts-noto-cjk` (scripts/test.sh \
                 installs them when run as root), or set AWSLAB_CHROMIUM to its path.",
                path.display()
            )
        });
        // SAFETY: the parent's ends, owned from here on by these Files alone.
        let commands = unsafe { File::from_raw_fd(command_write) };
        let answers_file = unsafe { File::from_raw_fd(answer_read) };
        let (tx, answers) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(answers_file);
            let mut message = Vec::new();
            loop {
                message.clear();
                match reader.read_until(0, &mut message) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if message.last() == Some(&0) {
                    message.pop();
                }
                let value = serde_json::from_slice(&message).unwrap_or_else(|e| {
                    json!({"unparsed": String::from_utf8_lossy(&message), "error": e.to_string()})
                });
                if tx.send(value).is_err() {
                    return;
                }
            }
        });
        let browser = Browser {
            child,
            pipe: Mutex::new(Pipe {
                commands,
                answers,
                next_id: 1,
            }),
            profile,
        };
        browser.call(None, "Browser.getVersion", json!({}));
        browser
    }

    /// Chromium's own log (stderr), for failure messages.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.profile.0.join("chromium.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Sends one command (to the browser, or to a tab's session) and returns its `result`.
    /// An error answer, a dead browser or no answer within COMMAND_TIMEOUT fails the test.
    fn call(&self, session: Option<&str>, method: &str, params: Value) -> Value {
        let mut pipe = self.pipe.lock().unwrap_or_else(|e| e.into_inner());
        let id = pipe.next_id;
        pipe.next_id += 1;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = message.to_string().into_bytes();
        bytes.push(0);
        if let Err(e) = pipe.commands.write_all(&bytes) {
            panic!("chromium: {method}: cannot write: {e}\n{}", self.log_tail());
        }
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match pipe.answers.recv_timeout(left) {
                // Events and other answers are not waited for by anyone: dropped.
                Ok(answer) if answer["id"] != json!(id) => {}
                Ok(answer) => {
                    if let Some(error) = answer.get("error") {
                        panic!("chromium: {method} {params}: {error}");
                    }
                    return answer.get("result").cloned().unwrap_or(Value::Null);
                }
                Err(RecvTimeoutError::Timeout) => panic!(
                    "chromium: no answer to {method} within {COMMAND_TIMEOUT:?}\n{}",
                    self.log_tail()
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("chromium exited during {method}\n{}", self.log_tail())
                }
            }
        }
    }

    /// A new tab showing `url`, laid out `width` × `height` CSS px at scale 1 (a phone below
    /// 600 px), once the document has loaded.
    pub fn open(&self, url: &str, width: u32, height: u32) -> Tab<'_> {
        let target = self.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().unwrap_or_default().to_string();
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        let session = attached["sessionId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            !session.is_empty(),
            "chromium: no session for the new tab: {attached}"
        );
        let tab = Tab {
            browser: self,
            session,
            target_id,
        };
        tab.call(
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": width,
                "height": height,
                "deviceScaleFactor": 1,
                "mobile": width < PHONE_WIDTH,
            }),
        );
        tab.call("Page.enable", json!({}));
        let navigated = tab.call("Page.navigate", json!({"url": url}));
        if let Some(error) = navigated.get("errorText") {
            panic!("chromium: cannot open {url}: {error}");
        }
        // Page.navigate may answer before the new document replaces about:blank.
        let loaded = if url.starts_with("about:") {
            "document.readyState === 'complete'"
        } else {
            "location.href !== 'about:blank' && document.readyState === 'complete'"
        };
        tab.wait_for(loaded, COMMAND_TIMEOUT);
        tab
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the process group this Browser started (pgid = its pid).
        unsafe {
            libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL);
        }
        let _ = self.child.wait();
    }
}

impl Tab<'_> {
    fn call(&self, method: &str, params: Value) -> Value {
        self.browser.call(Some(&self.session), method, params)
    }

    /// The value of `js` in the page (a promise is awaited), as JSON; `undefined` is Null. A
    /// JavaScript exception fails the test with its text.
    pub fn eval(&self, js: &str) -> Value {
        let answer = self.call(
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
        );
        if let Some(details) = answer.get("exceptionDetails") {
            let text = details["exception"]["description"]
                .as_str()
                .or_else(|| details["text"].as_str())
                .unwrap_or_default();
            panic!("JavaScript exception in `{js}`: {text}");
        }
        answer["result"]
            .get("value")
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Polls `js_condition` until it is truthy (not false, null, 0 nor "") and returns its value.
    /// On timeout, fails the test with the last value and the page's text.
    pub fn wait_for(&self, js_condition: &str, timeout: Duration) -> Value {
        let deadline = Instant::now() + timeout;
        loop {
            let value = self.eval(js_condition);
            let truthy = match &value {
                Value::Null | Value::Bool(false) => false,
                Value::Number(n) => n.as_f64() != Some(0.0),
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return value;
            }
            if Instant::now() >= deadline {
                let text = self.eval("document.body ? document.body.innerText : ''");
                panic!(
                    "waited {timeout:?} for `{js_condition}`; last value {value}; the page reads:\n{}",
                    text.as_str().unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A PNG of the whole page (beyond the viewport), written to `path`; returns its bytes.
    pub fn screenshot(&self, path: impl AsRef<Path>) -> Vec<u8> {
        let path = path.as_ref();
        let metrics = self.call("Page.getLayoutMetrics", json!({}));
        let content = &metrics["cssContentSize"];
        let viewport = &metrics["cssLayoutViewport"];
        let side = |key: &str, viewport_key: &str| {
            content[key]
                .as_f64()
                .unwrap_or(0.0)
                .max(viewport[viewport_key].as_f64().unwrap_or(0.0))
                .ceil()
        };
        let shot = self.call(
            "Page.captureScreenshot",
            json!({
                "format": "png",
                "captureBeyondViewport": true,
                "clip": {
                    "x": 0, "y": 0,
                    "width": side("width", "clientWidth"),
                    "height": side("height", "clientHeight"),
                    "scale": 1,
                },
            }),
        );
        let data = shot["data"].as_str().unwrap_or_default();
        let png = aws_smithy_types::base64::decode(data)
            .unwrap_or_else(|e| panic!("chromium: screenshot is not base64: {e}"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(path, &png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        png
    }
}

/// Width and height of a PNG, read from its IHDR chunk; None when `png` is not one.
pub fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let number = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
    Some((number(16), number(20)))
}
