//! Vulnerability room: feeds (CISA KEV, NVD, JVN, CPE products) imported offline or downloaded,
//! matched against the ledger's devices by CPE with version ranges; 「今すぐ対応」 puts what
//! attackers use now first; suppressions, alerts, and the checklist's patch rule.

pub mod alerts;
pub mod api;
pub mod cards;
pub mod facts;
pub mod feeds;
pub mod matches;
pub mod model;
pub mod pages;
pub mod settings;
pub mod store;
pub mod suggest;
pub mod update;
pub mod view;

use crate::kernel::Access;
use crate::web::room::{AuditLabels, Job, MenuEntry, Room};

pub static ROOM: Room = Room {
    id: "vuln",
    tables: &[
        "vuln_alerts",
        "vuln_cve_products",
        "vuln_cves",
        "vuln_device_profiles",
        "vuln_feeds",
        "vuln_jvn",
        "vuln_jvn_cves",
        "vuln_jvn_products",
        "vuln_kev",
        "vuln_products",
        "vuln_profile_matches",
        "vuln_profiles",
        "vuln_state",
        "vuln_suppressions",
    ],
    routes: pages::routes,
    menu: &[MenuEntry {
        id: "vuln",
        href: "/vuln",
        label_key: crate::mkey!("nav-vuln"),
        access: Access::Read,
        order: 40,
    }],
    audit: AuditLabels {
        entities: &[
            ("vuln_feed", crate::mkey!("entity-vuln-feed")),
            ("vuln_match", crate::mkey!("entity-vuln-match")),
        ],
        actions: &[
            ("suppress", crate::mkey!("action-suppress")),
            ("unsuppress", crate::mkey!("action-unsuppress")),
        ],
        field: |entity, field| match (entity, field) {
            ("vuln_match", "kind") => Some(crate::mkey!("vuln-suppress-kind")),
            ("vuln_match", "reason") => Some(crate::mkey!("vuln-suppress-reason")),
            ("vuln_match", "until") => Some(crate::mkey!("vuln-suppress-until")),
            ("vuln_feed", "version") => Some(crate::mkey!("vuln-feed-version")),
            ("vuln_feed", "entries") => Some(crate::mkey!("vuln-feed-entries")),
            ("vuln_feed", "added") => Some(crate::mkey!("vuln-feed-added")),
            ("vuln_feed", "updated") => Some(crate::mkey!("vuln-feed-updated")),
            _ => None,
        },
        value: |_, field, value| match field {
            "kind" => view::SUPPRESSION_KINDS
                .iter()
                .find(|(k, _)| *k == value)
                .map(|(_, key)| *key),
            _ => None,
        },
        group: |_, _| None,
    },
    facts: Some(facts::for_checklist),
    cards: Some(cards::cards),
    settings: &settings::SECTIONS,
    jobs: &[Job {
        name: "vulnerability re-match and alerts",
        run: alerts::watch,
    }],
    ..Room::EMPTY
};
