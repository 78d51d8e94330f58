//! What keeps the forms from being used against anyone: CSRF tokens, the rate limits of the
//! sign-up form, and which client a request is from.
//!
//! CSRF is a signed double submit: the browser keeps a random nonce in a cookie, and every
//! form carries the nonce's signature. Another site can make a browser post to a form, but
//! can neither read the cookie nor sign a nonce, and the nonce is derived from the secret, so
//! it cannot be guessed to ask the server for its signature either.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

use crate::token::{Purpose, Secret};

/// The cookie that holds the nonce.
pub(super) const CSRF_COOKIE: &str = "paperboy_csrf";

/// The browser's nonce, when it sent one of the right shape.
pub(super) fn cookie_nonce(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == CSRF_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|value| value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A fresh nonce: the MAC of a random number and a counter, so nobody without the secret
/// can tell the next one.
pub(super) fn new_nonce(secret: &Secret) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed).to_string();
    secret.sign(Purpose::Form, &["nonce", &fastrand::u128(..).to_string(), &count])
}

/// The form field that goes with `nonce`.
pub(super) fn csrf_field(secret: &Secret, nonce: &str) -> String {
    secret.sign(Purpose::Form, &[nonce])
}

/// Whether the form's `csrf` field goes with the browser's cookie.
pub(super) fn csrf_ok(secret: &Secret, headers: &HeaderMap, field: &str) -> bool {
    cookie_nonce(headers).is_some_and(|nonce| secret.verify(Purpose::Form, &[&nonce], field))
}

/// The client's address: the peer's, or, when the peer is the trusted proxy, the last
/// address the proxy appended to `X-Forwarded-For` (earlier ones the client wrote itself).
pub(super) fn client_address(
    peer: SocketAddr,
    headers: &HeaderMap,
    trusted_proxy: Option<IpAddr>,
) -> IpAddr {
    if trusted_proxy != Some(peer.ip()) {
        return peer.ip();
    }
    // Only the last entry is the proxy's own; one that is not an address is not replaced by
    // an earlier one, which the client wrote.
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .next_back()
        .and_then(|last| last.trim().parse::<IpAddr>().ok())
        .unwrap_or(peer.ip())
}

/// At most `per_hour` events an hour for each key, counted over the last hour.
pub(super) struct RateLimit {
    per_hour: usize,
    seen: Mutex<HashMap<String, Vec<Instant>>>,
}

/// Keys remembered at once; past it, the keys with nothing in the last hour are forgotten,
/// and if that is not enough, all are, so memory stays bounded under a flood.
const MAX_KEYS: usize = 100_000;
const HOUR: Duration = Duration::from_secs(3600);

impl RateLimit {
    pub(super) fn new(per_hour: u32) -> RateLimit {
        RateLimit { per_hour: per_hour as usize, seen: Mutex::default() }
    }

    /// Counts one event for `key`; false (and not counted) when the key is over its limit.
    pub(super) fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let recent = |at: &Instant| now.duration_since(*at) < HOUR;
        let mut seen = self.seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.len() >= MAX_KEYS && !seen.contains_key(key) {
            seen.retain(|_, hits| hits.iter().any(recent));
            if seen.len() >= MAX_KEYS {
                seen.clear();
            }
        }
        let hits = seen.entry(key.to_owned()).or_default();
        hits.retain(recent);
        if hits.len() >= self.per_hour {
            return false;
        }
        hits.push(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_limit_and_no_more_and_others_are_not_held_up() {
        let limit = RateLimit::new(2);
        assert!(limit.allow("a") && limit.allow("a"));
        assert!(!limit.allow("a"));
        assert!(limit.allow("b"));
    }

    #[test]
    fn forwarded_for_counts_only_from_the_trusted_proxy() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "6.6.6.6, 203.0.113.9".parse().unwrap());
        let proxy: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let trusted = Some("127.0.0.1".parse().unwrap());
        assert_eq!(
            client_address(proxy, &headers, trusted),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_address(proxy, &headers, None), proxy.ip());
        let other: SocketAddr = "10.0.0.2:5000".parse().unwrap();
        assert_eq!(client_address(other, &headers, trusted), other.ip());
    }

    #[test]
    fn a_csrf_field_goes_with_its_cookie_only() {
        let secret = Secret::new(b"k");
        let nonce = new_nonce(&secret);
        assert_ne!(nonce, new_nonce(&secret));
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, format!("a=b; {CSRF_COOKIE}={nonce}").parse().unwrap());
        assert!(csrf_ok(&secret, &headers, &csrf_field(&secret, &nonce)));
        assert!(!csrf_ok(&secret, &headers, &csrf_field(&secret, &new_nonce(&secret))));
        assert!(!csrf_ok(&secret, &HeaderMap::new(), &csrf_field(&secret, &nonce)));
    }
}
