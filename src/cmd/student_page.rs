//! The student's page, served beside a command (`watch --web`, `run --web`): where it is said,
//! where it is opened, and where it is not served at all (AWS CloudShell, whose loopback no
//! browser of the student's reaches).

use crate::cmd::context::Context;
use crate::error::AppError;
use crate::i18n::Text;
use crate::lesson::Lesson;
use crate::live::student::{self, View};
use crate::live::{Publisher, open, server};

/// A page being served: dropping it stops the server.
pub struct Serving {
    pub served: server::Served,
    pub publisher: Publisher,
}

/// Serves `lesson`'s page on loopback and says where it is (and opens it, unless
/// `no_browser` or there is nowhere to); in CloudShell says why there is no page instead, and
/// serves nothing.
pub async fn start(
    ctx: &Context,
    lesson: &Lesson,
    view: View,
    no_browser: bool,
) -> Result<Option<Serving>, AppError> {
    if crate::cloudshell::detected() {
        ctx.say(Text::new("live.cloudshell"))?;
        return Ok(None);
    }
    let first = student::state(lesson, None, None, None, view);
    let first = serde_json::to_value(&first).unwrap_or_default();
    let (publisher, state) = Publisher::new(&first);
    let site = student::site(lesson, view.lang, state);
    let served = server::serve(server::loopback(), site)
        .await
        .map_err(|e| AppError::Io {
            context: "serving the lab's page on 127.0.0.1".into(),
            source: e,
        })?;
    ctx.say(Text::new("live.served").arg("url", &served.url))?;
    if open::wanted(no_browser) && !open::browser(&served.url) {
        ctx.say(Text::new("live.no-browser"))?;
    }
    Ok(Some(Serving { served, publisher }))
}

/// The page kept up to date in the background while the command does something else (the
/// wizard): stops, with its server, when dropped.
pub struct Following(tokio::task::JoinHandle<()>);

impl Drop for Following {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Verifies `lesson` on its schedule and publishes each state to `page`, in a task of its own.
pub fn follow(page: Serving, aws: crate::aws::Aws, lesson: Lesson, view: View) -> Following {
    Following(tokio::spawn(async move {
        let watcher = student::watch::Watcher {
            aws: &aws,
            lesson: &lesson,
            view,
            schedule: student::watch::Schedule::for_place(view.sandbox),
        };
        watcher
            .run(Some(&page.publisher), |_, _| {
                std::ops::ControlFlow::Continue(())
            })
            .await;
        drop(page);
    }))
}
