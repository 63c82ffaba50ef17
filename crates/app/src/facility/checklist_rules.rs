//! The facility profile's checklist rule: 1① 医療情報システム安全管理責任者.

use super::model::Facility;
use crate::kernel::{Facts, Reason, RecordRef, Rule, Suggestion, Verdict};

pub static RULES: [Rule; 1] = [Rule {
    topic: "responsible-person",
    suggest: responsible_person,
}];

fn responsible_person(_target: &str, facts: &Facts) -> Option<Suggestion> {
    let f = facts.get::<Facility>()?;
    let profile = RecordRef {
        kind: &super::PROFILE,
        id: f.id,
        name: if f.security_manager_name.is_empty() {
            f.name.clone()
        } else if f.security_manager_appointed_on.is_empty() {
            f.security_manager_name.clone()
        } else {
            format!(
                "{}（{}）",
                f.security_manager_name, f.security_manager_appointed_on
            )
        },
    };
    let (verdict, key) = match (
        f.security_manager_name.trim().is_empty(),
        f.security_manager_appointed_on.trim().is_empty(),
    ) {
        (false, false) => (Verdict::Yes, crate::mkey!("rule-manager-appointed")),
        (true, _) => (Verdict::No, crate::mkey!("rule-manager-missing")),
        (false, true) => (Verdict::No, crate::mkey!("rule-manager-no-date")),
    };
    Some(Suggestion {
        verdict,
        reasons: vec![Reason::new(key, vec![profile])],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(name: &str, appointed: &str) -> Facts {
        Facts::default().with(Facility {
            id: 1,
            name: "みなと病院".into(),
            security_manager_name: name.into(),
            security_manager_appointed_on: appointed.into(),
            ..Default::default()
        })
    }

    #[test]
    fn a_named_and_dated_manager_suggests_yes() {
        let s = responsible_person("", &facts("佐藤 花子", "2025-04-01")).expect("test data");
        assert_eq!(s.verdict, Verdict::Yes);
        assert_eq!(s.reasons[0].records[0].name, "佐藤 花子（2025-04-01）");
        assert_eq!(
            responsible_person("", &facts("", ""))
                .expect("test data")
                .verdict,
            Verdict::No
        );
        let no_date = responsible_person("", &facts("佐藤 花子", "")).expect("test data");
        assert_eq!(no_date.verdict, Verdict::No);
        assert_eq!(no_date.reasons[0].key, "rule-manager-no-date");
    }
}
