//! Who is asking: the client's address, as far as it can be trusted.
//!
//! By default the peer of the TCP connection is the client and
//! `X-Forwarded-For` is ignored, since any client can write it. Behind
//! reverse proxies listed in `PARVIS_TRUSTED_PROXIES`, the header is read
//! from the right: each hop a trusted proxy appended is skipped, and the
//! first address that is not a trusted proxy is the client. On Lambda, the
//! entry point sets the peer from the request context's source address
//! (see [`crate::lambda`]).

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

use crate::AppState;

/// The client's address, resolved once per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Address used when the transport gave none (in-process tests).
pub const UNKNOWN: IpAddr = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);

/// The client's address from the peer and, behind trusted proxies only,
/// `X-Forwarded-For`.
pub fn resolve(headers: &HeaderMap, peer: Option<IpAddr>, trusted: &[IpNet]) -> IpAddr {
    let Some(peer) = peer else {
        return UNKNOWN;
    };
    let is_trusted = |address: &IpAddr| {
        let address = canonical(*address);
        trusted.iter().any(|net| net.contains(&address))
    };
    if !is_trusted(&peer) {
        return peer;
    }
    // Every X-Forwarded-For header, in order, forms one list of hops.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(address) = hop.parse::<IpAddr>() else {
            // Garbage written by someone before the trusted proxies: the
            // last address a trusted proxy vouched for is the client.
            return client;
        };
        client = address;
        if !is_trusted(&address) {
            return address;
        }
    }
    client
}

/// IPv4-mapped IPv6 addresses compare as the IPv4 address they carry.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

impl<S> FromRequestParts<S> for ClientIp
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(known) = parts.extensions.get::<ClientIp>() {
            return Ok(*known);
        }
        let state = AppState::from_ref(state);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| canonical(address.ip()));
        let client = ClientIp(resolve(&parts.headers, peer, &state.trusted_proxies));
        parts.extensions.insert(client);
        Ok(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append("x-forwarded-for", value.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn nothing_is_trusted_by_default() {
        let spoofed = headers(&["198.51.100.1"]);
        assert_eq!(
            resolve(&spoofed, Some(ip("203.0.113.9")), &[]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // The client wrote a fake first hop; the proxy appended the real one.
        let forwarded = headers(&["1.2.3.4, 203.0.113.9, 10.0.0.2"]);
        assert_eq!(
            resolve(&forwarded, Some(ip("10.0.0.1")), &trusted),
            ip("203.0.113.9")
        );
        // Two header lines are one list.
        let split = headers(&["1.2.3.4", "203.0.113.9"]);
        assert_eq!(
            resolve(&split, Some(ip("10.0.0.1")), &trusted),
            ip("203.0.113.9")
        );
        // A peer that is not a trusted proxy is the client, whatever it says.
        assert_eq!(
            resolve(&forwarded, Some(ip("203.0.113.50")), &trusted),
            ip("203.0.113.50")
        );
        // Garbage before the proxy: the last vouched-for address stands.
        let garbage = headers(&["nonsense, 203.0.113.9"]);
        assert_eq!(
            resolve(&garbage, Some(ip("10.0.0.1")), &trusted),
            ip("203.0.113.9")
        );
        // Only trusted hops: the leftmost one.
        let internal = headers(&["10.1.1.1"]);
        assert_eq!(
            resolve(&internal, Some(ip("10.0.0.1")), &trusted),
            ip("10.1.1.1")
        );
    }
}
