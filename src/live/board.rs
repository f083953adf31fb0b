//! The instructor's live board (`grade --watch`): the class as a grid of students × steps, how
//! long each student has been on the step they are at, the students stuck longest first, the
//! class's progress over the session and each student's findings.
//!
//! Its state is built by pure functions from the rounds of grading: each round's grades.json
//! document read back (`grade::class::Class`, the same one every report is drawn from) and the
//! little kept of earlier rounds ([`Session`]: when each student reached their step, and one
//! point per round for the chart), so memory does not grow with the rounds beyond the chart's
//! bounded points.

use crate::finding::Status;
use crate::grade::class::{Class, Student};
use crate::i18n::{Lang, Text};
use crate::lesson::Lesson;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};

/// The page's style and script.
pub const STYLE: &str = concat!(include_str!("base.css"), include_str!("board/page.css"));
pub const SCRIPT: &str = include_str!("board/page.js");

/// Points the chart keeps: at one round every 30 s, twelve hours; older ones are dropped.
pub const MAX_POINTS: usize = 1440;

/// What is kept of the rounds before the latest.
#[derive(Debug, Default)]
pub struct Session {
    /// Rounds completed.
    pub rounds: u64,
    /// Per student: the step they are on and since when (Unix seconds).
    since: HashMap<String, (String, i64)>,
    points: VecDeque<Point>,
}

/// The class at one round, for the chart.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub round: u64,
    /// Unix seconds.
    pub at: i64,
    /// The mean score of the students read, one decimal.
    pub mean: f64,
    /// Steps done, over the class.
    pub done: usize,
}

/// Who a student is from round to round: their name and account.
fn identity(s: &Student) -> String {
    format!("{}\u{0}{}", s.student, s.account.as_deref().unwrap_or(""))
}

/// The first step not done, if any: where the student is.
fn current_step(s: &Student) -> Option<&str> {
    s.verify
        .steps
        .iter()
        .find(|step| !step.status.is_done())
        .map(|step| step.id.as_str())
}

fn readable(s: &Student) -> bool {
    s.error.is_none() && s.score.is_some()
}

impl Session {
    /// Takes in a complete round graded at `at`. A student keeps the time they reached their
    /// step while they stay on it; one who could not be read keeps what was known of them.
    pub fn add(&mut self, at: i64, class: &Class) {
        self.rounds += 1;
        for s in class.students.iter().filter(|s| readable(s)) {
            let id = identity(s);
            match current_step(s) {
                None => {
                    self.since.remove(&id);
                }
                Some(step) => match self.since.get(&id) {
                    Some((known, _)) if known == step => {}
                    _ => {
                        self.since.insert(id, (step.to_string(), at));
                    }
                },
            }
        }
        // Students no longer in the class (a roster edited between rounds) are forgotten.
        let present: std::collections::HashSet<String> =
            class.students.iter().map(identity).collect();
        self.since.retain(|id, _| present.contains(id));
        let read: Vec<&Student> = class.students.iter().filter(|s| readable(s)).collect();
        let mean = if read.is_empty() {
            0.0
        } else {
            let sum: u32 = read.iter().map(|s| s.score.unwrap_or(0)).sum();
            (f64::from(sum) / read.len() as f64 * 10.0).round() / 10.0
        };
        let done = read
            .iter()
            .flat_map(|s| &s.verify.steps)
            .filter(|step| step.status.is_done())
            .count();
        self.points.push_back(Point {
            round: self.rounds,
            at,
            mean,
            done,
        });
        while self.points.len() > MAX_POINTS {
            self.points.pop_front();
        }
    }

    /// When the student reached the step they are on (Unix seconds).
    fn since(&self, s: &Student) -> Option<i64> {
        self.since.get(&identity(s)).map(|(_, at)| *at)
    }
}

/// Where the rounds stand, for the header.
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    /// The latest complete round's time (Unix seconds).
    pub graded_at: Option<i64>,
    /// How long it took.
    pub took: Option<f64>,
    /// When the next round begins (Unix seconds); none while one is under way.
    pub next_at: Option<i64>,
    /// The wait between rounds while AWS throttles (seconds), if it is longer than usual.
    pub backoff: Option<u64>,
    /// A round is under way.
    pub grading: bool,
}

/// The board's state, as the page's script reads it.
#[derive(Debug, Serialize)]
pub struct Board {
    pub lang: &'static str,
    pub round: u64,
    /// Sentences for the header: when, the next round, the backoff.
    pub graded: Option<String>,
    pub next: Option<String>,
    pub backoff: Option<String>,
    pub possible: u32,
    pub steps: Vec<Column>,
    pub students: Vec<Row>,
    pub progress: Vec<Point>,
    pub words: Words,
}

#[derive(Debug, Serialize)]
pub struct Column {
    pub id: String,
    pub title: String,
}

/// One student's line of the grid.
#[derive(Debug, Serialize)]
pub struct Row {
    pub name: String,
    pub account: Option<String>,
    /// `pass`, `fail`, `pending`, `error` or `not-graded`.
    pub status: String,
    pub status_word: String,
    pub score: Option<u32>,
    /// One status per step, in the lesson's order (`pass`, `fail`, `pending`, `skip`, …;
    /// `unknown` when the account was not read).
    pub cells: Vec<String>,
    /// The step they are on (its title), and for how long (seconds), in words too.
    pub step: Option<String>,
    pub on_step: Option<i64>,
    pub on_step_text: Option<String>,
    /// Why the account could not be read, when it could not: a sentence.
    pub not_graded: Option<String>,
    pub findings: Vec<Note>,
}

/// A check that is not done: what is wrong and how to fix it.
#[derive(Debug, Serialize)]
pub struct Note {
    pub step: String,
    pub status: String,
    pub message: String,
    pub fix: Option<String>,
}

/// The page's words that depend on the state, from the catalogues.
#[derive(Debug, Serialize)]
pub struct Words {
    pub statuses: HashMap<&'static str, String>,
    pub waiting: String,
    pub no_findings: String,
    pub chart: String,
    pub chart_empty: String,
    pub score: String,
}

fn words(lang: Lang) -> Words {
    let statuses = [
        Status::Pass,
        Status::Tip,
        Status::Warn,
        Status::Fail,
        Status::Pending,
        Status::Skip,
        Status::Error,
    ]
    .into_iter()
    .map(|s| (s.as_str(), crate::report::text::status_word(s, lang)))
    .chain([
        ("not-graded", t("live-board.not-graded", lang)),
        ("unknown", t("live-board.unknown", lang)),
    ])
    .collect();
    Words {
        statuses,
        waiting: t("live-board.waiting", lang),
        no_findings: t("live-board.no-findings", lang),
        chart: t("live-board.chart", lang),
        chart_empty: t("live-board.chart-empty", lang),
        score: t("live-board.score", lang),
    }
}

fn t(key: &'static str, lang: Lang) -> String {
    Text::new(key).render(lang)
}

/// The board from the latest complete round (none before the first) and the session so far.
pub fn board(
    latest: Option<&Class>,
    session: &Session,
    schedule: &Schedule,
    lesson: &Lesson,
    lang: Lang,
) -> Board {
    let steps: Vec<Column> = lesson
        .steps
        .iter()
        .map(|s| Column {
            id: s.id.clone(),
            title: s.title.get(lang).to_string(),
        })
        .collect();
    let now = schedule.graded_at.unwrap_or(0);
    let mut students: Vec<Row> = latest
        .map(|c| {
            c.students
                .iter()
                .map(|s| row(s, session, &steps, now, lang))
                .collect()
        })
        .unwrap_or_default();
    order(&mut students);
    Board {
        lang: lang.code(),
        round: session.rounds,
        graded: schedule.graded_at.map(|at| {
            Text::new("live-board.graded")
                .arg("round", session.rounds)
                .arg("time", crate::time::clock(at))
                .arg("seconds", format!("{:.1}", schedule.took.unwrap_or(0.0)))
                .render(lang)
        }),
        next: if schedule.grading {
            Some(
                Text::new("live-board.grading")
                    .arg("round", session.rounds + 1)
                    .render(lang),
            )
        } else {
            schedule.next_at.map(|at| {
                Text::new("live-board.next")
                    .arg("time", crate::time::clock(at))
                    .render(lang)
            })
        },
        backoff: schedule.backoff.map(|secs| {
            Text::new("live-board.backoff")
                .arg("seconds", secs)
                .render(lang)
        }),
        possible: lesson.possible_points(),
        steps,
        students,
        progress: session.points.iter().cloned().collect(),
        words: words(lang),
    }
}

fn row(s: &Student, session: &Session, steps: &[Column], now: i64, lang: Lang) -> Row {
    let read = readable(s);
    let by_id: HashMap<&str, &crate::grade::class::Step> = s
        .verify
        .steps
        .iter()
        .map(|step| (step.id.as_str(), step))
        .collect();
    let cells = steps
        .iter()
        .map(|c| match by_id.get(c.id.as_str()) {
            Some(step) if read => step.status.as_str().to_string(),
            _ => "unknown".to_string(),
        })
        .collect();
    let current = read.then(|| current_step(s)).flatten();
    let on_step = current
        .and_then(|_| session.since(s))
        .map(|since| (now - since).max(0));
    let title = |id: &str| {
        steps
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_string(), |c| c.title.clone())
    };
    let findings = if read {
        s.verify
            .steps
            .iter()
            .flat_map(|step| step.checks.iter().map(move |c| (step, c)))
            .filter(|(_, c)| matches!(c.status, Status::Fail | Status::Pending | Status::Error))
            .map(|(step, c)| Note {
                step: title(&step.id),
                status: c.status.as_str().to_string(),
                message: c.message.clone(),
                fix: c.remediation.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let status = if read {
        s.status().to_string()
    } else {
        "not-graded".to_string()
    };
    let status_word = match s.verify.status {
        _ if !read => t("live-board.not-graded", lang),
        st => crate::report::text::status_word(st, lang),
    };
    Row {
        name: s.student.clone(),
        account: s.account.clone(),
        status,
        status_word,
        score: if read { s.score } else { None },
        cells,
        step: current.map(title),
        on_step,
        on_step_text: on_step.map(|secs| match secs / 60 {
            0 => t("live-board.on-step-new", lang),
            minutes => Text::new("live-board.on-step")
                .arg("minutes", minutes)
                .render(lang),
        }),
        not_graded: if read { None } else { s.error.clone() },
        findings,
    }
}

/// Stuck longest first: students on a step by how long they have been on it, then those not
/// read, then those done; by name within each.
pub fn order(rows: &mut [Row]) {
    rows.sort_by(|a, b| {
        let group = |r: &Row| match (&r.not_graded, &r.step) {
            (None, Some(_)) => 0,
            (Some(_), _) => 1,
            (None, None) => 2,
        };
        group(a)
            .cmp(&group(b))
            .then(b.on_step.unwrap_or(0).cmp(&a.on_step.unwrap_or(0)))
            .then_with(|| a.name.cmp(&b.name))
    });
}

/// The board's page: its static words from the catalogues, everything else drawn by the script
/// from the state.
pub fn site(lesson: &Lesson, lang: Lang, state: super::server::State) -> super::server::Site {
    let title = Text::new("live-board.title")
        .arg("lesson", lesson.title.get(lang))
        .render(lang);
    let body = maud::html! {
        main {
            header {
                h1 { (title) }
                p.meta {
                    span #graded { (t("live-board.waiting", lang)) }
                    " "
                    span #next {}
                }
                p #backoff.backoff hidden {}
                p #lost.lost hidden { (t("live-board.lost", lang)) }
            }
            section.grid-section {
                h2 { (t("live-board.grid", lang)) }
                p.hint { (t("live-board.hint", lang)) }
                div.scroll {
                    table #grid {
                        thead { tr #head { th scope="col" { (t("live-board.student", lang)) } } }
                        tbody #rows {}
                    }
                }
                ol #legend.legend {}
            }
            section #detail hidden {
                h2 #detail-name {}
                p #detail-state {}
                ul #detail-findings {}
            }
            section {
                h2 { (t("live-board.chart", lang)) }
                div #chart {}
            }
        }
    };
    super::site(lang, &title, (STYLE, SCRIPT), body, state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::Source;
    use serde_json::{Value, json};

    const STEPS: [&str; 6] = [
        "policy",
        "role",
        "trust",
        "log-group",
        "flow-log",
        "traffic",
    ];

    fn lesson() -> Lesson {
        Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).expect("the first lesson loads")
    }

    /// A student with the first `done` steps done and the rest failing (the next one) or
    /// skipped behind it.
    fn student(name: &str, done: usize) -> Value {
        let steps: Vec<Value> = STEPS
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let status = match i {
                    _ if i < done => "pass",
                    _ if i == done => "fail",
                    _ => "skip",
                };
                json!({"id": id, "status": status, "points": 10, "earned": if i < done {10} else {0},
                    "checks": [{"id": format!("{id}.x"), "status": status,
                        "message": format!("{id} is {status}"), "remediation": "do it"}]})
            })
            .collect();
        json!({"student": name, "account": format!("acct-{name}"), "score": done * 10,
            "late": false, "error": null, "status": if done == 6 {"pass"} else {"fail"},
            "verify": {"status": if done == 6 {"pass"} else {"fail"},
                "score": {"earned": done * 10, "possible": 60}, "steps": steps}})
    }

    fn unread(name: &str) -> Value {
        let mut s = student(name, 0);
        s["error"] = json!("Not graded: the role could not be assumed.");
        s["score"] = Value::Null;
        s["status"] = json!("not graded");
        s
    }

    fn class(students: Vec<Value>) -> Class {
        serde_json::from_value(json!({"lesson": "vpc-flow-logs", "students": students}))
            .expect("a class")
    }

    fn at(schedule_at: i64) -> Schedule {
        Schedule {
            graded_at: Some(schedule_at),
            ..Schedule::default()
        }
    }

    #[test]
    fn time_on_a_step_counts_from_the_round_that_reached_it() {
        let lesson = lesson();
        let mut session = Session::default();
        session.add(1000, &class(vec![student("ana", 1), student("bo", 2)]));
        session.add(1030, &class(vec![student("ana", 1), student("bo", 3)]));
        session.add(1090, &class(vec![student("ana", 1), student("bo", 3)]));
        let latest = class(vec![student("ana", 1), student("bo", 3)]);
        let b = board(Some(&latest), &session, &at(1090), &lesson, Lang::En);
        assert_eq!(b.round, 3);
        let ana = b.students.iter().find(|r| r.name == "ana").expect("ana");
        assert_eq!(ana.on_step, Some(90));
        assert_eq!(
            ana.step.as_deref(),
            Some(lesson.steps[1].title.get(Lang::En))
        );
        let bo = b.students.iter().find(|r| r.name == "bo").expect("bo");
        assert_eq!(bo.on_step, Some(60));
        assert_eq!(bo.cells[..4], ["pass", "pass", "pass", "fail"]);
    }

    #[test]
    fn stuck_longest_first_then_not_graded_then_done() {
        let lesson = lesson();
        let mut session = Session::default();
        session.add(0, &class(vec![student("late", 2)]));
        let latest = class(vec![
            student("done", 6),
            unread("gone"),
            student("new", 0),
            student("late", 2),
        ]);
        session.add(100, &latest);
        let b = board(Some(&latest), &session, &at(100), &lesson, Lang::Ko);
        let names: Vec<&str> = b.students.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["late", "new", "gone", "done"]);
        let gone = &b.students[2];
        assert_eq!(gone.status, "not-graded");
        assert_eq!(gone.score, None, "not graded is not zero");
        assert!(gone.cells.iter().all(|c| c == "unknown"));
        assert_eq!(
            gone.not_graded.as_deref(),
            Some("Not graded: the role could not be assumed.")
        );
        assert!(gone.findings.is_empty());
        assert_eq!(b.students[3].step, None);
        assert!(b.students[3].findings.is_empty());
        assert_eq!(
            b.students[1].findings.len(),
            1,
            "the failing step, not the skipped ones"
        );
        assert_eq!(b.lang, "ko");
    }

    #[test]
    fn a_student_not_read_keeps_their_clock() {
        let mut session = Session::default();
        session.add(0, &class(vec![student("ana", 2)]));
        session.add(30, &class(vec![unread("ana")]));
        session.add(60, &class(vec![student("ana", 2)]));
        let latest = class(vec![student("ana", 2)]);
        let b = board(Some(&latest), &session, &at(60), &lesson(), Lang::En);
        assert_eq!(b.students[0].on_step, Some(60));
    }

    #[test]
    fn the_chart_keeps_one_point_per_round_up_to_its_bound() {
        let mut session = Session::default();
        let c = class(vec![student("ana", 1), student("bo", 2), unread("cy")]);
        session.add(0, &c);
        let first = session.points[0].clone();
        assert_eq!(first.mean, 15.0, "the mean of those read");
        assert_eq!(first.done, 3);
        for round in 1..(MAX_POINTS as i64 + 50) {
            session.add(round, &c);
        }
        assert_eq!(session.points.len(), MAX_POINTS);
        assert_eq!(session.since.len(), 2);
        assert_eq!(session.points.back().map(|p| p.round), Some(session.rounds));
    }

    #[test]
    fn before_the_first_round_the_board_says_it_is_grading() {
        let schedule = Schedule {
            grading: true,
            ..Schedule::default()
        };
        let b = board(None, &Session::default(), &schedule, &lesson(), Lang::En);
        assert!(b.students.is_empty());
        assert_eq!(b.steps.len(), 6);
        assert!(
            b.next.as_deref().is_some_and(|n| n.contains('1')),
            "{:?}",
            b.next
        );
        assert_eq!(b.graded, None);
    }
}
