//! The HTTP client under every SDK client: for real AWS it honours HTTPS_PROXY, HTTP_PROXY,
//! ALL_PROXY and NO_PROXY as the AWS CLI does (the SDK's own default); a loopback endpoint (the
//! sandbox, a local emulator) is always reached directly, never through a proxy, whatever the
//! environment says. Without this a student behind a proxy could not use the sandbox at all:
//! the proxy cannot reach this machine's 127.0.0.1.
//!
//! The choice is made per request from the request's own URL, so it holds however the endpoint
//! was given (`--endpoint-url`, AWS_ENDPOINT_URL, a profile's endpoint_url).

use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, SharedHttpClient, SharedHttpConnector,
    http_client_fn,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use std::net::IpAddr;

/// A client that sends requests for loopback hosts directly and all others as the SDK would
/// (through the proxy the environment names, if any).
pub fn client() -> SharedHttpClient {
    let direct = with_proxy(ProxyConfig::disabled);
    let proxied = with_proxy(ProxyConfig::from_env);
    http_client_fn(move |settings, components| {
        SharedHttpConnector::new(Dispatch {
            direct: direct.http_connector(settings, components),
            proxied: proxied.http_connector(settings, components),
        })
    })
}

/// The SDK's default HTTPS client (rustls with aws-lc), with the given proxy configuration.
fn with_proxy(proxy: fn() -> ProxyConfig) -> SharedHttpClient {
    Builder::new().build_with_connector_fn(move |settings, components| {
        let mut builder =
            ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc));
        builder.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            builder.set_sleep_impl(components.sleep_impl());
        }
        builder.set_proxy_config(Some(proxy()));
        builder.build()
    })
}

#[derive(Debug)]
struct Dispatch {
    direct: SharedHttpConnector,
    proxied: SharedHttpConnector,
}

impl HttpConnector for Dispatch {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        if is_loopback_url(request.uri()) {
            self.direct.call(request)
        } else {
            self.proxied.call(request)
        }
    }
}

/// Whether `url` names this machine: `localhost`, 127.0.0.0/8, ::1 (or ::ffff:127.x).
pub fn is_loopback_url(url: &str) -> bool {
    host_of(url).is_some_and(is_loopback_host)
}

fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback(),
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

/// The host of an absolute URL, without brackets, port or user info.
fn host_of(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = match authority.rfind('@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.split(':').next().unwrap_or("")
    };
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::is_loopback_url;

    #[test]
    fn loopback_urls_are_told_from_the_rest() {
        for url in [
            "http://127.0.0.1:5000",
            "http://127.0.0.1:5000/",
            "https://127.9.9.9/x?y",
            "http://localhost:4566",
            "http://LOCALHOST.:4566/",
            "http://[::1]:5000/",
            "http://[::ffff:127.0.0.1]:80/",
            "http://user:pw@127.0.0.1:5000/",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "https://sts.amazonaws.com",
            "https://iam.amazonaws.com/",
            "http://203.0.113.9:5000",
            "http://10.0.0.1/",
            "http://0.0.0.0:80/",
            "http://localhost.example.com/",
            "http://127.0.0.1.example.com/",
            "http://evil@example.com/@127.0.0.1",
            "http://[::2]:80/",
            "127.0.0.1:5000",
            "",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }
}
