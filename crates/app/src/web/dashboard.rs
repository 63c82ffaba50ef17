//! The home page (ダッシュボード): every room's cards (what is set up, what is missing), and the
//! first gap as the next step.

use askama::Template;
use axum::extract::State;

use super::errors::render;
use super::{AppState, Ctx};
use crate::kernel::{PageResult, RoomError};
use crate::rooms::ROOMS;

/// One card: a title, its state, what is missing, and where to fix it. Cards of all rooms are
/// shown by `order`.
#[derive(Default)]
pub struct Card {
    pub order: u16,
    /// How urgent its gaps are: the most urgent card's first gap is the next step, whatever
    /// the order (a KEV match on a device reachable from outside comes before a stocktake).
    pub urgency: u8,
    pub title: String,
    pub ok: bool,
    pub summary: String,
    pub gaps: Vec<String>,
    pub href: &'static str,
    pub action: String,
    /// Whom to call today and about what, most urgent first.
    pub calls: Vec<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    c: &'a Ctx,
    facility_name: String,
    cards: Vec<Card>,
    next_step: Option<(String, &'static str)>,
    calls: Vec<String>,
}

pub async fn page(State(state): State<AppState>, c: Ctx) -> PageResult {
    let c = c.active("home");
    if c.user().is_none() {
        return Err(RoomError::Forbidden);
    }
    let mut cards = Vec::new();
    for cards_of in ROOMS.iter().filter_map(|room| room.cards) {
        cards.extend(cards_of(&state, &c).await?);
    }
    cards.sort_by_key(|card| card.order);
    let first = cards
        .iter()
        .filter(|card| !card.ok)
        .min_by_key(|card| (std::cmp::Reverse(card.urgency), card.order));
    let next_step = first.and_then(|card| card.gaps.first().map(|g| (g.clone(), card.href)));
    let calls = cards
        .iter()
        .flat_map(|card| card.calls.iter().cloned())
        .take(5)
        .collect();
    render(&DashboardPage {
        c: &c,
        facility_name: c.visitor.facility_name.clone(),
        cards,
        next_step,
        calls,
    })
}
