//! Why a condition could not be decided: shared by the operators and the policy variables, so
//! neither has to import the other for it.

/// Why a condition (or a `Resource` with a policy variable) could not be decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UndecidedReason {
    /// The condition key's state in the request is unknown.
    UnknownKey(String),
    /// The operator is not an IAM operator (names are case-sensitive), or is
    /// used in a way IAM does not define.
    UnsupportedOperator(String),
    /// A value (in the policy or the request) is not of the operator's type.
    BadValue(String),
    /// A policy variable names a key whose state is unknown.
    UnresolvedVariable(String),
}

impl std::fmt::Display for UndecidedReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownKey(key) => {
                write!(
                    f,
                    "whether the request carries {key}, and with what value, is not known"
                )
            }
            Self::UnsupportedOperator(op) => {
                write!(f, "the condition operator {op} is not supported")
            }
            Self::BadValue(value) => write!(f, "the value {value:?} cannot be interpreted"),
            Self::UnresolvedVariable(key) => {
                write!(f, "the policy variable ${{{key}}} cannot be resolved")
            }
        }
    }
}
