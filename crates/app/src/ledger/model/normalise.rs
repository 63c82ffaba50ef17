//! Addresses as people type them, made canonical: IP addresses, network ranges, MAC addresses.

use super::*;

pub(super) fn split_list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(|c: char| c.is_whitespace() || matches!(c, ',' | '、' | ';' | '，'))
        .filter(|s| !s.is_empty())
}

/// IP addresses separated by spaces, commas or 、; normalised; None if any is not an address.
pub fn normalize_ips(raw: &str) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    for part in split_list(raw) {
        let ip: IpAddr = part.parse().ok()?;
        let text = ip.to_string();
        if !out.contains(&text) {
            out.push(text);
        }
    }
    Some(out.join(" "))
}

/// Network ranges (`192.168.10.0/24`, `10.0.0.0/8`, or a single address meaning /32 or /128),
/// normalised to the network address; None if any is not one.
pub fn normalize_cidrs(raw: &str) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    for part in split_list(raw) {
        let net = Cidr::parse(part)?;
        let text = net.to_string();
        if !out.contains(&text) {
            out.push(text);
        }
    }
    Some(out.join(" "))
}

/// A network range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    pub network: IpAddr,
    pub prefix: u8,
}

impl Cidr {
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (text.parse::<IpAddr>().ok()?, None),
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return None;
        }
        let network = match addr {
            IpAddr::V4(v4) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V4((u32::from(v4) & mask).into())
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                IpAddr::V6((u128::from(v6) & mask).into())
            }
        };
        Some(Cidr { network, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        Cidr::parse(&format!("{ip}/{}", self.prefix)).is_some_and(|c| c == *self)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// MAC addresses in any common notation (aa:bb:…, aa-bb-…, aabb.ccdd.eeff, aabbccddeeff),
/// normalised to `AA:BB:CC:DD:EE:FF`; None if any is not one.
pub fn normalize_macs(raw: &str) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    for part in split_list(raw) {
        let hex: String = part
            .chars()
            .filter(|c| !matches!(c, ':' | '-' | '.'))
            .collect();
        if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let upper = hex.to_ascii_uppercase();
        let text = (0..6)
            .map(|i| &upper[i * 2..i * 2 + 2])
            .collect::<Vec<_>>()
            .join(":");
        if !out.contains(&text) {
            out.push(text);
        }
    }
    Some(out.join(" "))
}
