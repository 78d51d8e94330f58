//! What keeps the forms from being used against anyone: CSRF tokens, the rate limits of the
//! sign-up form, and which client a request is from.
//!
//! CSRF is a signed double submit: the browser keeps a nonce in a cookie, and every form
//! carries the nonce's signature. Another site can make a browser post to a form, but can
//! neither read the cookie nor sign a nonce; and a nonce is a random number with its own MAC,
//! so one that someone planted in a cookie (from a sibling host, say) is not taken.

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

/// The browser's nonce, when it sent one this server made.
pub(super) fn cookie_nonce(headers: &HeaderMap, secret: &Secret) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == CSRF_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|value| {
            let (random, mac) = value.split_at_checked(32).unwrap_or((value, ""));
            random.bytes().all(|b| b.is_ascii_hexdigit())
                && secret.verify(Purpose::Form, &["nonce", random], mac)
        })
}

/// A fresh nonce: a random number (and a counter, should two draws meet) with its MAC.
pub(super) fn new_nonce(secret: &Secret) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = u128::from(COUNTER.fetch_add(1, Ordering::Relaxed));
    let random = format!("{:032x}", fastrand::u128(..) ^ count);
    let mac = secret.sign(Purpose::Form, &["nonce", &random]);
    format!("{random}{mac}")
}

/// The form field that goes with `nonce`.
pub(super) fn csrf_field(secret: &Secret, nonce: &str) -> String {
    secret.sign(Purpose::Form, &[nonce])
}

/// Whether the form's `csrf` field goes with the browser's cookie.
pub(super) fn csrf_ok(secret: &Secret, headers: &HeaderMap, field: &str) -> bool {
    cookie_nonce(headers, secret)
        .is_some_and(|nonce| secret.verify(Purpose::Form, &[&nonce], field))
}

/// The client's address: the peer's, or, when the peer is the trusted proxy, the last
/// address the proxy appended to `X-Forwarded-For` (earlier ones the client wrote itself).
pub(super) fn client_address(
    peer: SocketAddr,
    headers: &HeaderMap,
    trusted_proxy: Option<IpAddr>,
) -> IpAddr {
    // A proxy reaching an IPv6 listener over IPv4 shows as `::ffff:127.0.0.1`.
    if trusted_proxy.map(|proxy| proxy.to_canonical()) != Some(peer.ip().to_canonical()) {
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

/// The rate-limit key of a client: an IPv4 address, or an IPv6 address's /64, which one
/// subscriber line is commonly given whole.
pub(super) fn client_key(client: IpAddr) -> String {
    match client.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
    }
}

/// The rate-limit key of an address: the mailbox it reaches, so `ann+1@` and `ann+2@` (and,
/// at Gmail, `a.nn@`) count as the one inbox they land in.
pub(super) fn mailbox_key(address: &str) -> String {
    let address = address.trim().to_lowercase();
    let Some((local, domain)) = address.rsplit_once('@') else { return address };
    let local = local.split_once('+').map_or(local, |(mailbox, _tag)| mailbox);
    match domain {
        "gmail.com" | "googlemail.com" => format!("{}@gmail.com", local.replace('.', "")),
        _ => format!("{local}@{domain}"),
    }
}

/// At most `per_hour` events an hour for each key, counted over the last hour.
pub(super) struct RateLimit {
    per_hour: usize,
    seen: Mutex<HashMap<String, Vec<Instant>>>,
}

/// Keys remembered at once; past it, the keys with nothing in the last hour are forgotten,
/// and if that is not enough, new keys are refused until some are: forgetting keys still in
/// their hour would let a flood of fresh ones reset the limits of the old.
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
                return false;
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
    fn tagged_and_dotted_addresses_share_their_inboxs_limit() {
        let key = mailbox_key("Ann@Example.org");
        assert_eq!(mailbox_key("ann+1@example.org"), key);
        assert_eq!(mailbox_key(" ann+news+2@EXAMPLE.org"), key);
        assert_ne!(mailbox_key("anne@example.org"), key);
        assert_eq!(mailbox_key("a.n.n+x@googlemail.com"), mailbox_key("ann@gmail.com"));
        assert_ne!(mailbox_key("a.nn@example.org"), key, "dots count outside Gmail");
    }

    #[test]
    fn an_ipv6_client_is_its_64_and_a_mapped_ipv4_one_its_address() {
        let key = |text: &str| client_key(text.parse().unwrap());
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_eq!(key("::ffff:203.0.113.9"), "203.0.113.9");
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().unwrap();
        let trusted = Some("127.0.0.1".parse().unwrap());
        assert_eq!(client_address(mapped, &headers, trusted).to_string(), "203.0.113.9");
    }

    #[test]
    fn a_full_table_refuses_new_keys_rather_than_forgetting_the_counted_ones() {
        let limit = RateLimit::new(1);
        assert!(limit.allow("victim"));
        for n in 0..MAX_KEYS {
            limit.allow(&format!("fresh{n}"));
        }
        assert!(!limit.allow("victim"), "the victim's hour is still counted");
        assert!(!limit.allow("one more fresh key"));
    }

    #[test]
    fn a_nonce_planted_in_the_cookie_is_not_taken() {
        let secret = Secret::new(b"k");
        let planted = "0123456789abcdef0123456789abcdef";
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, format!("{CSRF_COOKIE}={planted}").parse().unwrap());
        assert_eq!(cookie_nonce(&headers, &secret), None);
        assert!(!csrf_ok(&secret, &headers, &csrf_field(&secret, planted)));
        let made = new_nonce(&secret);
        headers.insert(COOKIE, format!("{CSRF_COOKIE}={made}").parse().unwrap());
        assert_eq!(cookie_nonce(&headers, &secret), Some(made));
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
