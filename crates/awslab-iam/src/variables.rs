//! Policy variables (`${aws:username}`), as the IAM User Guide describes them
//! (reference_policies_variables):
//!
//! - substituted only in policies with `"Version": "2012-10-17"`, in the
//!   resource part of a `Resource` ARN (after the fifth colon) and in the
//!   values of string and ARN condition operators;
//! - `${key, 'default'}` falls back to the default when the key has no value;
//! - `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$`;
//! - a variable whose key "has no value or is not present" leaves the value
//!   "effectively null": `StringEquals`/`StringLike` do not match it, the
//!   negated operators do, and a `Resource` with it matches no resource;
//! - multivalued keys cannot be used as variables.
//!
//! A variable whose key is unknown, or that this module cannot parse, makes
//! the value undecidable.

use super::context::{KeyState, RequestContext};
use super::glob::Tok;
use super::undecided::UndecidedReason;

/// A policy value after substitution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    Pattern(Vec<Tok>),
    /// A variable without value and without default: matches nothing.
    NoValue,
    Undecided(UndecidedReason),
}

/// Tokens for a condition value. With `wildcards`, bare `*` and `?` are
/// wildcards (`StringLike`, ARN operators); otherwise every character is
/// literal (`StringEquals`). Substituted text is always literal.
pub(crate) fn resolve(
    value: &str,
    context: &RequestContext,
    variables: bool,
    wildcards: bool,
) -> Resolved {
    let mut out = Vec::new();
    let mut unresolved = None;
    let mut no_value = false;
    let mut rest = value;
    while let Some(c) = rest.chars().next() {
        let tail = &rest[c.len_utf8()..];
        if c == '$' && variables && tail.starts_with('{') {
            let Some((variable, after)) = parse_variable(&tail[1..]) else {
                return Resolved::Undecided(UndecidedReason::BadValue(value.to_owned()));
            };
            match substitute(variable, context) {
                Ok(Some(text)) => out.extend(text.chars().map(Tok::Lit)),
                Ok(None) => no_value = true,
                Err(reason) => {
                    unresolved.get_or_insert(reason);
                }
            }
            rest = after;
            continue;
        }
        out.push(match c {
            '*' if wildcards => Tok::Star { colons: true },
            '?' if wildcards => Tok::One { colons: true },
            c => Tok::Lit(c),
        });
        rest = tail;
    }
    if no_value {
        Resolved::NoValue
    } else if let Some(reason) = unresolved {
        Resolved::Undecided(reason)
    } else {
        Resolved::Pattern(out)
    }
}

/// Tokens for a `Resource`/`NotResource` ARN pattern. In the first five
/// colon-separated segments wildcards stay inside their segment, except that
/// "If the `*` wildcard is the last character of a resource ARN segment, it
/// can expand to match beyond the colon boundaries" (IAM User Guide, Resource
/// element); variables are only substituted after the fifth colon.
pub(crate) fn resolve_resource(
    pattern: &str,
    context: &RequestContext,
    variables: bool,
) -> Resolved {
    let mut out = Vec::new();
    let mut colons = 0;
    let mut chars = pattern.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if colons == 5 {
            return match resolve(&pattern[at..], context, variables, true) {
                Resolved::Pattern(rest) => {
                    out.extend(rest);
                    Resolved::Pattern(out)
                }
                other => other,
            };
        }
        out.push(match c {
            '*' => Tok::Star {
                colons: matches!(chars.peek(), None | Some((_, ':'))),
            },
            '?' => Tok::One { colons: false },
            c => {
                colons += usize::from(c == ':');
                Tok::Lit(c)
            }
        });
    }
    Resolved::Pattern(out)
}

/// One parsed `${...}`: the text between the braces.
enum Variable<'a> {
    Literal(char),
    Key {
        key: &'a str,
        default: Option<&'a str>,
    },
}

/// Parses what follows `${`, returning the variable and the text after `}`.
fn parse_variable(text: &str) -> Option<(Variable<'_>, &str)> {
    for special in ['*', '?', '$'] {
        if let Some(after) = text.strip_prefix(special).and_then(|t| t.strip_prefix('}')) {
            return Some((Variable::Literal(special), after));
        }
    }
    let end = text.find([',', '}'])?;
    let key = text[..end].trim();
    if key.is_empty() || key.contains(['$', '{', '\'']) {
        return None;
    }
    if text[end..].starts_with('}') {
        return Some((Variable::Key { key, default: None }, &text[end + 1..]));
    }
    // `, 'default'}`: the default is everything up to the next quote.
    let quoted = text[end + 1..].trim_start().strip_prefix('\'')?;
    let close = quoted.find('\'')?;
    let after = quoted[close + 1..].trim_start().strip_prefix('}')?;
    let default = Some(&quoted[..close]);
    Some((Variable::Key { key, default }, after))
}

/// The text a variable stands for, `None` if it has no value.
fn substitute(
    variable: Variable<'_>,
    context: &RequestContext,
) -> Result<Option<String>, UndecidedReason> {
    let (key, default) = match variable {
        Variable::Literal(c) => return Ok(Some(c.to_string())),
        Variable::Key { key, default } => (key, default),
    };
    match context.state(key) {
        KeyState::Present([value]) => Ok(Some(value.clone())),
        KeyState::Present([]) | KeyState::Absent => Ok(default.map(str::to_owned)),
        KeyState::Present(_) => Err(UndecidedReason::BadValue(format!(
            "${{{key}}} (a multivalued key cannot be a policy variable)"
        ))),
        KeyState::Unknown | KeyState::DateWithin(..) | KeyState::AbsentOrPublicAddress => {
            Err(UndecidedReason::UnresolvedVariable(key.to_owned()))
        }
    }
}
