//! Discovery diff: what a network scan saw, compared with the ledger and with the previous scan.
//! Plain data and rules, no I/O.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use mamori_formats::nmap;
use serde::{Deserialize, Serialize};

use super::model::Device;

/// One host that answered, as kept in the scan history.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenHost {
    pub ip: String,
    pub mac: String,
    pub mac_vendor: String,
    pub hostname: String,
    pub os: String,
    pub ports: Vec<SeenPort>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenPort {
    pub protocol: String,
    pub port: u16,
    pub service: String,
    /// Product and version as nmap identified them, e.g. "Fortinet SSL VPN 6.0.4".
    pub product: String,
    /// Page title or other script output that helps recognise admin pages.
    pub detail: String,
}

impl SeenHost {
    /// The hosts that were up, with their open ports.
    pub fn from_scan(scan: &nmap::Scan) -> Vec<SeenHost> {
        scan.hosts
            .iter()
            .filter(|h| h.state != nmap::HostState::Down)
            .filter_map(|h| {
                let ip = h.ip()?.to_string();
                Some(SeenHost {
                    ip,
                    mac: h.mac().map(|m| m.addr.clone()).unwrap_or_default(),
                    mac_vendor: h.mac().map(|m| m.vendor.clone()).unwrap_or_default(),
                    hostname: h.hostnames.first().cloned().unwrap_or_default(),
                    os: h.best_os().map(|o| o.name.clone()).unwrap_or_default(),
                    ports: h
                        .open_ports()
                        .map(|p| {
                            let service = p.service.clone().unwrap_or_default();
                            let product = [service.product.as_str(), service.version.as_str()]
                                .iter()
                                .filter(|s| !s.is_empty())
                                .copied()
                                .collect::<Vec<_>>()
                                .join(" ");
                            SeenPort {
                                protocol: p.protocol.to_string(),
                                port: p.number,
                                service: service.name,
                                product,
                                detail: p
                                    .scripts
                                    .iter()
                                    .find(|(id, _)| id == "http-title")
                                    .map(|(_, out)| out.chars().take(200).collect())
                                    .unwrap_or_default(),
                            }
                        })
                        .collect(),
                })
            })
            .collect()
    }

    fn port_key(p: &SeenPort) -> (String, u16) {
        (p.protocol.clone(), p.port)
    }
}

/// One target of a scan: a network (`192.168.10.0/24`, one address as /32) or nmap's octet
/// ranges (`192.168.10.1-50`, `10.0.*.1`, `172.16.1,3.0-255`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Network(IpAddr, u8),
    Octets([Vec<(u8, u8)>; 4]),
}

/// nmap options whose next word is a value, not a target.
const OPTIONS_WITH_VALUE: [&str; 22] = [
    "-p",
    "-oX",
    "-oN",
    "-oG",
    "-oA",
    "-oS",
    "-iL",
    "-iR",
    "-e",
    "-S",
    "-g",
    "-D",
    "--exclude",
    "--excludefile",
    "--top-ports",
    "--script",
    "--script-args",
    "--max-retries",
    "--host-timeout",
    "--min-rate",
    "--max-rate",
    "--dns-servers",
];

/// What a scan covered: the targets of the nmap command line recorded in the file (networks,
/// addresses, octet ranges). Targets given by name or in a file (`-iL`) are known only by the
/// hosts found for them, so those hosts alone are covered: a device is "missing" only when its
/// address was certainly scanned.
pub fn scope(args: &str, hosts: &[SeenHost]) -> Vec<Target> {
    let mut targets = Vec::new();
    let mut unparsed = false;
    let mut words = args.split_whitespace().skip(1);
    while let Some(word) = words.next() {
        if OPTIONS_WITH_VALUE.contains(&word) {
            words.next();
            continue;
        }
        if word.starts_with('-') {
            continue;
        }
        match parse_network(word)
            .map(|(ip, prefix)| Target::Network(ip, prefix))
            .or_else(|| parse_octets(word))
        {
            Some(target) => targets.push(target),
            None => unparsed = true,
        }
    }
    if unparsed || args.contains("-iL") || targets.is_empty() {
        for host in hosts {
            if let Ok(ip) = host.ip.parse::<IpAddr>() {
                let full = if ip.is_ipv4() { 32 } else { 128 };
                let target = Target::Network(ip, full);
                if !targets.contains(&target) {
                    targets.push(target);
                }
            }
        }
    }
    targets
}

/// nmap's IPv4 octet ranges: each octet a number, `a-b`, `*`, or a comma list of those.
fn parse_octets(word: &str) -> Option<Target> {
    let parts: Vec<&str> = word.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let octet = |part: &str| -> Option<Vec<(u8, u8)>> {
        part.split(',')
            .map(|piece| match piece {
                "*" => Some((0, 255)),
                _ => match piece.split_once('-') {
                    Some((a, b)) => {
                        let a = if a.is_empty() { 0 } else { a.parse().ok()? };
                        let b = if b.is_empty() { 255 } else { b.parse().ok()? };
                        (a <= b).then_some((a, b))
                    }
                    None => piece.parse().ok().map(|n| (n, n)),
                },
            })
            .collect()
    };
    Some(Target::Octets([
        octet(parts[0])?,
        octet(parts[1])?,
        octet(parts[2])?,
        octet(parts[3])?,
    ]))
}

fn parse_network(token: &str) -> Option<(IpAddr, u8)> {
    let (addr, prefix) = match token.split_once('/') {
        Some((a, p)) => (a, p.parse::<u8>().ok()?),
        None => (token, 255),
    };
    let ip: IpAddr = addr.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = if prefix == 255 { max } else { prefix };
    (prefix <= max).then(|| (mask(ip, prefix), prefix))
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(prefix))
            };
            IpAddr::V4((bits & m).into())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(prefix))
            };
            IpAddr::V6((bits & m).into())
        }
    }
}

pub fn in_scope(ip: &str, scope: &[Target]) -> bool {
    let Ok(ip) = ip.parse::<IpAddr>() else {
        return false;
    };
    scope.iter().any(|target| match target {
        Target::Network(network, prefix) => {
            network.is_ipv4() == ip.is_ipv4() && mask(ip, *prefix) == *network
        }
        Target::Octets(ranges) => match ip {
            IpAddr::V4(v4) => v4
                .octets()
                .iter()
                .zip(ranges)
                .all(|(o, allowed)| allowed.iter().any(|(a, b)| (a..=b).contains(&o))),
            IpAddr::V6(_) => false,
        },
    })
}

/// Whether nmap's OS guess names another system than the ledger: the ledger's first word
/// (Windows, FortiOS, Linux) is not in the guess. Unknown on either side is no difference.
fn os_differs(ledger: &str, guess: &str) -> bool {
    let Some(word) = ledger.split_whitespace().next() else {
        return false;
    };
    !guess.trim().is_empty() && !guess.to_lowercase().contains(&word.to_lowercase())
}

/// A service that should not be open, with the message key that says why in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Risk {
    pub ip: String,
    pub port: u16,
    pub service: String,
    pub reason: &'static str,
    /// The device it belongs to, if registered, and its name in the ledger.
    pub device_id: Option<i64>,
    pub device_name: String,
}

/// Words in a web page's title that show a device's management page.
const ADMIN_PAGE_HINTS: [&str; 16] = [
    "fortigate",
    "fortios",
    "cisco",
    "yamaha",
    "rtx",
    "buffalo",
    "tp-link",
    "netgear",
    "hikvision",
    "idrac",
    "ilo",
    "ipmi",
    "router",
    "switch",
    "login",
    "printer",
];

/// Why an open port is risky, as a message key, or None.
pub fn risk_of(port: &SeenPort, device_kind: Option<&str>) -> Option<&'static str> {
    let service = port.service.to_ascii_lowercase();
    let title = port.detail.to_ascii_lowercase();
    match port.port {
        3389 => return Some(crate::mkey!("risk-rdp")),
        23 => return Some(crate::mkey!("risk-telnet")),
        5900..=5903 => return Some(crate::mkey!("risk-vnc")),
        445 if device_kind != Some("server") => return Some(crate::mkey!("risk-smb")),
        21 => return Some(crate::mkey!("risk-ftp")),
        _ => {}
    }
    match service.as_str() {
        "ms-wbt-server" => return Some(crate::mkey!("risk-rdp")),
        "telnet" => return Some(crate::mkey!("risk-telnet")),
        "vnc" => return Some(crate::mkey!("risk-vnc")),
        _ => {}
    }
    let web = service.starts_with("http") || matches!(port.port, 80 | 443 | 8080 | 8443);
    if web && ADMIN_PAGE_HINTS.iter().any(|hint| title.contains(hint)) {
        return Some(crate::mkey!("risk-admin-page"));
    }
    None
}

/// What changed about a registered device since the ledger or the previous scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    pub device_id: i64,
    pub device_name: String,
    pub ip: String,
    /// (message key, detail)
    pub changes: Vec<(&'static str, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    pub device_id: i64,
    pub device_name: String,
    pub ips: String,
    /// When a scan last saw it, if ever.
    pub last_seen: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub unregistered: Vec<SeenHost>,
    pub missing: Vec<Missing>,
    pub changed: Vec<Changed>,
    pub risky: Vec<Risk>,
    /// Hosts not in the ledger that someone marked as known.
    pub ignored: usize,
    /// Devices with addresses this scan did not cover: neither seen nor missing.
    pub not_scanned: usize,
}

/// Compares a scan with the ledger. `previous` is the last earlier scan's hosts, `ignored` the
/// addresses marked known, `last_seen` when each device id was last seen by any scan.
pub fn diff(
    hosts: &[SeenHost],
    scope: &[Target],
    devices: &[Device],
    previous: &[SeenHost],
    ignored: &HashSet<String>,
    last_seen: &HashMap<i64, String>,
) -> Diff {
    let mut by_ip: HashMap<&str, &Device> = HashMap::new();
    let mut by_mac: HashMap<&str, &Device> = HashMap::new();
    let live: Vec<&Device> = devices
        .iter()
        .filter(|d| d.get("status") != "retired")
        .collect();
    for device in &live {
        for ip in device.get("ip_addresses").split_whitespace() {
            by_ip.insert(ip, device);
        }
        for mac in device.get("mac_addresses").split_whitespace() {
            by_mac.insert(mac, device);
        }
    }
    let previous_by_ip: HashMap<&str, &SeenHost> =
        previous.iter().map(|h| (h.ip.as_str(), h)).collect();
    let mut result = Diff::default();
    let mut seen_devices: HashSet<i64> = HashSet::new();
    for host in hosts {
        let matched = by_ip
            .get(host.ip.as_str())
            .or_else(|| {
                (!host.mac.is_empty())
                    .then(|| by_mac.get(host.mac.as_str()))
                    .flatten()
            })
            .copied();
        let kind = matched.map(|d| d.get("kind"));
        for port in &host.ports {
            if let Some(reason) = risk_of(port, kind) {
                result.risky.push(Risk {
                    ip: host.ip.clone(),
                    port: port.port,
                    service: port.service.clone(),
                    reason,
                    device_id: matched.map(|d| d.id),
                    device_name: matched.map(|d| d.name().to_string()).unwrap_or_default(),
                });
            }
        }
        let Some(device) = matched else {
            if ignored.contains(&host.ip) || (!host.mac.is_empty() && ignored.contains(&host.mac)) {
                result.ignored += 1;
            } else {
                result.unregistered.push(host.clone());
            }
            continue;
        };
        seen_devices.insert(device.id);
        let mut changes = Vec::new();
        if os_differs(device.get("os_name"), &host.os) {
            changes.push((
                crate::mkey!("change-os-ledger"),
                format!("{} → {}", device.get("os_name"), host.os),
            ));
        }
        let macs = device.get("mac_addresses");
        if !host.mac.is_empty()
            && !macs.is_empty()
            && !macs.split_whitespace().any(|m| m == host.mac)
        {
            changes.push((crate::mkey!("change-mac"), format!("{macs} → {}", host.mac)));
        }
        if let Some(before) = previous_by_ip.get(host.ip.as_str()) {
            let old: HashMap<(String, u16), &SeenPort> = before
                .ports
                .iter()
                .map(|p| (SeenHost::port_key(p), p))
                .collect();
            for port in &host.ports {
                match old.get(&SeenHost::port_key(port)) {
                    None => changes.push((
                        crate::mkey!("change-new-port"),
                        format!("{}/{} {}", port.port, port.protocol, port.service),
                    )),
                    Some(was)
                        if !was.product.is_empty()
                            && !port.product.is_empty()
                            && was.product != port.product =>
                    {
                        changes.push((
                            crate::mkey!("change-version"),
                            format!(
                                "{}/{}: {} → {}",
                                port.port, port.protocol, was.product, port.product
                            ),
                        ));
                    }
                    Some(_) => {}
                }
            }
            if !before.os.is_empty() && !host.os.is_empty() && before.os != host.os {
                changes.push((
                    crate::mkey!("change-os"),
                    format!("{} → {}", before.os, host.os),
                ));
            }
        }
        if !changes.is_empty() {
            result.changed.push(Changed {
                device_id: device.id,
                device_name: device.name().to_string(),
                ip: host.ip.clone(),
                changes,
            });
        }
    }
    for device in live {
        if seen_devices.contains(&device.id) {
            continue;
        }
        let ips = device.get("ip_addresses");
        if ips.split_whitespace().any(|ip| in_scope(ip, scope)) {
            result.missing.push(Missing {
                device_id: device.id,
                device_name: device.name().to_string(),
                ips: ips.to_string(),
                last_seen: last_seen.get(&device.id).cloned(),
            });
        } else if !ips.is_empty() {
            result.not_scanned += 1;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: i64, kind: &str, name: &str, ip: &str, mac: &str) -> Device {
        let values = super::super::model::validate(&|f: &str| match f {
            "kind" => kind.to_string(),
            "name" => name.to_string(),
            "ip_addresses" => ip.to_string(),
            "mac_addresses" => mac.to_string(),
            _ => String::new(),
        })
        .expect("valid");
        Device {
            id,
            values,
            ..Device::default()
        }
    }

    fn host(ip: &str, mac: &str, ports: &[(u16, &str, &str)]) -> SeenHost {
        SeenHost {
            ip: ip.into(),
            mac: mac.into(),
            ports: ports
                .iter()
                .map(|(port, service, product)| SeenPort {
                    protocol: "tcp".into(),
                    port: *port,
                    service: service.to_string(),
                    product: product.to_string(),
                    detail: String::new(),
                })
                .collect(),
            ..SeenHost::default()
        }
    }

    #[test]
    fn scope_comes_from_targets_or_hosts() {
        let s = scope("nmap -sV -oX out.xml 192.168.10.0/24 10.0.0.5", &[]);
        assert!(in_scope("192.168.10.77", &s));
        assert!(in_scope("10.0.0.5", &s));
        assert!(!in_scope("10.0.0.6", &s));
        // A name's address is covered, its neighbours are not (they were never scanned).
        let s = scope("nmap -sn dionaea", &[host("172.16.3.4", "", &[])]);
        assert!(in_scope("172.16.3.4", &s) && !in_scope("172.16.3.200", &s));
        let s = scope("nmap fe80::/64", &[]);
        assert!(in_scope("fe80::1", &s));
        // nmap's octet ranges; an excluded address and option values are not targets.
        let s = scope(
            "nmap -sV -p 22,80 -oX scan.xml --exclude 10.0.0.9 192.168.1-2.10-20 172.16.*.1",
            &[],
        );
        assert!(in_scope("192.168.2.15", &s) && !in_scope("192.168.3.15", &s));
        assert!(!in_scope("192.168.1.21", &s));
        assert!(in_scope("172.16.200.1", &s) && !in_scope("172.16.200.2", &s));
        assert!(!in_scope("10.0.0.9", &s));
        // A list of targets in a file: only what was found is known to be covered.
        let s = scope("nmap -iL hosts.txt", &[host("10.1.1.1", "", &[])]);
        assert!(in_scope("10.1.1.1", &s) && !in_scope("10.1.1.2", &s));
    }

    #[test]
    fn the_three_lists_and_risks() {
        let devices = vec![
            device(
                1,
                "network",
                "FortiGate",
                "192.168.10.1",
                "00:09:0F:00:00:01",
            ),
            device(2, "server", "電子カルテ", "192.168.10.20", ""),
            device(3, "pc", "受付PC", "192.168.10.30", ""),
            device(4, "pc", "別拠点PC", "10.9.9.9", ""),
        ];
        let previous = vec![host(
            "192.168.10.1",
            "00:09:0F:00:00:01",
            &[(443, "https", "FortiOS 6.0.4")],
        )];
        let hosts = vec![
            host(
                "192.168.10.1",
                "00:09:0F:00:00:02",
                &[(443, "https", "FortiOS 6.2.0"), (22, "ssh", "")],
            ),
            host(
                "192.168.10.20",
                "",
                &[(445, "microsoft-ds", ""), (3389, "ms-wbt-server", "")],
            ),
            host(
                "192.168.10.99",
                "",
                &[(23, "telnet", ""), (445, "microsoft-ds", "")],
            ),
            host("192.168.10.98", "", &[]),
        ];
        let s = scope("nmap 192.168.10.0/24", &hosts);
        let ignored: HashSet<String> = ["192.168.10.98".to_string()].into();
        let d = diff(&hosts, &s, &devices, &previous, &ignored, &HashMap::new());
        assert_eq!(
            d.unregistered
                .iter()
                .map(|h| h.ip.as_str())
                .collect::<Vec<_>>(),
            vec!["192.168.10.99"]
        );
        assert_eq!(d.ignored, 1);
        assert_eq!(
            d.missing.iter().map(|m| m.device_id).collect::<Vec<_>>(),
            vec![3],
            "out-of-scope device 4 is not missing"
        );
        assert_eq!(d.not_scanned, 1, "device 4 was not scanned");
        let forti = &d.changed[0];
        let kinds: Vec<_> = forti.changes.iter().map(|(k, _)| *k).collect();
        assert_eq!(
            kinds,
            vec!["change-mac", "change-version", "change-new-port"]
        );
        let risks: Vec<_> = d
            .risky
            .iter()
            .map(|r| (r.ip.as_str(), r.port, r.reason))
            .collect();
        assert_eq!(
            risks,
            vec![
                ("192.168.10.20", 3389, "risk-rdp"),
                ("192.168.10.99", 23, "risk-telnet"),
                ("192.168.10.99", 445, "risk-smb"),
            ],
            "SMB on a registered server is expected; on an unknown host it is not"
        );
    }

    #[test]
    fn admin_pages_are_recognised() {
        let page = SeenPort {
            protocol: "tcp".into(),
            port: 443,
            service: "https".into(),
            product: String::new(),
            detail: "FortiGate - Login".into(),
        };
        assert_eq!(risk_of(&page, None), Some("risk-admin-page"));
        let plain = SeenPort {
            detail: "Welcome".into(),
            ..page
        };
        assert_eq!(risk_of(&plain, None), None);
    }

    #[test]
    fn an_os_guess_is_a_change_only_when_it_names_another_system() {
        assert!(!os_differs(
            "Windows Server 2019",
            "Microsoft Windows Server 2019 1809"
        ));
        assert!(!os_differs(
            "FortiOS",
            "Fortinet FortiGate-60E firewall (FortiOS 6.0)"
        ));
        assert!(os_differs("Windows 10", "Linux 4.15 - 5.6"));
        assert!(!os_differs("", "Linux 4.15"));
        assert!(!os_differs("Windows 10", ""));
    }
}
