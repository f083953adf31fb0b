//! `awslab grade --watch` over a class of emulated accounts, through its board's HTTP state as
//! a page reads it: a student's change shows in the next round, a hostile name stays text, a
//! wrong token is refused, the whole session only reads, and Ctrl-C writes the last complete
//! round like `grade --out` and exits 130. One session serves every assertion (CI time). The
//! board in headless Chromium shows the hostile name as text and the change without a reload,
//! photographed at 1280 and 390 px (target/live-screenshots/).

use crate::common::browser::{Browser, png_size};
use crate::common::student::*;
use crate::common::*;
use crate::grade::instructor;
use awslab::aws::record::is_read;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

const HOSTILE: &str = "<img src=x onerror=alert(1)>\u{202E}gnp.exe";
/// The hostile name as every string leaves the live pages: the bidi control shown by code point.
const HOSTILE_SHOWN: &str = "<img src=x onerror=alert(1)><U+202E>gnp.exe";

async fn state(client: &reqwest::Client, url: &str) -> Value {
    let text = client
        .get(format!("{url}state"))
        .send()
        .await
        .expect("the board answers")
        .text()
        .await
        .expect("its state");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("state is JSON ({e}): {text}"))
}

/// Polls the state until `ok` holds, for at most `limit`.
async fn until(
    client: &reqwest::Client,
    url: &str,
    limit: Duration,
    what: &str,
    ok: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + limit;
    loop {
        let s = state(client, url).await;
        if ok(&s) {
            return s;
        }
        assert!(Instant::now() < deadline, "{what} within {limit:?}: {s:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn student<'a>(state: &'a Value, name: &str) -> &'a Value {
    state["students"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["name"] == name))
        .unwrap_or_else(|| panic!("{name} on the board: {state:#}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_live_board_follows_the_class_and_stops_with_its_last_complete_round() {
    let (ana, evil) = tokio::join!(Lab::new(), Lab::new());
    let dir = TempDir::new();
    std::fs::write(
        dir.0.join("roster.csv"),
        format!(
            "student,account_id,profile,region\nana,{},,{REGION}\n{HOSTILE},{},,{REGION}\n\
             gone,,no-such-profile,\n",
            ana.account.id, evil.account.id
        ),
    )
    .expect("roster");
    let out = dir.0.join("grades");
    let calls = dir.0.join("calls.txt");
    let mut cmd = instructor();
    cmd.env("AWSLAB_RECORD_CALLS", &calls)
        .args(["grade", "--watch", "--every", "1", "--roster"])
        .args([dir.0.join("roster.csv")])
        .args(["--out"])
        .args([&out]);
    let mut child = cmd
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn awslab");
    let stderr = child.stderr.take().expect("stderr");
    let (lines_tx, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let mut said = Vec::new();
    let url = loop {
        let line = lines
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no board URL on stderr: {said:#?}"));
        said.push(line.clone());
        if let Some(at) = line.find("http://127.0.0.1:") {
            break line[at..].trim().to_string();
        }
    };
    said.extend(lines.recv_timeout(Duration::from_secs(10)));
    assert!(
        said.iter()
            .any(|l| l.contains("names") && l.contains("URL")),
        "warns who sees the board: {said:#?}"
    );
    let client = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client");

    // The first round: nobody has done anything; an account not read is not graded, not 0.
    let first = until(
        &client,
        &url,
        Duration::from_secs(90),
        "a first round",
        |s| s["round"].as_u64() >= Some(1),
    )
    .await;
    assert!(
        student(&first, "ana")["cells"]
            .as_array()
            .is_some_and(|c| c.iter().all(|c| c != "pass")),
        "{first:#}"
    );
    let gone = student(&first, "gone");
    assert_eq!(gone["status"], "not-graded", "{gone:#}");
    assert_eq!(gone["score"], Value::Null);
    assert!(
        gone["not_graded"]
            .as_str()
            .is_some_and(|w| !w.contains("{") && !w.contains("Some(")),
        "a sentence, no debug output: {gone:#}"
    );
    // The hostile name is a string in the state, its bidi control shown by code point; the page
    // itself carries no name at all (the script puts them in as text).
    let hostile = student(&first, HOSTILE_SHOWN);
    assert_eq!(hostile["name"], HOSTILE_SHOWN);
    let page = client.get(&url).send().await.expect("page");
    let csp = page
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    let html = page.text().await.expect("page text");
    assert!(!html.contains("onerror") && !html.contains("ana"), "{html}");
    assert!(!html.contains("innerHTML"), "the script draws text only");

    // The board in headless Chromium, at a projector's width and a phone's: the hostile name
    // is text in the live DOM (no element made of it), and a mark on the window proves that the
    // change below arrives without a reload.
    let browser = Browser::launch();
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/live-screenshots");
    std::fs::create_dir_all(&shots).expect("the screenshots' folder");
    let tabs: Vec<_> = [1280u32, 390]
        .into_iter()
        .map(|width| (width, browser.open(&url, width, 900)))
        .collect();
    let hostile_js = serde_json::to_string(HOSTILE_SHOWN).expect("JSON");
    for (width, tab) in &tabs {
        let shown = tab.wait_for(
            &format!(
                "(() => {{ const r = [...document.querySelectorAll('tr[data-student]')] \
                 .find(r => r.dataset.student === {hostile_js}); return r && r.textContent; }})()"
            ),
            Duration::from_secs(90),
        );
        assert!(
            shown.as_str().is_some_and(|t| t.contains(HOSTILE_SHOWN)),
            "{width}px: {shown}"
        );
        assert_eq!(tab.eval("document.images.length"), 0, "{width}px");
        tab.eval("window.awslabMark = 'not reloaded'");
        let png = tab.screenshot(shots.join(format!("board-{width}.png")));
        assert_eq!(png_size(&png).map(|(w, _)| w), Some(*width));
    }

    // A step done now shows in the next complete round (the one under way may have read before).
    let reached = first["round"].as_u64().unwrap_or(0);
    let seen_in = state(&client, &url).await["round"].as_u64().unwrap_or(0);
    ana.apply_steps(1).await;
    let changed = until(
        &client,
        &url,
        Duration::from_secs(90),
        "ana's policy done",
        |s| student(s, "ana")["cells"][0] == "pass",
    )
    .await;
    let round = changed["round"].as_u64().unwrap_or(0);
    assert!(
        round > reached && round <= seen_in + 2,
        "shown in round {round}, the change came during round {seen_in}"
    );
    assert!(student(&changed, "ana")["score"].as_u64() > Some(0));
    for (width, tab) in &tabs {
        let mark = tab.wait_for(
            "(() => { const r = document.querySelector('tr[data-student=\"ana\"]'); \
             const c = r && r.querySelector('td[data-status]'); \
             return c && c.dataset.status === 'pass' && window.awslabMark; })()",
            Duration::from_secs(90),
        );
        assert_eq!(mark, "not reloaded", "{width}px");
        tab.screenshot(shots.join(format!("board-{width}-changed.png")));
    }
    drop(tabs);
    drop(browser);

    // A wrong token is refused.
    let wrong = {
        let (base, token) = url.trim_end_matches('/').rsplit_once('/').expect("token");
        let other: String = token
            .chars()
            .map(|c| if c == '0' { '1' } else { '0' })
            .collect();
        format!("{base}/{other}/state")
    };
    let refused = client.get(&wrong).send().await.expect("an answer");
    assert_eq!(refused.status().as_u16(), 403);

    // Ctrl-C: the last complete round is written like `grade --out`, and the exit is 130.
    let pid = i32::try_from(child.id()).expect("pid");
    // SAFETY: a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(Instant::now() < deadline, "still running after Ctrl-C");
        std::thread::sleep(Duration::from_millis(100));
    };
    said.extend(lines.try_iter());
    assert_eq!(status.code(), Some(130), "{said:#?}");
    let grades: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("grades.json")).expect("the class view"),
    )
    .expect("grades.json");
    assert_eq!(grades["complete"], true, "{grades:#}");
    let rows = grades["students"].as_array().expect("students");
    assert_eq!(rows.len(), 3, "{grades:#}");
    let row = |name: &str| rows.iter().find(|s| s["student"] == name).expect(name);
    assert!(row("ana")["score"].as_u64() > Some(0), "{grades:#}");
    assert_eq!(row("gone")["score"], Value::Null, "not graded is not 0");
    assert!(out.join("report.html").is_file());

    // The whole session only read.
    let recorded = std::fs::read_to_string(&calls).expect("calls recorded");
    let sent: Vec<&str> = recorded.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!sent.is_empty());
    let writes: Vec<&&str> = sent.iter().filter(|c| !is_read(c)).collect();
    assert!(writes.is_empty(), "grade --watch wrote: {writes:?}");
}
