//! Checking AWS Signature Version 4 on a request to the sandbox: the sandbox's emulator answers
//! only requests signed with the sandbox's own keys, so another user of this machine can
//! neither read nor change it. The check is AWS's: the canonical request, the string to sign
//! and the signing key derived from the secret, date, region and service.

use sha2::{Digest, Sha256};

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// No `Authorization` header of the AWS4-HMAC-SHA256 kind.
    Unsigned,
    /// Signed with another access key.
    OtherKey,
    /// The signature does not match the request.
    BadSignature,
    /// Signed more than [`MAX_SKEW_SECS`] away from now: a request read off the wire earlier
    /// is not let in again.
    Stale,
}

/// How far a request's signing time may be from now, as AWS allows.
pub const MAX_SKEW_SECS: i64 = 15 * 60;

/// Whether `head` (request line and headers, without the blank line) and `body` are signed
/// with `key` and `secret`, at a time within [`MAX_SKEW_SECS`] of `now` (Unix seconds), with
/// the signing time and the body's hash among what the signature covers.
pub fn verify(head: &str, body: &[u8], key: &str, secret: &str, now: i64) -> Result<(), Refused> {
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.to_string()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
    };
    let auth = header("authorization").ok_or(Refused::Unsigned)?;
    let fields = auth
        .strip_prefix("AWS4-HMAC-SHA256")
        .ok_or(Refused::Unsigned)?;
    let field = |name: &str| {
        fields
            .split(',')
            .map(str::trim)
            .find_map(|f| f.strip_prefix(name)?.strip_prefix('='))
    };
    let credential = field("Credential").ok_or(Refused::Unsigned)?;
    let signed_headers = field("SignedHeaders").ok_or(Refused::Unsigned)?;
    let signature = field("Signature").ok_or(Refused::Unsigned)?;
    let (access_key, scope) = credential.split_once('/').ok_or(Refused::Unsigned)?;
    if access_key != key {
        return Err(Refused::OtherKey);
    }
    let scope_parts: Vec<&str> = scope.split('/').collect();
    let [date, region, service, "aws4_request"] = scope_parts.as_slice() else {
        return Err(Refused::BadSignature);
    };
    let amz_date = header("x-amz-date").ok_or(Refused::BadSignature)?;
    if !amz_date.starts_with(date) || !signed_headers.split(';').any(|h| h == "x-amz-date") {
        return Err(Refused::BadSignature);
    }
    match signed_at(amz_date) {
        Some(at) if (now - at).abs() <= MAX_SKEW_SECS => {}
        Some(_) => return Err(Refused::Stale),
        None => return Err(Refused::BadSignature),
    }

    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut canonical_headers = String::new();
    for name in signed_headers.split(';') {
        let values: Vec<String> = headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if values.is_empty() {
            return Err(Refused::BadSignature);
        }
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    // The hash a client states for its body must be the body's: otherwise a signed request
    // could carry any other body.
    let body_hash = hex(&Sha256::digest(body));
    let payload = match header("x-amz-content-sha256") {
        Some(hash) if hash == body_hash => body_hash,
        Some(_) => return Err(Refused::BadSignature),
        None => body_hash,
    };
    let canonical = format!(
        "{method}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{payload}",
        canonical_path(path),
        canonical_query(query),
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    let k_signing = hmac(&k_service, b"aws4_request");
    let expected = hex(&hmac(&k_signing, string_to_sign.as_bytes()));
    if constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
        Ok(())
    } else {
        Err(Refused::BadSignature)
    }
}

/// `20150830T123600Z` as Unix seconds.
fn signed_at(amz_date: &str) -> Option<i64> {
    let b = amz_date.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &amz_date[0..4],
        &amz_date[4..6],
        &amz_date[6..8],
        &amz_date[9..11],
        &amz_date[11..13],
        &amz_date[13..15]
    );
    crate::time::parse_rfc3339(&rfc3339)
}

/// The path as AWS canonicalises it for every service but S3: each segment URI-encoded once
/// more, on top of the encoding the client sent.
fn canonical_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_string();
    }
    path.split('/').map(encode).collect::<Vec<_>>().join("/")
}

/// The query string with its pairs decoded, encoded again as AWS does, and sorted.
fn canonical_query(query: &str) -> String {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode(&decode(k)), encode(&decode(v)))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// URI encoding as SigV4 defines it: everything but A-Z, a-z, 0-9, `-`, `_`, `.`, `~`.
fn encode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// HMAC-SHA256 (RFC 2104).
fn hmac(key: &[u8], message: &[u8]) -> Vec<u8> {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A key pair for one sandbox, from the system's random source: an access key id shaped like
/// AWS's (`AKIA` and 16 characters) and a 40-character secret.
pub fn random_keys() -> std::io::Result<(String, String)> {
    use std::io::Read;
    let mut bytes = [0u8; 56];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const ANY: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let key: String = bytes[..16]
        .iter()
        .map(|b| char::from(UPPER[usize::from(*b) % UPPER.len()]))
        .collect();
    let secret: String = bytes[16..]
        .iter()
        .map(|b| char::from(ANY[usize::from(*b) % ANY.len()]))
        .collect();
    Ok((format!("AKIA{key}"), secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's own example (the IAM ListUsers GET request of the Signature Version 4
    /// documentation), with its published signature.
    #[test]
    fn the_documented_example_verifies() {
        let (head, secret) = (EXAMPLE, EXAMPLE_SECRET);
        let verify = |head: &str, body: &[u8], key: &str, secret: &str| {
            super::verify(head, body, key, secret, SIGNED + 60)
        };
        assert_eq!(verify(head, b"", "AKIDEXAMPLE", secret), Ok(()));
        assert_eq!(
            verify(head, b"", "AKIDEXAMPLE", "another secret"),
            Err(Refused::BadSignature)
        );
        assert_eq!(
            verify(head, b"", "AKIAOTHER", secret),
            Err(Refused::OtherKey)
        );
        // The same request with a changed header or body no longer verifies.
        let changed = head.replace("ListUsers", "DeleteUser");
        assert_eq!(
            verify(&changed, b"", "AKIDEXAMPLE", secret),
            Err(Refused::BadSignature)
        );
        assert_eq!(
            verify(head, b"x", "AKIDEXAMPLE", secret),
            Err(Refused::BadSignature)
        );
        let unsigned = "GET / HTTP/1.1\r\nHost: x";
        assert_eq!(
            verify(unsigned, b"", "AKIDEXAMPLE", secret),
            Err(Refused::Unsigned)
        );
    }

    /// 2015-08-30T12:36:00Z, when AWS's example was signed.
    const SIGNED: i64 = 1_440_938_160;

    /// AWS's own example (the IAM ListUsers GET request of the Signature Version 4
    /// documentation), with its published signature, and the secret it was signed with.
    const EXAMPLE: &str = "GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1\r\n\
        Host: iam.amazonaws.com\r\n\
        Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n\
        X-Amz-Date: 20150830T123600Z\r\n\
        Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7";
    const EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    #[test]
    fn a_request_signed_long_ago_or_with_another_body_hash_is_refused() {
        let (head, secret) = (EXAMPLE, EXAMPLE_SECRET);
        assert_eq!(verify(head, b"", "AKIDEXAMPLE", secret, SIGNED), Ok(()));
        assert_eq!(
            verify(head, b"", "AKIDEXAMPLE", secret, SIGNED + MAX_SKEW_SECS + 1),
            Err(Refused::Stale)
        );
        assert_eq!(
            verify(head, b"", "AKIDEXAMPLE", secret, SIGNED - MAX_SKEW_SECS - 1),
            Err(Refused::Stale)
        );
        // A stated body hash that is not the body's.
        let stated = head.replace(
            "X-Amz-Date:",
            "X-Amz-Content-Sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\r\nX-Amz-Date:",
        );
        assert_eq!(
            verify(&stated, b"other", "AKIDEXAMPLE", secret, SIGNED),
            Err(Refused::BadSignature)
        );
        // The signing time left out of what is signed.
        let unsigned_date = head.replace(
            "SignedHeaders=content-type;host;x-amz-date",
            "SignedHeaders=content-type;host",
        );
        assert_eq!(
            verify(&unsigned_date, b"", "AKIDEXAMPLE", secret, SIGNED),
            Err(Refused::BadSignature)
        );
        assert_eq!(signed_at("20150830T123600Z"), Some(SIGNED));
        assert_eq!(signed_at("2015-08-30T12:36"), None);
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2 of RFC 4231.
        let mac = hmac(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn random_keys_differ_and_look_like_aws_keys() {
        let (k1, s1) = random_keys().expect("urandom");
        let (k2, s2) = random_keys().expect("urandom");
        assert!(k1.starts_with("AKIA") && k1.len() == 20, "{k1}");
        assert_eq!(s1.len(), 40);
        assert_ne!((k1, s1), (k2, s2));
    }
}
