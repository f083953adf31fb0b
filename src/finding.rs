//! A finding is data: what one check saw, in words a catalogue renders later in either language.

use crate::i18n::Text;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    /// Advice that changes neither the status nor the score (least privilege, the confused
    /// deputy, a shorter aggregation interval): the course's own way is right.
    Tip,
    Warn,
    Fail,
    Pending,
    Skip,
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Tip => "tip",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Pending => "pending",
            Status::Skip => "skip",
            Status::Error => "error",
        }
    }

    /// Pass, tip and warn all mean "done": a warning is advice, not a missing piece.
    pub fn is_done(self) -> bool {
        matches!(self, Status::Pass | Status::Tip | Status::Warn)
    }

    /// How a step's status follows from its findings: the worst one decides.
    fn severity(self) -> u8 {
        match self {
            Status::Pass | Status::Tip => 0,
            Status::Warn => 1,
            Status::Skip => 2,
            Status::Pending => 3,
            Status::Fail => 4,
            Status::Error => 5,
        }
    }

    pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Status {
        statuses
            .into_iter()
            // A tip never makes a step anything but what its other findings say.
            .map(|s| if s == Status::Tip { Status::Pass } else { s })
            .max_by_key(|s| s.severity())
            .unwrap_or(Status::Skip)
    }
}

pub use crate::i18n::COMMAND_ARGS;

#[derive(Debug, Clone)]
pub struct Finding {
    /// Stable id, `<step>.<check>`, for JSON, JUnit and the instructor's report.
    pub id: String,
    pub status: Status,
    pub message: Text,
    /// How to fix it: an exact AWS CLI command and the console path. None when nothing is to fix.
    pub remediation: Option<Text>,
    /// The resource judged (ARN, id, or the record line found): the evidence behind the verdict.
    pub resource: Option<String>,
    /// When the judged resource came to be (unix seconds), for late work in grading.
    pub created: Option<i64>,
}

impl Finding {
    pub fn new(id: &str, status: Status, message: Text) -> Finding {
        Finding {
            id: id.to_string(),
            status,
            message,
            remediation: None,
            resource: None,
            created: None,
        }
    }

    pub fn pass(id: &str, message: Text) -> Finding {
        Finding::new(id, Status::Pass, message)
    }
    pub fn tip(id: &str, message: Text) -> Finding {
        Finding::new(id, Status::Tip, message)
    }

    pub fn warn(id: &str, message: Text) -> Finding {
        Finding::new(id, Status::Warn, message)
    }
    pub fn fail(id: &str, message: Text) -> Finding {
        Finding::new(id, Status::Fail, message)
    }
    pub fn skip(id: &str, message: Text) -> Finding {
        Finding::new(id, Status::Skip, message)
    }
    pub fn pending(id: &str, message: Text) -> Finding {
        Finding::new(id, Status::Pending, message)
    }

    pub fn fix(mut self, remediation: Text) -> Finding {
        self.remediation = Some(remediation);
        self
    }

    /// The shell commands its fix shows (the remediation's `cli` and `follow`), exactly as printed: what a
    /// student pastes, and what tools take from `--format json`.
    pub fn commands(&self) -> Vec<String> {
        self.remediation
            .iter()
            .flat_map(|r| r.args.iter())
            .filter(|(name, _)| COMMAND_ARGS.contains(name))
            .map(|(_, value)| value.clone())
            .collect()
    }

    pub fn at(mut self, created: Option<i64>) -> Finding {
        self.created = created;
        self
    }

    pub fn on(mut self, resource: impl Into<String>) -> Finding {
        self.resource = Some(resource.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_status_decides() {
        use Status::*;
        assert_eq!(Status::worst([Pass, Warn]), Warn);
        assert_eq!(Status::worst([Pass, Pending, Warn]), Pending);
        assert_eq!(Status::worst([Pending, Fail]), Fail);
        assert_eq!(Status::worst([Fail, Error, Pass]), Error);
        assert_eq!(Status::worst([Pass, Skip]), Skip);
        assert_eq!(Status::worst([]), Skip);
    }
}
