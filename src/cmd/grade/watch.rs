//! `grade --watch`: the class graded round after round behind a live board, until Ctrl-C, then
//! the last complete round written like `grade --out`.
//!
//! Rounds never overlap: the next begins `--every` seconds (jittered by a tenth either way, so
//! classes graded by several instructors drift apart) after the last began, or at once when a
//! round took longer. While AWS throttles, the wait doubles up to [`MAX_BACKOFF`], and returns to
//! the interval after a clean round. What is kept between rounds is bounded: the latest
//! complete round whole, and of the others only what the board's chart and clocks need
//! (`live::board::Session`).

use super::class::Class;
use super::interrupt::Interrupt;
use super::write;
use crate::cmd::cli::GradeArgs;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::grade::report::{self, Meta};
use crate::grade::{self, Graded};
use crate::i18n::Text;
use crate::live::board::{self, Schedule, Session};
use crate::live::{Publisher, server};
use std::time::{Duration, Instant};

/// The longest wait between rounds while AWS throttles.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// The wait after a round that met throttling (`throttled`) or not: none (the interval again)
/// after a clean round, else twice the last one (or the interval), at most [`MAX_BACKOFF`].
pub fn backoff(last: Option<Duration>, throttled: bool, every: Duration) -> Option<Duration> {
    if !throttled {
        return None;
    }
    let doubled = last.unwrap_or(every).saturating_mul(2);
    Some(doubled.min(MAX_BACKOFF).max(every))
}

/// The interval, moved by up to a tenth either way: `unit` in [0, 1) picks where.
pub fn jittered(every: Duration, unit: f64) -> Duration {
    let unit = if unit.is_finite() {
        unit.clamp(0.0, 1.0)
    } else {
        0.5
    };
    every.mul_f64(0.9 + 0.2 * unit)
}

/// How long to wait before the next round, when a round meant to be `interval` apart took
/// `took`: the rest of the interval, or nothing (at once, never two at once).
pub fn wait_after(interval: Duration, took: Duration) -> Duration {
    interval.saturating_sub(took)
}

fn random_unit() -> f64 {
    let mut bytes = [0u8; 4];
    match getrandom::getrandom(&mut bytes) {
        Ok(()) => f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

/// The latest complete round: its grades, kept whole to be written on stop.
struct Latest {
    graded: Vec<Graded>,
    graded_at: i64,
}

pub async fn watch(
    args: &GradeArgs,
    class: &Class,
    interrupt: &mut Interrupt,
) -> Result<ExitCode, AppError> {
    let lang = class.opts.lang;
    let mut session = Session::default();
    let mut schedule = Schedule {
        grading: true,
        ..Schedule::default()
    };
    let mut shown: Option<grade::class::Class> = None;
    let draw = |shown: Option<&grade::class::Class>, session: &Session, schedule: &Schedule| {
        let state = board::board(shown, session, schedule, &class.lesson, lang);
        serde_json::to_value(state).unwrap_or_default()
    };
    let (publisher, state) = Publisher::new(&draw(None, &session, &schedule));
    let addr = args.bind.unwrap_or_else(server::loopback);
    let served = server::serve(addr, board::site(&class.lesson, lang, state))
        .await
        .map_err(|e| AppError::Io {
            context: format!("serving the board on {addr}"),
            source: e,
        })?;
    eprintln!(
        "{}",
        Text::new("live-board.serving")
            .arg("url", &served.url)
            .render(lang)
    );
    eprintln!("{}", Text::new("live-board.who-sees").render(lang));

    let every = Duration::from_secs(args.every);
    let mut wait_longer: Option<Duration> = None;
    let mut latest: Option<Latest> = None;
    loop {
        let graded_at = crate::time::now_unix();
        let began = Instant::now();
        schedule.grading = true;
        schedule.next_at = None;
        publisher.publish(&draw(shown.as_ref(), &session, &schedule));
        let pass = class.grade(interrupt, || {}).await;
        if pass.interrupted {
            // A round cut short is not the class's grades: the last complete one stands.
            break;
        }
        let took = began.elapsed();
        wait_longer = backoff(
            wait_longer,
            pass.graded.iter().any(Graded::throttled),
            every,
        );
        let meta = Meta {
            graded_at,
            deadline: class.deadline_text.clone(),
            roster: String::new(),
            incomplete: None,
            run: None,
            only: Vec::new(),
        };
        let document = report::document(&write::outcome(class, &pass.graded, &meta));
        shown = serde_json::from_value(document).ok();
        if let Some(c) = &shown {
            session.add(graded_at, c);
        }
        let interval = wait_longer.unwrap_or_else(|| jittered(every, random_unit()));
        let wait = wait_after(interval, took);
        schedule = Schedule {
            graded_at: Some(graded_at),
            took: Some(took.as_secs_f64()),
            next_at: Some(crate::time::now_unix() + wait.as_secs() as i64),
            backoff: wait_longer.map(|d| d.as_secs()),
            grading: false,
        };
        publisher.publish(&draw(shown.as_ref(), &session, &schedule));
        let read = pass.graded.iter().filter(|g| g.error.is_none()).count();
        eprintln!(
            "{}",
            Text::new("live-board.round-done")
                .arg("round", session.rounds)
                .arg("seconds", format!("{:.1}", took.as_secs_f64()))
                .arg("read", read)
                .arg("total", pass.graded.len())
                .render(lang)
        );
        latest = Some(Latest {
            graded: pass.graded,
            graded_at,
        });
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = interrupt.wait() => break,
        }
    }
    drop(served);
    drop(publisher);
    match (&args.out, latest) {
        (Some(_), Some(last)) => {
            let done = super::class::Pass {
                graded: last.graded,
                interrupted: false,
            };
            let incomplete = done.incomplete(class.rows.len(), lang);
            write::record(args, class, &done.graded, last.graded_at, incomplete)?;
        }
        (Some(_), None) => {
            eprintln!("{}", Text::new("live-board.no-complete-round").render(lang));
        }
        (None, _) => eprintln!("{}", Text::new("live-board.nothing-written").render(lang)),
    }
    Ok(ExitCode::Interrupted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_doubles_the_wait_up_to_a_cap_and_a_clean_round_ends_it() {
        let every = Duration::from_secs(30);
        let first = backoff(None, true, every);
        assert_eq!(first, Some(Duration::from_secs(60)));
        let second = backoff(first, true, every);
        assert_eq!(second, Some(Duration::from_secs(120)));
        let mut wait = second;
        for _ in 0..10 {
            wait = backoff(wait, true, every);
        }
        assert_eq!(wait, Some(MAX_BACKOFF));
        assert_eq!(backoff(wait, false, every), None);
    }

    #[test]
    fn jitter_stays_within_a_tenth() {
        let every = Duration::from_secs(30);
        assert_eq!(jittered(every, 0.0), Duration::from_secs(27));
        assert_eq!(jittered(every, 0.5), every);
        assert!(jittered(every, 0.999_999) <= Duration::from_secs(33));
        assert_eq!(jittered(every, f64::NAN), every);
        for _ in 0..100 {
            let d = jittered(every, random_unit());
            assert!(
                d >= Duration::from_secs(27) && d <= Duration::from_secs(33),
                "{d:?}"
            );
        }
    }

    #[test]
    fn a_round_longer_than_the_interval_is_followed_at_once() {
        let every = Duration::from_secs(10);
        assert_eq!(
            wait_after(every, Duration::from_secs(4)),
            Duration::from_secs(6)
        );
        assert_eq!(wait_after(every, Duration::from_secs(25)), Duration::ZERO);
    }
}
