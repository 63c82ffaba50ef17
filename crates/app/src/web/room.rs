//! The plug every room fits: what the hall, the server, the settings and the checklist need from
//! a room, in one registration. The hall iterates the room list (`crate::rooms`) and names no
//! room; a new room is its folder plus one line in that list.

use std::any::Any;

use super::ctx::{Ctx, NavItem};
use super::dashboard::Card;
use super::{AppState, RouteTable};
use crate::config::SettingsSection;
use crate::db::Db;
use crate::kernel::{Access, BoxFuture, RefKind, RoomError, Rule};

/// A room's cards on the home page (ダッシュボード).
pub type CardsFn = for<'a> fn(&'a AppState, &'a Ctx) -> BoxFuture<'a, Result<Vec<Card>, RoomError>>;

/// A room's facts for the checklist's suggestion rules, as one value of the room's own type.
pub type FactsFn =
    for<'a> fn(&'a Db, i64) -> BoxFuture<'a, Result<Box<dyn Any + Send + Sync>, RoomError>>;

pub struct Room {
    pub id: &'static str,
    /// The tables this room owns: its SQL names no other table, and no other room's SQL names
    /// these (a test scans the source).
    pub tables: &'static [&'static str],
    /// Adds the room's routes, each with its [`Access`].
    pub routes: fn(RouteTable) -> RouteTable,
    pub menu: &'static [MenuEntry],
    /// Pages shown as tabs under one of the room's menu entries.
    pub tabs: Option<&'static TabGroup>,
    pub cards: Option<CardsFn>,
    pub audit: AuditLabels,
    /// The kinds of record the room shows, for links stored by other rooms (evidence).
    pub records: &'static [&'static RefKind],
    pub facts: Option<FactsFn>,
    pub rules: &'static [Rule],
    /// Background work started with the server and stopped with it.
    pub jobs: &'static [Job],
    /// The room's sections of `mamori.toml`.
    pub settings: &'static [SettingsSection],
}

/// A menu entry, shown to the roles its access lets through, in `order` across rooms.
pub struct MenuEntry {
    pub id: &'static str,
    pub href: &'static str,
    pub label_key: &'static str,
    pub access: Access,
    pub order: u16,
}

pub struct TabGroup {
    /// The menu entry that lights up on every tab.
    pub menu_id: &'static str,
    pub label_key: &'static str,
    pub tabs: &'static [NavItem],
}

/// How the audit page names what a room recorded.
pub struct AuditLabels {
    /// Entity types the room writes, with the message key of each.
    pub entities: &'static [(&'static str, &'static str)],
    /// Actions only this room writes, with their message keys.
    pub actions: &'static [(&'static str, &'static str)],
    /// The label of a changed field of one of the room's entities.
    pub field: fn(entity: &str, field: &str) -> Option<&'static str>,
    /// The label of a stored value (a choice code) of one of the room's entities.
    pub value: fn(entity: &str, field: &str, value: &str) -> Option<&'static str>,
    /// The group a field belongs to, shown before its label (安全管理責任者・氏名).
    pub group: fn(entity: &str, field: &str) -> Option<&'static str>,
}

impl AuditLabels {
    pub const NONE: AuditLabels = AuditLabels {
        entities: &[],
        actions: &[],
        field: |_, _| None,
        value: |_, _, _| None,
        group: |_, _| None,
    };

    pub fn entity_key(&self, entity: &str) -> Option<&'static str> {
        self.entities
            .iter()
            .find(|(e, _)| *e == entity)
            .map(|(_, k)| *k)
    }
}

/// A background task: runs until the server stops (it is aborted then).
pub struct Job {
    pub name: &'static str,
    pub run: fn(AppState) -> BoxFuture<'static, ()>,
}

impl Room {
    /// A room with nothing registered yet; rooms fill in what they have.
    pub const EMPTY: Room = Room {
        id: "",
        tables: &[],
        routes: |table| table,
        menu: &[],
        tabs: None,
        cards: None,
        audit: AuditLabels::NONE,
        records: &[],
        facts: None,
        rules: &[],
        jobs: &[],
        settings: &[],
    };
}
