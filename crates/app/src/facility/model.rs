//! The facility profile (医療機関情報) and its 医療情報システム安全管理責任者 (checklist item 1①).

use chrono::NaiveDate;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facility {
    pub id: i64,
    pub name: String,
    pub founder: String,
    pub address: String,
    pub beds: Option<i64>,
    pub director: String,
    pub security_manager_name: String,
    pub security_manager_role: String,
    pub security_manager_appointed_on: String,
    pub security_manager_approved_by: String,
    pub security_manager_approved_on: String,
    pub security_manager_scope: String,
    pub require_totp: bool,
    pub updated_at: String,
}

/// The editable fields, in form order, with their message keys. Audit entries use these names.
pub const FIELDS: [(&str, &str); 11] = [
    ("name", crate::mkey!("facility-name")),
    ("founder", crate::mkey!("facility-founder")),
    ("address", crate::mkey!("facility-address")),
    ("beds", crate::mkey!("facility-beds")),
    ("director", crate::mkey!("facility-director")),
    ("security_manager_name", crate::mkey!("sm-name")),
    ("security_manager_role", crate::mkey!("sm-role")),
    (
        "security_manager_appointed_on",
        crate::mkey!("sm-appointed-on"),
    ),
    (
        "security_manager_approved_by",
        crate::mkey!("sm-approved-by"),
    ),
    (
        "security_manager_approved_on",
        crate::mkey!("sm-approved-on"),
    ),
    ("security_manager_scope", crate::mkey!("sm-scope")),
];

pub fn field_label_key(field: &str) -> Option<&'static str> {
    match field {
        "require_totp" => Some(crate::mkey!("settings-require-totp")),
        _ => FIELDS.iter().find(|(f, _)| *f == field).map(|(_, k)| *k),
    }
}

/// The profile as typed into the form, before checking.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct FacilityForm {
    pub name: String,
    pub founder: String,
    pub address: String,
    pub beds: String,
    pub director: String,
    pub security_manager_name: String,
    pub security_manager_role: String,
    pub security_manager_appointed_on: String,
    pub security_manager_approved_by: String,
    pub security_manager_approved_on: String,
    pub security_manager_scope: String,
}

impl FacilityForm {
    pub fn from_facility(f: &Facility) -> FacilityForm {
        FacilityForm {
            name: f.name.clone(),
            founder: f.founder.clone(),
            address: f.address.clone(),
            beds: f.beds.map(|b| b.to_string()).unwrap_or_default(),
            director: f.director.clone(),
            security_manager_name: f.security_manager_name.clone(),
            security_manager_role: f.security_manager_role.clone(),
            security_manager_appointed_on: f.security_manager_appointed_on.clone(),
            security_manager_approved_by: f.security_manager_approved_by.clone(),
            security_manager_approved_on: f.security_manager_approved_on.clone(),
            security_manager_scope: f.security_manager_scope.clone(),
        }
    }

    /// Checks every field; returns the cleaned profile or every problem as (field, message key).
    pub fn validate(&self, base: &Facility) -> Result<Facility, Vec<(&'static str, &'static str)>> {
        let mut problems = Vec::new();
        let mut text = |field: &'static str, value: &str, max: usize, required: bool| {
            let value = value.trim().to_string();
            if required && value.is_empty() {
                problems.push((field, crate::mkey!("field-required")));
            } else if value.chars().count() > max {
                problems.push((field, crate::mkey!("field-too-long")));
            }
            value
        };
        let name = text("name", &self.name, 200, true);
        let founder = text("founder", &self.founder, 200, false);
        let address = text("address", &self.address, 300, false);
        let director = text("director", &self.director, 100, false);
        let sm_name = text(
            "security_manager_name",
            &self.security_manager_name,
            100,
            false,
        );
        let sm_role = text(
            "security_manager_role",
            &self.security_manager_role,
            100,
            false,
        );
        let sm_by = text(
            "security_manager_approved_by",
            &self.security_manager_approved_by,
            100,
            false,
        );
        let sm_scope = text(
            "security_manager_scope",
            &self.security_manager_scope,
            2000,
            false,
        );
        let beds_text = self.beds.trim();
        let beds = if beds_text.is_empty() {
            None
        } else {
            // Full-width digits are common in Japanese input.
            let ascii: String = beds_text
                .chars()
                .map(|c| match c {
                    '０'..='９' => {
                        char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c)
                    }
                    _ => c,
                })
                .collect();
            match ascii.parse::<i64>() {
                Ok(n) if (0..=10_000).contains(&n) => Some(n),
                _ => {
                    problems.push(("beds", crate::mkey!("beds-invalid")));
                    None
                }
            }
        };
        let mut date = |field: &'static str, value: &str| {
            let value = value.trim().replace('/', "-");
            if value.is_empty() {
                return String::new();
            }
            match NaiveDate::parse_from_str(&value, "%Y-%m-%d") {
                Ok(d) => d.format("%Y-%m-%d").to_string(),
                Err(_) => {
                    problems.push((field, crate::mkey!("date-invalid")));
                    String::new()
                }
            }
        };
        let appointed = date(
            "security_manager_appointed_on",
            &self.security_manager_appointed_on,
        );
        let approved = date(
            "security_manager_approved_on",
            &self.security_manager_approved_on,
        );
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Facility {
            name,
            founder,
            address,
            beds,
            director,
            security_manager_name: sm_name,
            security_manager_role: sm_role,
            security_manager_appointed_on: appointed,
            security_manager_approved_by: sm_by,
            security_manager_approved_on: approved,
            security_manager_scope: sm_scope,
            ..base.clone()
        })
    }
}

impl Facility {
    /// Values by field name, for field-level audit entries.
    pub fn audit_values(&self) -> Vec<(&'static str, String)> {
        vec![
            ("name", self.name.clone()),
            ("founder", self.founder.clone()),
            ("address", self.address.clone()),
            ("beds", self.beds.map(|b| b.to_string()).unwrap_or_default()),
            ("director", self.director.clone()),
            ("security_manager_name", self.security_manager_name.clone()),
            ("security_manager_role", self.security_manager_role.clone()),
            (
                "security_manager_appointed_on",
                self.security_manager_appointed_on.clone(),
            ),
            (
                "security_manager_approved_by",
                self.security_manager_approved_by.clone(),
            ),
            (
                "security_manager_approved_on",
                self.security_manager_approved_on.clone(),
            ),
            (
                "security_manager_scope",
                self.security_manager_scope.clone(),
            ),
        ]
    }

    /// What is missing about the 安全管理責任者, as message keys, most important first.
    pub fn security_manager_gaps(&self) -> Vec<&'static str> {
        let mut gaps = Vec::new();
        if self.security_manager_name.is_empty() {
            gaps.push(crate::mkey!("sm-missing"));
            return gaps;
        }
        if self.security_manager_appointed_on.is_empty() {
            gaps.push(crate::mkey!("sm-missing-appointed"));
        }
        if self.security_manager_approved_by.is_empty()
            || self.security_manager_approved_on.is_empty()
        {
            gaps.push(crate::mkey!("sm-missing-approval"));
        }
        if self.security_manager_scope.is_empty() {
            gaps.push(crate::mkey!("sm-missing-scope"));
        }
        gaps
    }

    /// Profile fields still empty, as message keys of the fields.
    pub fn profile_gaps(&self) -> Vec<&'static str> {
        let mut gaps = Vec::new();
        if self.founder.is_empty() {
            gaps.push(crate::mkey!("facility-founder"));
        }
        if self.address.is_empty() {
            gaps.push(crate::mkey!("facility-address"));
        }
        if self.beds.is_none() {
            gaps.push(crate::mkey!("facility-beds"));
        }
        if self.director.is_empty() {
            gaps.push(crate::mkey!("facility-director"));
        }
        gaps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_is_cleaned_and_checked() {
        let base = Facility {
            id: 1,
            name: "旧".into(),
            ..Default::default()
        };
        let form = FacilityForm {
            name: "  半田市立半田病院 ".into(),
            beds: "４９９".into(),
            security_manager_appointed_on: "2026/04/01".into(),
            ..Default::default()
        };
        let f = form.validate(&base).expect("valid");
        assert_eq!(f.name, "半田市立半田病院");
        assert_eq!(f.beds, Some(499));
        assert_eq!(f.security_manager_appointed_on, "2026-04-01");
        assert_eq!(f.id, 1);

        let bad = FacilityForm {
            name: "".into(),
            beds: "many".into(),
            security_manager_approved_on: "2026-13-40".into(),
            ..Default::default()
        };
        let problems = bad.validate(&base).expect_err("invalid");
        let fields: Vec<_> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["name", "beds", "security_manager_approved_on"]);
    }

    #[test]
    fn missing_security_manager_is_named() {
        let mut f = Facility::default();
        assert_eq!(f.security_manager_gaps(), vec!["sm-missing"]);
        f.security_manager_name = "佐藤".into();
        f.security_manager_appointed_on = "2026-04-01".into();
        assert_eq!(
            f.security_manager_gaps(),
            vec!["sm-missing-approval", "sm-missing-scope"]
        );
    }
}
