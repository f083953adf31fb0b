//! AWS failures sorted into what the user can do about them. The SDK's errors are rich but say
//! little to a student; here they become a kind (credentials, network, access denied, …) with
//! the operation that failed and the service's own words kept as context.

use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// No credentials, or ones the service rejects.
    Credentials,
    /// The endpoint could not be reached (refused, DNS, TLS, reset).
    Network,
    /// The endpoint did not answer in time.
    Timeout,
    /// Credentials work but lack a permission.
    AccessDenied,
    /// Still throttled after the retries.
    Throttling,
    /// The service answered with an error we do not expect.
    Service,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AwsError {
    pub kind: ErrorKind,
    /// `service:Operation`, as in an IAM policy, so the user knows which permission is missing.
    pub operation: &'static str,
    pub code: Option<String>,
    /// The service's message, or what went wrong on the way: a sentence for a person, never
    /// the SDK's debug output (that only with `-v`, see [`set_verbose`]).
    pub detail: String,
    /// The request id AWS gave the failed request, when it answered at all: what AWS support
    /// asks for.
    pub request_id: Option<String>,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} failed: {code}: {}", self.operation, self.detail)?,
            None => write!(f, "{} failed: {}", self.operation, self.detail)?,
        }
        match &self.request_id {
            Some(id) => write!(f, " (request id {id})"),
            None => Ok(()),
        }
    }
}

static VERBOSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// With `-v`, an error's detail keeps the SDK's whole chain of causes, for a bug report.
pub fn set_verbose(on: bool) {
    VERBOSE.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// What went wrong before any answer from the service, for a person: the innermost cause that
/// reads as a sentence ("Connection refused (os error 111)"), after the outermost one
/// ("dispatch failure"). Causes that print as Rust debug output are left out; `-v` keeps the
/// whole chain.
pub(crate) fn plain_cause(err: &dyn std::error::Error, chain: &str) -> String {
    if VERBOSE.load(std::sync::atomic::Ordering::Relaxed) {
        return chain.to_string();
    }
    let readable = |s: &str| {
        !s.is_empty()
            && !s.contains('{')
            && !s.contains("Error(")
            && !s.contains("Failure(")
            && !s.contains("Some(")
    };
    let top = err.to_string();
    let mut inner = None;
    let mut source = err.source();
    while let Some(e) = source {
        let text = e.to_string();
        if readable(&text) {
            inner = Some(text);
        }
        source = e.source();
    }
    // The credential chain lists every provider it tried, one per line: the first says it.
    let inner = inner.map(|i| {
        i.lines()
            .next()
            .unwrap_or_default()
            .trim_end_matches('.')
            .to_string()
    });
    match (readable(&top), inner) {
        (true, Some(inner)) if inner != top => format!("{top}: {inner}"),
        (true, _) => top,
        (false, Some(inner)) => inner,
        (false, None) => "no answer from the service".to_string(),
    }
}

impl std::error::Error for AwsError {}

impl AwsError {
    pub fn catalogue_key(&self) -> &'static str {
        match self.kind {
            ErrorKind::Credentials => "error.credentials",
            ErrorKind::Network => "error.network",
            ErrorKind::Timeout => "error.timeout",
            ErrorKind::AccessDenied => "error.access-denied",
            ErrorKind::Throttling => "error.throttling",
            ErrorKind::Service => "error.service",
        }
    }

    /// Failures that no other call will get past: the whole check stops with one explanation
    /// instead of the same error on every step.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Credentials | ErrorKind::Network | ErrorKind::Timeout
        )
    }
}

const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
];
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
];
const BAD_CREDENTIALS: &[&str] = &[
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "AuthFailure",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidAccessKeyId",
    "IncompleteSignature",
    "MissingAuthenticationToken",
];

/// The error code of a service error, when the service answered at all.
pub fn code_of<E, R>(err: &SdkError<E, R>) -> Option<&str>
where
    E: ProvideErrorMetadata,
{
    match err {
        SdkError::ServiceError(_) => err.code(),
        _ => None,
    }
}

pub fn classify<E, R>(operation: &'static str, err: SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug,
{
    classify_ref(operation, &err)
}

/// [`classify`] of an error only borrowed (one found as the source of another).
pub fn classify_ref<E, R>(operation: &'static str, err: &SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug,
{
    let chain = DisplayErrorContext(err).to_string();
    let lower = chain.to_ascii_lowercase();
    let plain = || plain_cause(err, &chain);
    let request_id = match err {
        SdkError::ServiceError(_) => {
            aws_types::request_id::RequestId::request_id(err.meta()).map(str::to_string)
        }
        _ => None,
    };
    let (kind, code, detail) = match err {
        SdkError::ServiceError(_) => {
            let code = err.code().unwrap_or("Unknown").to_string();
            let message = err.message().unwrap_or("").to_string();
            let kind = if ACCESS_DENIED.contains(&code.as_str()) {
                ErrorKind::AccessDenied
            } else if THROTTLING.contains(&code.as_str()) {
                ErrorKind::Throttling
            } else if BAD_CREDENTIALS.contains(&code.as_str()) {
                ErrorKind::Credentials
            } else {
                ErrorKind::Service
            };
            (kind, Some(code), message)
        }
        SdkError::TimeoutError(_) => (ErrorKind::Timeout, None, plain()),
        SdkError::DispatchFailure(d) if d.is_timeout() => (ErrorKind::Timeout, None, plain()),
        // Missing credentials surface while the request is being signed, before dispatch.
        _ if lower.contains("credential") => (ErrorKind::Credentials, None, plain()),
        SdkError::DispatchFailure(_) => (ErrorKind::Network, None, plain()),
        SdkError::ResponseError(_) => (ErrorKind::Network, None, plain()),
        _ => (ErrorKind::Service, None, plain()),
    };
    AwsError {
        kind,
        operation,
        code,
        detail,
        request_id,
    }
}

/// `Ok(None)` for the service's "no such thing" answer, the error otherwise: absence is a
/// finding, not a failure.
pub fn not_found_as_none<T, E, R>(
    operation: &'static str,
    result: Result<T, SdkError<E, R>>,
    not_found_codes: &[&str],
) -> Result<Option<T>, AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug,
{
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if code_of(&e).is_some_and(|c| not_found_codes.contains(&c)) => Ok(None),
        Err(e) => Err(classify(operation, e)),
    }
}
