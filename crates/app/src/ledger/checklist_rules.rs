//! What the ledger can say about checklist items: whether the hospital uses systems at all (the gate
//! question), 2① 台帳, 2② リモート保守の確認, 接続元制限 (R5 2(8), R7 2⑬) and patches (R5 2(7),
//! R7 2⑥, with the vulnerability room's known exploited vulnerabilities).

use super::facts::LedgerFacts;
use crate::kernel::{Facts, Reason, Rule, Suggestion, Verdict};
use crate::vuln::api::VulnFacts;

pub static RULES: [Rule; 5] = [
    Rule {
        topic: "system-in-use",
        suggest: system_in_use,
    },
    Rule {
        topic: "inventory",
        suggest: inventory,
    },
    Rule {
        topic: "remote-maintenance",
        suggest: remote_maintenance,
    },
    Rule {
        topic: "source-restriction",
        suggest: source_restriction,
    },
    Rule {
        topic: "patches",
        suggest: patches,
    },
];

fn devices_in_use(ledger: &LedgerFacts) -> usize {
    ledger.by_kind.iter().map(|(_, n)| n).sum()
}

fn unknown(reason: Reason) -> Option<Suggestion> {
    Some(Suggestion {
        verdict: Verdict::Unknown,
        reasons: vec![reason],
    })
}

fn system_in_use(_target: &str, facts: &Facts) -> Option<Suggestion> {
    match devices_in_use(facts.get::<LedgerFacts>()?) {
        0 => unknown(Reason::count(crate::mkey!("rule-ledger-empty"), 0)),
        n => Some(Suggestion::yes(Reason::count(
            crate::mkey!("rule-devices-registered"),
            n,
        ))),
    }
}

fn inventory(_target: &str, facts: &Facts) -> Option<Suggestion> {
    let ledger = facts.get::<LedgerFacts>()?;
    let total = devices_in_use(ledger);
    if total == 0 {
        return Some(Suggestion {
            verdict: Verdict::No,
            reasons: vec![Reason::count(crate::mkey!("rule-ledger-empty"), 0)],
        });
    }
    let absent =
        |kind: &str, key: &'static str| Reason::count(key, usize::from(ledger.count_of(kind) == 0));
    Some(Suggestion::from_gaps(
        vec![
            absent("server", crate::mkey!("rule-no-servers")),
            absent("pc", crate::mkey!("rule-no-pcs")),
            absent("network", crate::mkey!("rule-no-network")),
            Reason::of(
                crate::mkey!("rule-missing-key-fields"),
                &ledger.missing_key_fields,
            ),
            Reason::of(
                crate::mkey!("rule-not-confirmed"),
                &ledger.not_confirmed_12_months,
            ),
        ],
        Reason::count(crate::mkey!("rule-inventory-ok"), total),
    ))
}

fn remote_maintenance(_target: &str, facts: &Facts) -> Option<Suggestion> {
    let ledger = facts.get::<LedgerFacts>()?;
    if ledger.connection_points == 0 && ledger.remote_maintenance_unconfirmed.is_empty() {
        return unknown(Reason::count(crate::mkey!("rule-no-remote-data"), 0));
    }
    Some(Suggestion::from_gaps(
        vec![
            Reason::of(
                crate::mkey!("rule-remote-unconfirmed"),
                &ledger.remote_maintenance_unconfirmed,
            ),
            Reason::of(
                crate::mkey!("rule-connection-unconfirmed"),
                &ledger.unconfirmed_connections,
            ),
        ],
        Reason::count(
            crate::mkey!("rule-remote-confirmed"),
            ledger.connection_points,
        ),
    ))
}

fn source_restriction(_target: &str, facts: &Facts) -> Option<Suggestion> {
    let ledger = facts.get::<LedgerFacts>()?;
    if ledger.connection_points == 0 {
        return unknown(Reason::count(crate::mkey!("rule-no-connections"), 0));
    }
    let unrestricted = Reason::of(
        crate::mkey!("rule-unrestricted"),
        &ledger.unrestricted_connections,
    );
    let unchecked = Reason::of(
        crate::mkey!("rule-restriction-unknown"),
        &ledger.restriction_unknown_connections,
    );
    if unrestricted.count == 0 && unchecked.count > 0 {
        return unknown(unchecked);
    }
    Some(Suggestion::from_gaps(
        vec![unrestricted, unchecked],
        Reason::count(
            crate::mkey!("rule-all-restricted"),
            ledger.connection_points,
        ),
    ))
}

/// The 種別 codes an item's scope covers.
fn kinds_of(target: &str) -> &'static [&'static str] {
    match target {
        "サーバ" => &["server"],
        "端末PC" => &["pc"],
        "ネットワーク機器" => &["network"],
        "サーバ、端末PC" => &["server", "pc"],
        _ => &["server", "pc", "network"],
    }
}

fn patches(target: &str, facts: &Facts) -> Option<Suggestion> {
    let kinds = kinds_of(target);
    let ledger = facts.get::<LedgerFacts>()?;
    let devices: usize = kinds.iter().map(|k| ledger.count_of(k)).sum();
    if devices == 0 {
        return unknown(Reason::count(crate::mkey!("rule-no-devices-in-scope"), 0));
    }
    Some(Suggestion::from_gaps(
        vec![
            Reason::of(
                crate::mkey!("rule-kev-unpatched"),
                &facts
                    .get::<VulnFacts>()
                    .map(|v| v.kev_of(kinds))
                    .unwrap_or_default(),
            ),
            Reason::of(crate::mkey!("rule-unpatched"), &ledger.unpatched_of(kinds)),
        ],
        Reason::count(crate::mkey!("rule-patched"), devices),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{Finding, RecordRef, RefKind};
    use crate::ledger::records::{CONNECTION_POINT, DEVICE};

    fn named(kind: &'static RefKind, id: i64, name: &str) -> RecordRef {
        RecordRef::new(kind, id, name)
    }

    fn finding(names: Vec<RecordRef>) -> Finding {
        Finding {
            count: names.len(),
            sample: names,
        }
    }

    fn facts(ledger: LedgerFacts) -> Facts {
        Facts::default().with(ledger)
    }

    fn counts(server: usize, pc: usize, network: usize) -> Vec<(&'static str, usize)> {
        vec![
            ("server", server),
            ("pc", pc),
            ("network", network),
            ("medical", 0),
            ("other", 0),
        ]
    }

    fn keys(s: &Suggestion) -> Vec<&'static str> {
        s.reasons.iter().map(|r| r.key).collect()
    }

    #[test]
    fn an_empty_ledger_cannot_pass_the_inventory_item() {
        let f = facts(LedgerFacts::default());
        assert_eq!(inventory("", &f).expect("test data").verdict, Verdict::No);
        assert_eq!(
            system_in_use("", &f).expect("test data").verdict,
            Verdict::Unknown
        );
        assert_eq!(
            patches("サーバ", &f).expect("test data").verdict,
            Verdict::Unknown
        );
        assert_eq!(
            source_restriction("", &f).expect("test data").verdict,
            Verdict::Unknown
        );
        assert_eq!(
            remote_maintenance("", &f).expect("test data").verdict,
            Verdict::Unknown
        );
    }

    #[test]
    fn inventory_names_gaps_and_missing_kinds() {
        let complete = facts(LedgerFacts {
            by_kind: counts(1, 5, 1),
            ..Default::default()
        });
        let s = inventory("", &complete).expect("test data");
        assert_eq!(s.verdict, Verdict::Yes);
        assert_eq!(s.reasons[0].count, 7);
        let gaps = facts(LedgerFacts {
            by_kind: counts(0, 5, 1),
            missing_key_fields: finding(vec![named(&DEVICE, 3, "受付PC")]),
            not_confirmed_12_months: finding(vec![named(&DEVICE, 4, "CT")]),
            ..Default::default()
        });
        let s = inventory("", &gaps).expect("test data");
        assert_eq!(s.verdict, Verdict::No);
        assert_eq!(
            keys(&s),
            vec![
                "rule-no-servers",
                "rule-missing-key-fields",
                "rule-not-confirmed"
            ]
        );
        assert_eq!(s.reasons[1].records[0].name, "受付PC");
        assert_eq!(
            system_in_use("", &gaps).expect("test data").verdict,
            Verdict::Yes
        );
    }

    #[test]
    fn remote_maintenance_lists_what_the_vendor_has_not_confirmed() {
        let f = facts(LedgerFacts {
            connection_points: 2,
            unconfirmed_connections: finding(vec![named(&CONNECTION_POINT, 2, "回線B")]),
            remote_maintenance_unconfirmed: finding(vec![named(&DEVICE, 4, "CT")]),
            ..Default::default()
        });
        let s = remote_maintenance("", &f).expect("test data");
        assert_eq!(s.verdict, Verdict::No);
        assert_eq!(
            keys(&s),
            vec!["rule-remote-unconfirmed", "rule-connection-unconfirmed"]
        );
        let ok = facts(LedgerFacts {
            connection_points: 2,
            ..Default::default()
        });
        assert_eq!(
            remote_maintenance("", &ok).expect("test data").verdict,
            Verdict::Yes
        );
    }

    #[test]
    fn source_restriction_needs_every_point_restricted() {
        let unrestricted = facts(LedgerFacts {
            connection_points: 3,
            unrestricted_connections: finding(vec![
                named(&CONNECTION_POINT, 1, "保守VPN"),
                named(&CONNECTION_POINT, 2, "VPN2"),
            ]),
            restriction_unknown_connections: finding(vec![named(&CONNECTION_POINT, 3, "回線C")]),
            ..Default::default()
        });
        let s = source_restriction("ネットワーク機器", &unrestricted).expect("test data");
        assert_eq!(s.verdict, Verdict::No);
        assert_eq!(s.reasons[0].count, 2);
        assert!(s.disagrees_with("yes"));
        let only_unknown = facts(LedgerFacts {
            connection_points: 1,
            restriction_unknown_connections: finding(vec![named(&CONNECTION_POINT, 3, "回線C")]),
            ..Default::default()
        });
        assert_eq!(
            source_restriction("", &only_unknown)
                .expect("test data")
                .verdict,
            Verdict::Unknown
        );
        let ok = facts(LedgerFacts {
            connection_points: 1,
            ..Default::default()
        });
        assert_eq!(
            source_restriction("", &ok).expect("test data").verdict,
            Verdict::Yes
        );
    }

    #[test]
    fn patches_follow_the_items_scope() {
        let f = facts(LedgerFacts {
            by_kind: counts(1, 2, 1),
            unpatched: vec![("network", finding(vec![named(&DEVICE, 1, "FortiGate")]))],
            ..Default::default()
        });
        assert_eq!(
            patches("ネットワーク機器", &f).expect("test data").verdict,
            Verdict::No
        );
        assert_eq!(
            patches("サーバ", &f).expect("test data").verdict,
            Verdict::Yes
        );
        assert_eq!(
            patches("端末PC", &f).expect("test data").verdict,
            Verdict::Yes
        );
        let all = patches("医療情報システム全般", &f).expect("test data");
        assert_eq!(all.verdict, Verdict::No);
        assert_eq!(all.reasons[0].records[0].name, "FortiGate");
    }

    #[test]
    fn a_known_exploited_vulnerability_fails_the_patch_item() {
        let ledger = LedgerFacts {
            by_kind: counts(1, 0, 1),
            ..Default::default()
        };
        let f = facts(ledger.clone());
        assert_eq!(
            patches("ネットワーク機器", &f).expect("test data").verdict,
            Verdict::Yes
        );
        let f = facts(ledger).with(VulnFacts {
            kev_by_kind: vec![(
                "network".to_string(),
                finding(vec![named(&DEVICE, 7, "本館FortiGate")]),
            )],
        });
        let s = patches("ネットワーク機器", &f).expect("test data");
        assert_eq!(s.verdict, Verdict::No);
        assert_eq!(keys(&s), vec!["rule-kev-unpatched"]);
        assert_eq!(s.reasons[0].records[0].name, "本館FortiGate");
        assert_eq!(
            patches("サーバ", &f).expect("test data").verdict,
            Verdict::Yes
        );
    }
}
