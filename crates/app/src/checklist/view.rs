//! A form as people read it: each item with its wording (corrected here or shipped), the human
//! answer, the data's suggestion and whether the two disagree, last year's answer, evidence and
//! target-date warnings; and the counts the dashboard shows. Used by the pages, the print, the
//! exports, the inspection pack and `mamori checklist suggest`.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::answers::{self, Answer};
use super::evidence::Evidence;
use super::forms::{self, Form};
use super::master::{Guide, Item, Master};
use super::rules;
use super::store::{self as masters, ChecklistError};
use crate::db::Db;
use crate::kernel::Actor;
use crate::kernel::{Facts, Suggestion};

#[derive(Debug, Clone)]
pub struct ItemView {
    pub item: Item,
    /// The wording shown: this installation's correction, else the shipped one.
    pub text: String,
    pub corrected: bool,
    /// The shipped wording is not confirmed against the official form.
    pub unconfirmed: bool,
    pub answer: Answer,
    pub suggestion: Option<Suggestion>,
    pub disagrees: bool,
    /// Last year's answer of this item (or of the items it continues): yes / no / "".
    pub last_year: String,
    pub evidence: Vec<Evidence>,
    pub target_outside_deadline: bool,
    pub days_to_target: Option<i64>,
    pub guide: Option<Guide>,
    /// The first item under a group heading (サーバ, 端末PC…), to print the heading.
    pub starts_group: bool,
}

impl ItemView {
    pub fn number_and_text(&self) -> String {
        format!("{} {}", self.item.number, self.text)
    }
}

/// Counts for one section or the whole form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub number: String,
    pub title: String,
    pub yes: usize,
    pub no: usize,
    pub unanswered: usize,
    pub disagreements: usize,
    pub last_year_yes: usize,
}

impl Tally {
    fn add(&mut self, item: &ItemView) {
        match item.answer.current() {
            "yes" => self.yes += 1,
            "no" => self.no += 1,
            _ => self.unanswered += 1,
        }
        self.disagreements += usize::from(item.disagrees);
        self.last_year_yes += usize::from(item.last_year == "yes");
    }

    pub fn total(&self) -> usize {
        self.yes + self.no + self.unanswered
    }
}

#[derive(Debug, Clone)]
pub struct FormView {
    pub form: Form,
    pub master: Master,
    pub label: String,
    pub gate_suggestion: Option<Suggestion>,
    pub items: Vec<ItemView>,
    pub sections: Vec<Tally>,
    pub overall: Tally,
}

impl FormView {
    /// Items still いいえ, by target date.
    pub fn open_items(&self) -> Vec<&ItemView> {
        let mut open: Vec<&ItemView> = self.items.iter().filter(|i| i.answer.is_open()).collect();
        open.sort_by(|a, b| a.answer.target_date.cmp(&b.answer.target_date));
        open
    }

    /// Open items whose target date is past or within `days`.
    pub fn due_within(&self, days: i64) -> Vec<&ItemView> {
        self.open_items()
            .into_iter()
            .filter(|i| i.days_to_target.is_some_and(|d| d <= days))
            .collect()
    }
}

/// The answer of last year's form for this item: the same number when the version is the same,
/// else the items it continues (all はい → はい, any いいえ → いいえ).
fn last_year_answer(
    item: &Item,
    master: &Master,
    last: Option<&(Form, Master, HashMap<String, Answer>)>,
) -> String {
    let Some((form, last_master, answers)) = last else {
        return String::new();
    };
    let current = |number: &str| {
        answers
            .get(number)
            .map(|a| a.current().to_string())
            .unwrap_or_default()
    };
    if form.version == master.version {
        return current(&item.number);
    }
    let prefix = format!("{}:", last_master.key());
    let found: Vec<String> = item
        .previous
        .iter()
        .filter_map(|p| p.strip_prefix(&prefix))
        .map(current)
        .collect();
    if found.iter().any(|a| a == "no") {
        "no".into()
    } else if !found.is_empty() && found.iter().all(|a| a == "yes") {
        "yes".into()
    } else {
        String::new()
    }
}

/// Everything needed to show some forms of one facility.
pub struct Loaded {
    pub facts: Option<Facts>,
    pub wording: HashMap<(String, String), String>,
    pub masters: Vec<Master>,
    pub guides: std::collections::BTreeMap<String, Guide>,
    pub answers: HashMap<i64, HashMap<String, Answer>>,
    pub evidence: Vec<Evidence>,
    /// Last year's forms with their masters and answers.
    pub last_year: Vec<(Form, Master, HashMap<String, Answer>)>,
}

/// Loads what `assemble` needs for these forms (all of one facility and year). Suggestions are
/// worked out only when a hospital form is among them.
pub async fn load(db: &Db, facility_id: i64, forms: &[Form]) -> Result<Loaded, ChecklistError> {
    let ids: Vec<i64> = forms.iter().map(|f| f.id).collect();
    let needs_facts = forms.iter().any(|f| !f.is_vendor());
    let year = forms.first().map(|f| f.fiscal_year).unwrap_or_default();
    let (facts, wording, known, answers, evidence, last_forms) = tokio::try_join!(
        async {
            if needs_facts {
                rules::gather(db, facility_id).await.map(Some)
            } else {
                Ok(None)
            }
        },
        super::wording::wording(db),
        masters::all(db),
        super::answer_store::answers(db, &ids),
        super::evidence::evidence(db, &ids),
        forms::forms_of_year(db, facility_id, year - 1),
    )?;
    let guides = masters::shipped()
        .map(|(g, _)| g.guides.clone())
        .unwrap_or_default();
    let known: Vec<Master> = known.into_iter().map(|(m, _)| m).collect();
    let last_ids: Vec<i64> = last_forms.iter().map(|f| f.id).collect();
    let mut last_answers = super::answer_store::answers(db, &last_ids).await?;
    let last_year = last_forms
        .into_iter()
        .filter_map(|f| {
            let m = known.iter().find(|m| m.key() == f.master_key())?.clone();
            let a = last_answers.remove(&f.id).unwrap_or_default();
            Some((f, m, a))
        })
        .collect();
    Ok(Loaded {
        facts,
        wording,
        masters: known,
        guides,
        answers,
        evidence,
        last_year,
    })
}

/// Puts one form together from what was loaded; `today` dates the target-date counts.
pub fn assemble(
    form: &Form,
    loaded: &Loaded,
    today: NaiveDate,
) -> Result<FormView, ChecklistError> {
    let master = loaded
        .masters
        .iter()
        .find(|m| m.key() == form.master_key())
        .ok_or(ChecklistError::NotFound)?
        .clone();
    let empty = HashMap::new();
    let answers = loaded.answers.get(&form.id).unwrap_or(&empty);
    let last = loaded.last_year.iter().find(|(f, _, _)| {
        f.form == form.form && f.vendor_id == form.vendor_id && f.system_name == form.system_name
    });
    let facts = if form.is_vendor() {
        None
    } else {
        loaded.facts.as_ref()
    };
    let mut sections: Vec<Tally> = master
        .sections
        .iter()
        .map(|s| Tally {
            number: s.number.clone(),
            title: s.title.clone(),
            ..Default::default()
        })
        .collect();
    let mut overall = Tally::default();
    let mut items = Vec::with_capacity(master.items.len());
    let mut group = String::new();
    for item in &master.items {
        let answer = answers
            .get(&item.number)
            .cloned()
            .unwrap_or_else(|| Answer {
                item: item.number.clone(),
                ..Default::default()
            });
        let suggestion = facts.and_then(|f| rules::suggest(&item.guide, &item.target, f));
        let disagrees = suggestion
            .as_ref()
            .is_some_and(|s| s.disagrees_with(answer.current()));
        let corrected = loaded.wording.get(&(master.key(), item.number.clone()));
        let starts_group = !item.group.is_empty() && item.group != group;
        group = item.group.clone();
        let view = ItemView {
            text: corrected.cloned().unwrap_or_else(|| item.text.clone()),
            corrected: corrected.is_some(),
            unconfirmed: item.confirmation == "unconfirmed",
            last_year: last_year_answer(item, &master, last),
            evidence: loaded
                .evidence
                .iter()
                .filter(|e| e.form_id == form.id && e.item == item.number)
                .cloned()
                .collect(),
            target_outside_deadline: answers::target_outside_deadline(
                &answer,
                item.deadline_fiscal_year,
            ),
            days_to_target: answers::days_to_target(&answer, today),
            guide: loaded.guides.get(&item.guide).cloned(),
            starts_group,
            item: item.clone(),
            answer,
            suggestion,
            disagrees,
        };
        if let Some(t) = sections.iter_mut().find(|s| s.number == view.item.section) {
            t.add(&view);
        }
        overall.add(&view);
        items.push(view);
    }
    let gate_suggestion = match (&master.gate, facts) {
        (Some(gate), Some(f)) => rules::suggest(&gate.guide, "", f),
        _ => None,
    };
    Ok(FormView {
        label: form.label(&master),
        form: form.clone(),
        master,
        gate_suggestion,
        items,
        sections,
        overall,
    })
}

/// One form, for someone allowed to see it.
pub async fn form_view(
    db: &Db,
    actor: &Actor,
    id: i64,
    today: NaiveDate,
) -> Result<FormView, ChecklistError> {
    let form = forms::get(db, actor, id).await?;
    let loaded = load(db, form.facility_id, std::slice::from_ref(&form)).await?;
    assemble(&form, &loaded, today)
}

/// Every form of a year (hospital first, then vendors), assembled.
pub async fn year_views(
    db: &Db,
    facility_id: i64,
    year: i32,
    today: NaiveDate,
) -> Result<Vec<FormView>, ChecklistError> {
    let forms = forms::forms_of_year(db, facility_id, year).await?;
    if forms.is_empty() {
        return Ok(Vec::new());
    }
    let loaded = load(db, facility_id, &forms).await?;
    forms.iter().map(|f| assemble(f, &loaded, today)).collect()
}

/// The hospital form of a year with suggestions: the started form with its answers, or, for a
/// year not started yet, the version that would be chosen (the newest for that year) unanswered.
pub async fn hospital_view(
    db: &Db,
    facility_id: i64,
    year: i32,
    today: NaiveDate,
) -> Result<FormView, ChecklistError> {
    let started = forms::forms_of_year(db, facility_id, year)
        .await?
        .into_iter()
        .find(|f| !f.is_vendor());
    let form = match started {
        Some(f) => f,
        None => {
            let known = masters::all(db).await?;
            let master =
                masters::default_hospital_master(&known, year).ok_or(ChecklistError::NotFound)?;
            Form {
                facility_id,
                fiscal_year: year,
                version: master.version.clone(),
                form: "hospital".into(),
                ..Default::default()
            }
        }
    };
    let loaded = load(db, facility_id, std::slice::from_ref(&form)).await?;
    assemble(&form, &loaded, today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn master(key: &str) -> Master {
        let (_, shipped) = masters::shipped().expect("test data");
        shipped
            .iter()
            .find(|m| m.key() == key)
            .expect("test data")
            .clone()
    }

    fn answer(item: &str, a: &str) -> (String, Answer) {
        (
            item.to_string(),
            Answer {
                item: item.into(),
                answer1: a.into(),
                ..Default::default()
            },
        )
    }

    #[test]
    fn last_year_follows_the_version_links() {
        let r6 = master("r6/hospital");
        let r7 = master("r7/hospital");
        let last_form = Form {
            version: "r6".into(),
            form: "hospital".into(),
            ..Default::default()
        };
        let answers: HashMap<String, Answer> = [
            answer("2(4)", "yes"),
            answer("2(9)", "no"),
            answer("2(1)", "yes"),
        ]
        .into_iter()
        .collect();
        let last = (last_form, r6.clone(), answers);
        let merged = r7
            .items
            .iter()
            .find(|i| i.previous.iter().any(|p| p == "r6/hospital:2(4)"))
            .expect("test data");
        assert_eq!(
            last_year_answer(merged, &r7, Some(&last)),
            "no",
            "one of the merged rows was いいえ"
        );
        let inventory = r7.item("2①").expect("test data");
        assert_eq!(last_year_answer(inventory, &r7, Some(&last)), "yes");
        let same = r6.item("2(1)").expect("test data");
        assert_eq!(last_year_answer(same, &r6, Some(&last)), "yes");
        assert_eq!(last_year_answer(same, &r6, None), "");
    }
}
