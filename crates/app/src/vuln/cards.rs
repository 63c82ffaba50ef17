//! The vulnerability room's card on the home page: known exploited vulnerabilities still open,
//! those on devices reachable from outside first, with whom to call today.

use std::collections::BTreeMap;

use crate::kernel::{BoxFuture, RoomError};
use crate::web::dashboard::Card;
use crate::web::{AppState, Ctx};

/// Whom to call at most (the home page shows a short list).
const CALLS: usize = 3;

pub fn cards<'a>(state: &'a AppState, c: &'a Ctx) -> BoxFuture<'a, Result<Vec<Card>, RoomError>> {
    Box::pin(async move {
        let facility_id = c.facility_id().ok_or(RoomError::Forbidden)?;
        let open = super::facts::open_kev(&state.db, facility_id)
            .await
            .map_err(RoomError::internal)?;
        let holdings = super::store::holdings(&state.db)
            .await
            .map_err(RoomError::internal)?;
        let facing = open.iter().filter(|o| o.device.facing).count();
        let devices = open
            .iter()
            .map(|o| o.device.id)
            .collect::<std::collections::HashSet<_>>()
            .len();
        let mut gaps = Vec::new();
        if facing > 0 {
            gaps.push(c.t1("vuln-card-kev-facing", "count", &facing));
        }
        if open.len() > facing {
            gaps.push(c.t2(
                "vuln-card-kev",
                "count",
                &(open.len() - facing),
                "devices",
                &devices,
            ));
        }
        if holdings.kev_stale(crate::kernel::today_jst()) {
            gaps.push(c.t("vuln-card-kev-stale"));
        }
        // One line per vendor: the most exposed device and what it has.
        let mut by_vendor: BTreeMap<(bool, bool, String), Vec<&super::facts::OpenKev>> =
            BTreeMap::new();
        for o in &open {
            by_vendor
                .entry((
                    !o.device.facing,
                    !o.ransomware,
                    o.device.maintenance_vendor.clone(),
                ))
                .or_default()
                .push(o);
        }
        let mut called: Vec<String> = Vec::new();
        let mut calls = Vec::new();
        for ((_, _, vendor), found) in by_vendor {
            if called.contains(&vendor) || calls.len() >= CALLS {
                continue;
            }
            let first = found[0];
            let who = if vendor.is_empty() {
                c.t("vuln-call-no-vendor")
            } else {
                vendor.clone()
            };
            calls.push(c.t2(
                "vuln-call",
                "vendor",
                &who,
                "what",
                &format!("{} {}", first.device.name, first.vuln_id),
            ));
            called.push(vendor);
        }
        Ok(vec![Card {
            order: 35,
            urgency: if facing > 0 {
                3
            } else if !open.is_empty() {
                2
            } else {
                0
            },
            title: c.t("nav-vuln"),
            ok: gaps.is_empty(),
            summary: c.t1("vuln-card-summary", "count", &open.len()),
            gaps,
            href: "/vuln",
            action: c.t("vuln-card-open"),
            calls,
        }])
    })
}
