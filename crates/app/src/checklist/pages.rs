//! Checklist pages: the year's overview and dashboard, one form to answer item by item with the
//! data's suggestion beside each answer, evidence, the official-layout print, exports and the
//! 立入検査用資料. Vendor users reach only their own vendor's 事業者確認用 (checked in `forms`).

use serde::Deserialize;

use super::answers;
use super::evidence_pages::{file, link_record, remove_evidence, upload};
use super::form_pages::{save_answer, set_gate, set_wording, show};
use super::print_pages::{blank, export_form, export_year, pack, print_form};
use super::year_pages::{add_vendor_form, index, start};
use crate::web::{Access, Ctx, RouteTable};

pub fn routes(table: RouteTable) -> RouteTable {
    table
        // Vendor users land here too and see only their own forms.
        .get("/checklist", Access::VendorSelf, index)
        .post("/checklist/start", Access::Edit, start)
        .post(
            "/checklist/vendor-forms",
            Access::VendorSelf,
            add_vendor_form,
        )
        .get("/checklist/blank", Access::Read, blank)
        .get("/checklist/export", Access::Read, export_year)
        .get("/checklist/pack", Access::Read, pack)
        .post("/checklist/wording", Access::Admin, set_wording)
        .get("/checklist/forms/{id}", Access::VendorSelf, show)
        .post(
            "/checklist/forms/{id}/answer",
            Access::VendorSelf,
            save_answer,
        )
        .post("/checklist/forms/{id}/gate", Access::VendorSelf, set_gate)
        .post(
            "/checklist/forms/{id}/link",
            Access::VendorSelf,
            link_record,
        )
        .post("/checklist/forms/{id}/upload", Access::VendorSelf, upload)
        .get(
            "/checklist/forms/{id}/print",
            Access::VendorSelf,
            print_form,
        )
        .get(
            "/checklist/forms/{id}/export",
            Access::VendorSelf,
            export_form,
        )
        .post(
            "/checklist/evidence/{id}/delete",
            Access::VendorSelf,
            remove_evidence,
        )
        .get("/checklist/files/{id}", Access::VendorSelf, file)
}

/// The plain sentences of refused fields, for a message at the top of a page.
pub(super) fn messages(c: &Ctx, problems: &[super::answers::Problem]) -> String {
    problems
        .iter()
        .map(|p| c.t(p.key))
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn answer_label(c: &Ctx, code: &str) -> String {
    match code {
        "yes" => c.t("checklist-yes"),
        "no" => c.t("checklist-no"),
        _ => String::new(),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct YearQuery {
    year: String,
}

/// The 年度 asked for, else the current one.
pub(super) fn year_of(q: &YearQuery) -> i32 {
    q.year
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| answers::current_fiscal_year(&crate::kernel::time::today_jst_text()))
}
