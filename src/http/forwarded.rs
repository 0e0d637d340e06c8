//! The client's address: the TCP peer, or, when the peer is one of the configured trusted
//! proxies (`--trusted-proxies`), the address that proxy names in `X-Forwarded-For`.
//!
//! `X-Forwarded-For` is read from the right (each proxy appends the address it received the
//! request from): trusted proxies are skipped, and the first address that is not one is the
//! client. Without trusted proxies (the default) the header is ignored, so a client cannot pick
//! the address it is throttled under.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// Networks whose requests may name the client in `X-Forwarded-For`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Parses addresses and CIDR blocks (`10.0.0.0/8`, `192.168.1.7`, `fd00::/8`).
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<TrustedProxies, String> {
        let mut networks = Vec::new();
        for entry in entries
            .iter()
            .map(|e| e.as_ref().trim())
            .filter(|e| !e.is_empty())
        {
            let (addr, prefix) = match entry.split_once('/') {
                Some((addr, prefix)) => (addr, Some(prefix)),
                None => (entry, None),
            };
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("`{entry}` is not an address or CIDR block"))?;
            let addr = addr.to_canonical();
            let bits = if addr.is_ipv4() { 32 } else { 128 };
            let prefix = match prefix {
                None => bits,
                Some(prefix) => prefix
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= bits)
                    .ok_or_else(|| format!("`{entry}` has an invalid prefix length"))?,
            };
            networks.push((addr, prefix));
        }
        Ok(TrustedProxies(networks))
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|&(net, prefix)| match (net, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        })
    }

    /// The client of a request from `peer` with `headers`.
    pub fn client(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let mut client = peer?.ip().to_canonical();
        if !self.contains(client) {
            return Some(client);
        }
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for hop in hops.into_iter().rev() {
            // A hop that is not an address was written by someone untrusted: the client is
            // the last address we could trust to have received it.
            let Ok(addr) = hop.parse::<IpAddr>() else {
                break;
            };
            client = addr.to_canonical();
            if !self.contains(client) {
                break;
            }
        }
        Some(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", xff.parse().unwrap());
        headers
    }

    fn peer(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().unwrap(), 4000))
    }

    #[test]
    fn the_header_counts_only_from_trusted_proxies() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(peer("203.0.113.9"), &headers("1.2.3.4")),
            Some("203.0.113.9".parse().unwrap())
        );
        let trusted = TrustedProxies::parse(&["10.0.0.0/8", "192.168.1.7"]).unwrap();
        assert_eq!(
            trusted.client(peer("10.1.2.3"), &headers("1.2.3.4, 5.6.7.8")),
            Some("5.6.7.8".parse().unwrap())
        );
        // Trusted hops are skipped from the right; a forged left part is ignored.
        assert_eq!(
            trusted.client(peer("10.1.2.3"), &headers("6.6.6.6, 5.6.7.8, 192.168.1.7")),
            Some("5.6.7.8".parse().unwrap())
        );
        assert_eq!(
            trusted.client(peer("203.0.113.9"), &headers("1.2.3.4")),
            Some("203.0.113.9".parse().unwrap())
        );
        assert_eq!(
            trusted.client(peer("10.1.2.3"), &HeaderMap::new()),
            Some("10.1.2.3".parse().unwrap())
        );
        assert_eq!(
            trusted.client(peer("::ffff:10.1.2.3"), &headers("garbage, 10.0.0.2")),
            Some("10.0.0.2".parse().unwrap())
        );
    }

    #[test]
    fn bad_entries_are_refused() {
        assert!(TrustedProxies::parse(&["10.0.0.0/33"]).is_err());
        assert!(TrustedProxies::parse(&["proxy.local"]).is_err());
        assert!(
            TrustedProxies::parse(&["::/0"])
                .unwrap()
                .contains("::1".parse().unwrap())
        );
        assert!(
            TrustedProxies::parse(&["0.0.0.0/0"])
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
    }
}
