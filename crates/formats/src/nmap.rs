//! nmap XML output (`nmap -sV -O -oX scan.xml`): hosts, addresses, names, ports, services, OS guesses.
//!
//! Scan files come from machines we do not control, so the parser refuses any DTD (no entity is
//! ever expanded and nothing is fetched), caps the input size and node count, and reports where a
//! problem is (line and column) instead of panicking.

use std::fmt;

/// Larger files are refused: a /16 scan with service detection is far below this.
pub const MAX_BYTES: usize = 256 * 1024 * 1024;
const MAX_NODES: u32 = 20_000_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NmapError {
    #[error("the file is {0} bytes; nmap files over {MAX_BYTES} bytes are not accepted")]
    TooLarge(usize),
    #[error("the file is not UTF-8 text (byte {0}); save the scan with nmap -oX")]
    NotText(usize),
    #[error(
        "line {line}, column {column}: the file declares a DTD or entities, which are refused for safety; use nmap's own -oX output"
    )]
    Dtd { line: u32, column: u32 },
    #[error("line {line}, column {column}: not well-formed XML: {message}")]
    Xml {
        line: u32,
        column: u32,
        message: String,
    },
    #[error("this is XML but not an nmap scan (the root element is <{0}>, not <nmaprun>)")]
    NotNmap(String),
    #[error("line {line}: <{element}> has an invalid {attribute} \"{value}\"")]
    BadValue {
        line: u32,
        element: &'static str,
        attribute: &'static str,
        value: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// The nmap command line as recorded in the file.
    pub args: String,
    pub nmap_version: String,
    /// Start time, seconds since 1970 (UTC), if recorded.
    pub started_at: Option<i64>,
    pub hosts: Vec<Host>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostState {
    Up,
    Down,
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    Ipv4,
    Ipv6,
    Mac,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub addr: String,
    pub kind: AddressKind,
    /// Maker of the network card, for MAC addresses.
    pub vendor: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Host {
    pub state: HostState,
    pub addresses: Vec<Address>,
    pub hostnames: Vec<String>,
    pub ports: Vec<Port>,
    pub os_matches: Vec<OsMatch>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
    Ip,
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
            Protocol::Ip => "ip",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub protocol: Protocol,
    pub number: u16,
    /// open, closed, filtered, open|filtered, …
    pub state: String,
    pub service: Option<Service>,
    /// NSE script results: (id, output).
    pub scripts: Vec<(String, String)>,
}

impl Port {
    pub fn is_open(&self) -> bool {
        self.state == "open"
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    pub product: String,
    pub version: String,
    pub extra_info: String,
    pub os_type: String,
    /// "ssl" when nmap saw TLS in front of the service.
    pub tunnel: String,
    pub cpes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsMatch {
    pub name: String,
    pub accuracy: u8,
    pub classes: Vec<OsClass>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OsClass {
    pub kind: String,
    pub vendor: String,
    pub family: String,
    pub generation: String,
    pub accuracy: u8,
    pub cpes: Vec<String>,
}

impl Host {
    fn address(&self, kind: AddressKind) -> Option<&Address> {
        self.addresses.iter().find(|a| a.kind == kind)
    }

    pub fn ipv4(&self) -> Option<&str> {
        self.address(AddressKind::Ipv4).map(|a| a.addr.as_str())
    }

    pub fn ipv6(&self) -> Option<&str> {
        self.address(AddressKind::Ipv6).map(|a| a.addr.as_str())
    }

    /// The IPv4 address, else the IPv6 one.
    pub fn ip(&self) -> Option<&str> {
        self.ipv4().or_else(|| self.ipv6())
    }

    pub fn mac(&self) -> Option<&Address> {
        self.address(AddressKind::Mac)
    }

    pub fn open_ports(&self) -> impl Iterator<Item = &Port> {
        self.ports.iter().filter(|p| p.is_open())
    }

    /// The most likely operating system, if nmap guessed one.
    pub fn best_os(&self) -> Option<&OsMatch> {
        self.os_matches.iter().max_by_key(|m| m.accuracy)
    }
}

/// Parses an nmap XML file.
pub fn parse(bytes: &[u8]) -> Result<Scan, NmapError> {
    if bytes.len() > MAX_BYTES {
        return Err(NmapError::TooLarge(bytes.len()));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| NmapError::NotText(e.valid_up_to()))?;
    refuse_entity_declarations(text)?;
    let options = roxmltree::ParsingOptions {
        // nmap writes a bare `<!DOCTYPE nmaprun>`; anything that could declare entities was
        // refused above, and roxmltree never loads an external DTD.
        allow_dtd: true,
        nodes_limit: MAX_NODES,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options).map_err(|e| {
        let pos = e.pos();
        match e {
            roxmltree::Error::DtdDetected => NmapError::Dtd {
                line: pos.row,
                column: pos.col,
            },
            other => NmapError::Xml {
                line: pos.row,
                column: pos.col,
                message: other.to_string(),
            },
        }
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "nmaprun" {
        return Err(NmapError::NotNmap(root.tag_name().name().to_string()));
    }
    let line = |node: roxmltree::Node| doc.text_pos_at(node.range().start).row;
    let mut scan = Scan {
        args: attr(root, "args"),
        nmap_version: attr(root, "version"),
        started_at: root.attribute("start").and_then(|s| s.parse().ok()),
        hosts: Vec::new(),
    };
    for host in children(root, "host") {
        scan.hosts.push(parse_host(host, &line)?);
    }
    Ok(scan)
}

/// Refuses an internal DTD subset (`<!DOCTYPE x [ … ]>`) or any entity declaration: the only
/// ways a file can make a parser expand entities.
fn refuse_entity_declarations(text: &str) -> Result<(), NmapError> {
    let at = |offset: usize| {
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        NmapError::Dtd {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    };
    if let Some(offset) = text.find("<!ENTITY") {
        return Err(at(offset));
    }
    if let Some(offset) = text.find("<!DOCTYPE") {
        let declaration = &text[offset..];
        let end = declaration.find('>').unwrap_or(declaration.len());
        if declaration[..end].contains('[') {
            return Err(at(offset));
        }
    }
    Ok(())
}

fn attr(node: roxmltree::Node, name: &str) -> String {
    node.attribute(name).unwrap_or("").trim().to_string()
}

fn children<'a, 'input>(
    node: roxmltree::Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'input>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name)
}

fn percent(node: roxmltree::Node, name: &str) -> u8 {
    node.attribute(name)
        .and_then(|v| v.trim().parse::<u8>().ok())
        .map(|v| v.min(100))
        .unwrap_or(0)
}

fn cpes(node: roxmltree::Node) -> Vec<String> {
    children(node, "cpe")
        .filter_map(|c| c.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

fn parse_host(
    host: roxmltree::Node,
    line: &dyn Fn(roxmltree::Node) -> u32,
) -> Result<Host, NmapError> {
    let mut parsed = Host {
        state: match children(host, "status")
            .next()
            .and_then(|s| s.attribute("state"))
        {
            Some("up") => HostState::Up,
            Some("down") => HostState::Down,
            _ => HostState::Unknown,
        },
        ..Host::default()
    };
    for address in children(host, "address") {
        let kind = match address.attribute("addrtype") {
            Some("ipv4") => AddressKind::Ipv4,
            Some("ipv6") => AddressKind::Ipv6,
            Some("mac") => AddressKind::Mac,
            other => {
                return Err(NmapError::BadValue {
                    line: line(address),
                    element: "address",
                    attribute: "addrtype",
                    value: other.unwrap_or("").to_string(),
                });
            }
        };
        let addr = attr(address, "addr");
        let valid = match kind {
            AddressKind::Ipv4 => addr.parse::<std::net::Ipv4Addr>().is_ok(),
            AddressKind::Ipv6 => addr.parse::<std::net::Ipv6Addr>().is_ok(),
            AddressKind::Mac => is_mac(&addr),
        };
        if !valid {
            return Err(NmapError::BadValue {
                line: line(address),
                element: "address",
                attribute: "addr",
                value: addr,
            });
        }
        parsed.addresses.push(Address {
            addr: if kind == AddressKind::Mac {
                addr.to_ascii_uppercase()
            } else {
                addr
            },
            kind,
            vendor: attr(address, "vendor"),
        });
    }
    for names in children(host, "hostnames") {
        for name in children(names, "hostname") {
            let name = attr(name, "name");
            if !name.is_empty() && !parsed.hostnames.contains(&name) {
                parsed.hostnames.push(name);
            }
        }
    }
    for ports in children(host, "ports") {
        for port in children(ports, "port") {
            parsed.ports.push(parse_port(port, line)?);
        }
    }
    for os in children(host, "os") {
        for m in children(os, "osmatch") {
            parsed.os_matches.push(OsMatch {
                name: attr(m, "name"),
                accuracy: percent(m, "accuracy"),
                classes: children(m, "osclass")
                    .map(|c| OsClass {
                        kind: attr(c, "type"),
                        vendor: attr(c, "vendor"),
                        family: attr(c, "osfamily"),
                        generation: attr(c, "osgen"),
                        accuracy: percent(c, "accuracy"),
                        cpes: cpes(c),
                    })
                    .collect(),
            });
        }
    }
    Ok(parsed)
}

fn parse_port(
    port: roxmltree::Node,
    line: &dyn Fn(roxmltree::Node) -> u32,
) -> Result<Port, NmapError> {
    let protocol = match port.attribute("protocol") {
        Some("tcp") => Protocol::Tcp,
        Some("udp") => Protocol::Udp,
        Some("sctp") => Protocol::Sctp,
        Some("ip") => Protocol::Ip,
        other => {
            return Err(NmapError::BadValue {
                line: line(port),
                element: "port",
                attribute: "protocol",
                value: other.unwrap_or("").to_string(),
            });
        }
    };
    let number_text = attr(port, "portid");
    let number = number_text
        .parse::<u16>()
        .map_err(|_| NmapError::BadValue {
            line: line(port),
            element: "port",
            attribute: "portid",
            value: number_text.clone(),
        })?;
    let state = children(port, "state")
        .next()
        .map(|s| attr(s, "state"))
        .unwrap_or_default();
    let service = children(port, "service").next().map(|s| Service {
        name: attr(s, "name"),
        product: attr(s, "product"),
        version: attr(s, "version"),
        extra_info: attr(s, "extrainfo"),
        os_type: attr(s, "ostype"),
        tunnel: attr(s, "tunnel"),
        cpes: cpes(s),
    });
    let scripts = children(port, "script")
        .map(|s| (attr(s, "id"), attr(s, "output")))
        .collect();
    Ok(Port {
        protocol,
        number,
        state,
        service,
        scripts,
    })
}

fn is_mac(text: &str) -> bool {
    let parts: Vec<&str> = text.split([':', '-']).collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<nmaprun scanner="nmap" args="nmap -sV -O -oX scan.xml 192.168.10.0/24" start="1700000000" version="7.94">
<host><status state="up" reason="arp-response"/>
<address addr="192.168.10.5" addrtype="ipv4"/>
<address addr="00:1a:2b:3c:4d:5e" addrtype="mac" vendor="Fortinet"/>
<hostnames><hostname name="vpn.hospital.local" type="PTR"/></hostnames>
<ports>
<port protocol="tcp" portid="443"><state state="open" reason="syn-ack"/>
<service name="https" product="Fortinet SSL VPN" version="6.0.4" tunnel="ssl"><cpe>cpe:/o:fortinet:fortios:6.0.4</cpe></service></port>
<port protocol="tcp" portid="3389"><state state="filtered" reason="no-response"/></port>
</ports>
<os><osmatch name="FortiOS 6.0" accuracy="96"><osclass type="firewall" vendor="Fortinet" osfamily="FortiOS" osgen="6.X" accuracy="96"><cpe>cpe:/o:fortinet:fortios:6</cpe></osclass></osmatch></os>
</host>
</nmaprun>"#;

    #[test]
    fn reads_hosts_ports_services_and_os() {
        let scan = parse(SMALL.as_bytes()).expect("parses");
        assert_eq!(scan.nmap_version, "7.94");
        assert_eq!(scan.started_at, Some(1_700_000_000));
        let host = &scan.hosts[0];
        assert_eq!(host.state, HostState::Up);
        assert_eq!(host.ip(), Some("192.168.10.5"));
        let mac = host.mac().expect("mac");
        assert_eq!(mac.addr, "00:1A:2B:3C:4D:5E");
        assert_eq!(mac.vendor, "Fortinet");
        assert_eq!(host.hostnames, vec!["vpn.hospital.local"]);
        let open: Vec<u16> = host.open_ports().map(|p| p.number).collect();
        assert_eq!(open, vec![443]);
        let service = host.ports[0].service.as_ref().expect("service");
        assert_eq!(service.product, "Fortinet SSL VPN");
        assert_eq!(service.cpes, vec!["cpe:/o:fortinet:fortios:6.0.4"]);
        let os = host.best_os().expect("os");
        assert_eq!(os.accuracy, 96);
        assert_eq!(os.classes[0].family, "FortiOS");
    }

    #[test]
    fn refuses_dtds_and_entities_without_expanding_them() {
        let xxe = br#"<?xml version="1.0"?>
<!DOCTYPE nmaprun [<!ENTITY ee SYSTEM "file:///etc/passwd">]>
<nmaprun>&ee;</nmaprun>"#;
        assert_eq!(
            parse(xxe),
            Err(NmapError::Dtd {
                line: 2,
                column: 20
            })
        );
        let bare = b"<?xml version=\"1.0\"?>\n<!DOCTYPE nmaprun>\n<nmaprun></nmaprun>";
        assert!(parse(bare).is_ok(), "nmap's own doctype is fine");
        let undeclared =
            b"<!DOCTYPE nmaprun SYSTEM \"http://example.invalid/x.dtd\">\n<nmaprun>&ee;</nmaprun>";
        assert!(
            matches!(parse(undeclared), Err(NmapError::Xml { .. })),
            "never fetched"
        );
        let billion = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><nmaprun>&lol2;</nmaprun>"#;
        assert!(matches!(parse(billion), Err(NmapError::Dtd { .. })));
    }

    #[test]
    fn bad_input_says_where() {
        assert!(matches!(
            parse(b"\xff\xfe<nmaprun/>"),
            Err(NmapError::NotText(0))
        ));
        assert!(matches!(
            parse(b"<nmaprun>\n<host>\n</nmaprun>"),
            Err(NmapError::Xml { line: 3, .. })
        ));
        assert_eq!(parse(b"<root/>"), Err(NmapError::NotNmap("root".into())));
        let bad_port = b"<nmaprun>\n<host><ports>\n<port protocol=\"tcp\" portid=\"70000\"/></ports></host></nmaprun>";
        match parse(bad_port) {
            Err(NmapError::BadValue {
                line,
                attribute,
                value,
                ..
            }) => {
                assert_eq!((line, attribute, value.as_str()), (3, "portid", "70000"));
            }
            other => panic!("{other:?}"),
        }
        let bad_ip =
            b"<nmaprun><host><address addr=\"999.1.1.1\" addrtype=\"ipv4\"/></host></nmaprun>";
        assert!(matches!(
            parse(bad_ip),
            Err(NmapError::BadValue {
                attribute: "addr",
                ..
            })
        ));
        assert!(matches!(parse(b""), Err(NmapError::Xml { .. })));
    }

    #[test]
    fn empty_scan_is_fine() {
        let scan = parse(b"<nmaprun args=\"nmap -sn 10.0.0.0/30\"></nmaprun>").expect("parses");
        assert!(scan.hosts.is_empty());
        assert_eq!(scan.args, "nmap -sn 10.0.0.0/30");
    }
}
