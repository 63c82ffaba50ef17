//! Suggestions from mamori's data: each room registers rules for the checklist topics its data
//! can speak to (the ledger for 台帳, リモート保守, 接続元制限 and patches; the facility profile
//! for the responsible person). A rule reads the gathered facts and returns a suggested answer
//! with its reasons and the records behind them. A suggestion never changes a human answer.

use super::store::ChecklistError;
use crate::db::Db;
use crate::facility::model::Facility;
use crate::ledger::facts::{LedgerFacts, Named};

/// What the data says about an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Yes,
    No,
    /// The data is not enough to say: something is unknown or not recorded yet.
    Unknown,
}

impl Verdict {
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Yes => "yes",
            Verdict::No => "no",
            Verdict::Unknown => "unknown",
        }
    }
}

/// One reason, as a message key taking `$count`, with the records it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub key: &'static str,
    pub count: usize,
    pub records: Vec<Named>,
}

impl Reason {
    pub fn new(key: &'static str, records: Vec<Named>) -> Reason {
        Reason {
            key,
            count: records.len(),
            records,
        }
    }

    /// A finding of the ledger (or another room): its whole count and its first records.
    pub fn of(key: &'static str, finding: &crate::ledger::facts::Finding) -> Reason {
        Reason {
            key,
            count: finding.count,
            records: finding.sample.clone(),
        }
    }

    pub fn count(key: &'static str, count: usize) -> Reason {
        Reason {
            key,
            count,
            records: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub verdict: Verdict,
    pub reasons: Vec<Reason>,
}

impl Suggestion {
    pub fn yes(reason: Reason) -> Suggestion {
        Suggestion {
            verdict: Verdict::Yes,
            reasons: vec![reason],
        }
    }

    /// いいえ when any reason names a gap, else はい with the given reason. Empty reasons drop.
    pub fn from_gaps(gaps: Vec<Reason>, all_clear: Reason) -> Suggestion {
        let gaps: Vec<Reason> = gaps.into_iter().filter(|r| r.count > 0).collect();
        if gaps.is_empty() {
            Suggestion::yes(all_clear)
        } else {
            Suggestion {
                verdict: Verdict::No,
                reasons: gaps,
            }
        }
    }

    /// The human answer and the data point different ways (an unknown never disagrees).
    pub fn disagrees_with(&self, answer: &str) -> bool {
        matches!(
            (self.verdict, answer),
            (Verdict::Yes, "no") | (Verdict::No, "yes")
        )
    }
}

/// Everything the rules read, gathered once per page. Rooms add their facts here as they land.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub facility: Facility,
    pub ledger: LedgerFacts,
    pub vuln: crate::vuln::facts::VulnFacts,
}

pub async fn gather(db: &Db, facility_id: i64) -> Result<Facts, ChecklistError> {
    let (facility, ledger, vuln) = tokio::try_join!(
        async {
            crate::facility::store::get(db, facility_id)
                .await
                .map_err(ChecklistError::from)
        },
        async {
            crate::ledger::facts::ledger_facts(db, facility_id)
                .await
                .map_err(ChecklistError::from)
        },
        async {
            crate::vuln::facts::vuln_facts(db, facility_id)
                .await
                .map_err(ChecklistError::from)
        },
    )?;
    Ok(Facts {
        facility: facility.unwrap_or_default(),
        ledger,
        vuln,
    })
}

/// A rule for one checklist topic (the items' `guide` key, shared across versions). `target`
/// is the item's scope (サーバ, 端末PC, ネットワーク機器…) so one rule serves the rows of every
/// version that ask about the topic.
pub struct Rule {
    pub topic: &'static str,
    pub suggest: fn(target: &str, facts: &Facts) -> Option<Suggestion>,
}

/// Every room's rules.
pub fn registry() -> impl Iterator<Item = &'static Rule> {
    crate::facility::checklist_rules::RULES
        .iter()
        .chain(crate::ledger::checklist_rules::RULES.iter())
}

/// The suggestion for an item of this topic and scope, if a rule speaks to it.
pub fn suggest(topic: &str, target: &str, facts: &Facts) -> Option<Suggestion> {
    registry()
        .filter(|r| r.topic == topic)
        .find_map(|r| (r.suggest)(target, facts))
}

/// Where a named record is shown.
pub fn href(named: &Named) -> String {
    match named.table {
        "facilities" => "/facility".to_string(),
        table => format!("{}/{}", crate::ledger::pages::base_of(table), named.id),
    }
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
