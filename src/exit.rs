//! The process exit codes, the one place they are defined (ARCHITECTURE.md, "Exit codes").

use crate::finding::Status;

/// What a run of awslab ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    Pass = 0,
    Pending = 3,
    Fail = 1,
    CouldNotCheck = 2,
    /// Ctrl-C, as shells expect (128 + SIGINT).
    Interrupted = 130,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The overall outcome of two (a grade over many accounts): could-not-check beats fail
    /// beats pending beats pass, so a script hears about the most serious one.
    pub fn merge(self, other: ExitCode) -> ExitCode {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }

    fn rank(self) -> u8 {
        match self {
            ExitCode::Pass => 0,
            ExitCode::Pending => 1,
            ExitCode::Fail => 2,
            ExitCode::CouldNotCheck => 3,
            ExitCode::Interrupted => 4,
        }
    }

    pub fn from_status(status: Status) -> ExitCode {
        match status {
            Status::Pass | Status::Tip | Status::Warn => ExitCode::Pass,
            Status::Pending => ExitCode::Pending,
            Status::Error => ExitCode::CouldNotCheck,
            Status::Fail | Status::Skip => ExitCode::Fail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_the_most_serious() {
        use ExitCode::*;
        let cases = [
            (Pass, Pass, Pass),
            (Pass, Pending, Pending),
            (Pending, Fail, Fail),
            (Fail, CouldNotCheck, CouldNotCheck),
            (CouldNotCheck, Pass, CouldNotCheck),
        ];
        for (a, b, want) in cases {
            assert_eq!(a.merge(b), want, "{a:?} + {b:?}");
            assert_eq!(b.merge(a), want, "{b:?} + {a:?}");
        }
    }

    #[test]
    fn codes_match_the_contract() {
        assert_eq!(ExitCode::Pass.code(), 0);
        assert_eq!(ExitCode::Fail.code(), 1);
        assert_eq!(ExitCode::CouldNotCheck.code(), 2);
        assert_eq!(ExitCode::Pending.code(), 3);
    }
}
