//! Typed condition values: numbers, IP ranges, base-64 binaries and ARNs.
//! Each parser is strict; what it rejects makes the condition undecidable.

use std::cmp::Ordering;
use std::net::IpAddr;

use super::glob::Tok;

/// An exact decimal, for the `Numeric*` operators ("an integer or decimal
/// value"): compared digit by digit, so no precision is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal {
    negative: bool,
    /// Integer digits without leading zeros.
    whole: String,
    /// Fraction digits without trailing zeros.
    fraction: String,
}

impl Decimal {
    /// `-?digits(.digits)?`; no exponent, no sign `+`, no bare `.5`.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (negative, unsigned) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (unsigned.contains('.') && !digits(fraction)) {
            return None;
        }
        let whole = whole.trim_start_matches('0').to_owned();
        let fraction = fraction.trim_end_matches('0').to_owned();
        let zero = whole.is_empty() && fraction.is_empty();
        Some(Self {
            negative: negative && !zero,
            whole,
            fraction,
        })
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let magnitude = self
            .whole
            .len()
            .cmp(&other.whole.len())
            .then_with(|| self.whole.cmp(&other.whole))
            .then_with(|| self.fraction.cmp(&other.fraction));
        match (self.negative, other.negative) {
            (false, false) => magnitude,
            (true, true) => magnitude.reverse(),
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
        }
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// An IP range in CIDR form. "If you specify an IP address without the
/// associated routing prefix, IAM uses the default prefix value of /32"
/// (and, for IPv6, the whole address: /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                (a, Some(p.parse::<u8>().ok()?))
            }
            Some(_) => return None,
            None => (text, None),
        };
        let network: IpAddr = address.parse().ok()?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Self { network, prefix })
    }

    /// Whether the whole range lies in a block no host on the public internet has an address
    /// in: private, shared, loopback, link-local, documentation, benchmarking, multicast and
    /// reserved (RFC 6890 and RFC 5737; RFC 4193, 4291 and 3849 for IPv6).
    pub(crate) fn is_special_use(&self) -> bool {
        const BLOCKS: &[&str] = &[
            "0.0.0.0/8",
            "10.0.0.0/8",
            "100.64.0.0/10",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "172.16.0.0/12",
            "192.0.0.0/24",
            "192.0.2.0/24",
            "192.168.0.0/16",
            "198.18.0.0/15",
            "198.51.100.0/24",
            "203.0.113.0/24",
            "224.0.0.0/3",
            "::/127",
            "fc00::/7",
            "fe80::/10",
            "2001:db8::/32",
            "ff00::/8",
        ];
        BLOCKS
            .iter()
            .filter_map(|b| Cidr::parse(b))
            .any(|block| block.prefix <= self.prefix && block.contains(self.network))
    }

    /// Whether `address` lies in the range; never across address families.
    pub(crate) fn contains(&self, address: IpAddr) -> bool {
        let (net, ip, bits) = match (self.network, address) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                (u128::from(n.to_bits()), u128::from(a.to_bits()), 32)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => (n.to_bits(), a.to_bits(), 128),
            _ => return false,
        };
        let shift = bits - u32::from(self.prefix);
        shift >= bits || (net >> shift) == (ip >> shift)
    }
}

/// Decodes standard base 64, padded or not; `None` for anything else.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let body = text.trim_end_matches('=');
    let padding = text.len() - body.len();
    if padding > 2 || (padding > 0 && text.len() % 4 != 0) || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for b in body.bytes() {
        let sextet = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(sextet);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    // Leftover bits must be zero, or the text is not the canonical encoding.
    (buffer == 0).then_some(out)
}

/// Splits an ARN into its six segments at the first five colons (the sixth,
/// the resource, keeps any further colons); `None` if it has fewer.
pub(crate) fn split_arn(arn: &str) -> Option<[&str; 6]> {
    let mut parts = arn.splitn(6, ':');
    let mut out = [""; 6];
    for slot in &mut out {
        *slot = parts.next()?;
    }
    Some(out)
}

/// The same split for a token pattern, at its first five literal colons.
pub(crate) fn split_arn_pattern(pattern: &[Tok]) -> Option<Vec<&[Tok]>> {
    let mut out = Vec::with_capacity(6);
    let mut start = 0;
    for (i, tok) in pattern.iter().enumerate() {
        if out.len() == 5 {
            break;
        }
        if *tok == Tok::Lit(':') {
            out.push(&pattern[start..i]);
            start = i + 1;
        }
    }
    if out.len() < 5 {
        return None;
    }
    out.push(&pattern[start..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_compare_exactly() {
        let d = |s: &str| Decimal::parse(s).unwrap_or_else(|| panic!("{s}"));
        assert_eq!(d("10"), d("010.000"));
        assert_eq!(d("-0"), d("0.0"));
        assert!(d("9") < d("10"));
        assert!(d("-10") < d("-9"));
        assert!(d("0.5") < d("0.51"));
        assert!(d("0.6") > d("0.51"));
        assert!(d("-0.5") < d("0"));
        assert!(d("12345678901234567890.1") > d("12345678901234567890"));
        for bad in ["", "-", "+1", ".5", "1.", "1e3", "0x10", "1,5", " 1", "１"] {
            assert_eq!(Decimal::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn cidr_ranges() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let c = |s: &str| Cidr::parse(s).unwrap_or_else(|| panic!("{s}"));
        assert!(c("203.0.113.0/24").contains(ip("203.0.113.255")));
        assert!(!c("203.0.113.0/24").contains(ip("203.0.114.0")));
        assert!(c("203.0.113.7").contains(ip("203.0.113.7")));
        assert!(!c("203.0.113.7").contains(ip("203.0.113.8")));
        assert!(c("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!(c("10.1.2.3/8").contains(ip("10.200.0.1")));
        assert!(c("2001:DB8:1234:5678::/64").contains(ip("2001:db8:1234:5678:ffff::1")));
        assert!(!c("2001:DB8:1234:5678::/64").contains(ip("2001:db8:1234:5679::1")));
        assert!(c("::/0").contains(ip("::1")));
        assert!(!c("0.0.0.0/0").contains(ip("::ffff:1.2.3.4")));
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0/8",
            "10.0.0.0/-1",
            "x/8",
            "10.0.0.0/8/8",
        ] {
            assert_eq!(Cidr::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn base64() {
        assert_eq!(
            base64_decode("QmluYXJ5VmFsdWVJbkJhc2U2NA==").as_deref(),
            Some(&b"BinaryValueInBase64"[..])
        );
        assert_eq!(
            base64_decode("QmluYXJ5VmFsdWVJbkJhc2U2NA").as_deref(),
            Some(&b"BinaryValueInBase64"[..])
        );
        assert_eq!(base64_decode("").as_deref(), Some(&b""[..]));
        assert_eq!(base64_decode("TWE=").as_deref(), Some(&b"Ma"[..]));
        for bad in [
            "A", "TW=E", "TWF===", "T W=", "TWF=x", "TWF-", "TWG=", "TQ=",
        ] {
            assert_eq!(base64_decode(bad), None, "{bad:?}");
        }
        assert_eq!(base64_decode("TWE").as_deref(), Some(&b"Ma"[..]));
    }

    #[test]
    fn arn_segments() {
        assert_eq!(
            split_arn("arn:aws:logs:us-east-1:123:log-group:g:log-stream:s"),
            Some([
                "arn",
                "aws",
                "logs",
                "us-east-1",
                "123",
                "log-group:g:log-stream:s"
            ])
        );
        assert_eq!(
            split_arn("arn:aws:s3:::b"),
            Some(["arn", "aws", "s3", "", "", "b"])
        );
        assert_eq!(split_arn("arn:aws:s3::"), None);
        let toks = super::super::glob::tokens("arn:aws:*:x");
        assert!(split_arn_pattern(&toks).is_none());
        let toks = super::super::glob::tokens("a:b:c:d:e:f:g");
        let parts = split_arn_pattern(&toks).unwrap();
        assert_eq!(parts.len(), 6);
        assert_eq!(parts[5].len(), 3);
    }
}
