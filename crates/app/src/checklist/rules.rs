//! Suggestions from mamori's data: each room registers rules for the checklist topics its data
//! can speak to (the ledger for 台帳, リモート保守, 接続元制限 and patches; the facility profile
//! for the responsible person). A rule reads the gathered facts and returns a suggested answer
//! with its reasons and the records behind them. A suggestion never changes a human answer.

use super::store::ChecklistError;
use crate::db::Db;
use crate::kernel::{Facts, Rule, Suggestion};
use crate::rooms::ROOMS;

/// Every room's facts, gathered once per page.
pub async fn gather(db: &Db, facility_id: i64) -> Result<Facts, ChecklistError> {
    let parts = futures_util::future::try_join_all(
        ROOMS
            .iter()
            .filter_map(|room| room.facts)
            .map(|facts_of| facts_of(db, facility_id)),
    )
    .await?;
    let mut facts = Facts::default();
    for part in parts {
        facts.add(part);
    }
    Ok(facts)
}

/// Every room's rules.
pub fn registry() -> impl Iterator<Item = &'static Rule> {
    ROOMS.iter().flat_map(|room| room.rules.iter())
}

/// The suggestion for an item of this topic and scope, if a rule speaks to it.
pub fn suggest(topic: &str, target: &str, facts: &Facts) -> Option<Suggestion> {
    registry()
        .filter(|r| r.topic == topic)
        .find_map(|r| (r.suggest)(target, facts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_topic_exists_in_the_guidance() {
        let (guidance, _) = crate::checklist::store::shipped().expect("test data");
        for rule in registry() {
            assert!(
                guidance.guides.contains_key(rule.topic),
                "rule for unknown topic {}",
                rule.topic
            );
        }
    }

    #[test]
    fn only_opposite_answers_disagree() {
        use crate::kernel::Verdict;
        let no = Suggestion {
            verdict: Verdict::No,
            reasons: vec![],
        };
        assert!(no.disagrees_with("yes"));
        assert!(!no.disagrees_with("no"));
        assert!(!no.disagrees_with(""));
        let unknown = Suggestion {
            verdict: Verdict::Unknown,
            reasons: vec![],
        };
        assert!(!unknown.disagrees_with("yes"));
    }
}
