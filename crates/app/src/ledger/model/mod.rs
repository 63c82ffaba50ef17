//! The ledger's model: plain data and checks, no I/O. One file per idea: what all record kinds
//! share (`kinds`), devices (`devices`), hospital-defined fields (`custom`) and address
//! normalisers (`normalise`); everything is reachable as `model::…`.

use std::net::IpAddr;

use mamori_formats::dates::parse_date;

mod custom;
mod devices;
mod kinds;
mod normalise;

pub use custom::*;
pub use devices::*;
pub use kinds::*;
pub use normalise::*;

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> impl Fn(&str) -> String {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |field: &str| {
            owned
                .iter()
                .find(|(k, _)| k == field)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        }
    }

    #[test]
    fn a_device_is_cleaned() {
        let values = validate(&form(&[
            ("kind", "network"),
            ("name", " FortiGate 60E "),
            ("ip_addresses", "192.168.10.1, 10.0.0.1、192.168.10.1"),
            ("mac_addresses", "0090.0b12.3456 aa-bb-cc-dd-ee-ff"),
            ("end_of_support", "R8.3.31"),
            ("remote_maintenance", "yes"),
        ]))
        .expect("valid");
        let device = Device {
            values,
            ..Default::default()
        };
        assert_eq!(device.name(), "FortiGate 60E");
        assert_eq!(device.get("ip_addresses"), "192.168.10.1 10.0.0.1");
        assert_eq!(
            device.get("mac_addresses"),
            "00:90:0B:12:34:56 AA:BB:CC:DD:EE:FF"
        );
        assert_eq!(device.get("end_of_support"), "2026-03-31");
        assert_eq!(device.get("status"), "active", "first choice by default");
        assert_eq!(device.get("external_connection"), "none");
        assert_eq!(device.choice_key("kind"), Some("kind-network"));
        assert_eq!(
            device.missing_key_fields(),
            vec!["os_version", "location", "manager"]
        );
    }

    #[test]
    fn ranges_are_normalised_and_matched() {
        assert_eq!(
            normalize_cidrs("192.168.10.7/24, 10.0.0.0/8 192.168.10.0/24").as_deref(),
            Some("192.168.10.0/24 10.0.0.0/8")
        );
        assert_eq!(normalize_cidrs("10.1.2.3").as_deref(), Some("10.1.2.3/32"));
        assert_eq!(normalize_cidrs("10.0.0.0/33"), None);
        assert_eq!(normalize_cidrs("fd00::1/64").as_deref(), Some("fd00::/64"));
        let net = Cidr::parse("192.168.10.0/24").expect("range");
        assert!(net.contains("192.168.10.200".parse().expect("ip")));
        assert!(!net.contains("192.168.11.1".parse().expect("ip")));
        let all = Cidr::parse("0.0.0.0/0").expect("range");
        assert!(all.contains("8.8.8.8".parse().expect("ip")));
    }

    #[test]
    fn every_problem_is_named_by_field() {
        let problems = validate(&form(&[
            ("kind", "toaster"),
            ("ip_addresses", "192.168.1.300"),
            ("mac_addresses", "00:11:22"),
            ("last_patched", "yesterday"),
        ]))
        .expect_err("invalid");
        let fields: Vec<_> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            vec![
                "kind",
                "name",
                "ip_addresses",
                "mac_addresses",
                "last_patched"
            ]
        );
    }
}
