//! What the checklist asks of the other rooms: each room gathers its facts (counts, and the
//! first records behind each gap) and registers rules for the checklist topics its data can
//! speak to. A rule reads the facts and returns a suggested answer with its reasons and the
//! records behind them. A suggestion never changes a human answer.

use std::any::Any;

use super::record::RecordRef;

/// How many records a finding covers, with the first of them by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Finding {
    pub count: usize,
    pub sample: Vec<RecordRef>,
}

/// Records named per finding: enough to act on, few enough to show.
pub const SAMPLE: usize = 20;

impl Finding {
    pub fn of(all: Vec<RecordRef>) -> Finding {
        Finding {
            count: all.len(),
            sample: all.into_iter().take(SAMPLE).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn merge(findings: impl Iterator<Item = Finding>) -> Finding {
        let mut out = Finding::default();
        for f in findings {
            out.count += f.count;
            out.sample.extend(f.sample);
        }
        out.sample.truncate(SAMPLE);
        out
    }
}

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
    pub records: Vec<RecordRef>,
}

impl Reason {
    pub fn new(key: &'static str, records: Vec<RecordRef>) -> Reason {
        Reason {
            key,
            count: records.len(),
            records,
        }
    }

    /// A finding of a room: its whole count and its first records.
    pub fn of(key: &'static str, finding: &Finding) -> Reason {
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

/// A room's facts as the room list carries them, from the room's own result.
pub fn part<T: Any + Send + Sync, E: std::fmt::Display>(
    facts: Result<T, E>,
) -> Result<Box<dyn Any + Send + Sync>, super::RoomError> {
    match facts {
        Ok(facts) => Ok(Box::new(facts)),
        Err(e) => Err(super::RoomError::internal(e)),
    }
}

/// Every room's facts, gathered once per page: one value per room, found by its type, so the
/// checklist needs to know no room's types and a rule reads only the facts it names.
#[derive(Default)]
pub struct Facts {
    parts: Vec<Box<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for Facts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Facts({} parts)", self.parts.len())
    }
}

impl Facts {
    pub fn add(&mut self, part: Box<dyn Any + Send + Sync>) {
        self.parts.push(part);
    }

    /// With one more part (for tests and callers that build facts by hand).
    pub fn with<T: Any + Send + Sync>(mut self, part: T) -> Facts {
        self.parts.push(Box::new(part));
        self
    }

    /// A room's facts, if that room gathered any.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.parts.iter().find_map(|p| p.downcast_ref::<T>())
    }
}

/// A rule for one checklist topic (the items' `guide` key, shared across versions). `target`
/// is the item's scope (サーバ, 端末PC, ネットワーク機器…) so one rule serves the rows of every
/// version that ask about the topic.
pub struct Rule {
    pub topic: &'static str,
    pub suggest: fn(target: &str, facts: &Facts) -> Option<Suggestion>,
}
