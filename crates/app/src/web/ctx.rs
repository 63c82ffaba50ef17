//! What every page template receives: translator, signed-in user, CSRF token and the menu.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

use super::session::Visitor;
use crate::i18n::{Lang, Tr};
use crate::kernel::{Actor, Role, User};
use crate::rooms::ROOMS;

#[derive(Debug, Clone)]
pub struct NavItem {
    pub id: &'static str,
    pub href: &'static str,
    pub label_key: &'static str,
}

impl NavItem {
    pub const fn new(id: &'static str, href: &'static str, label_key: &'static str) -> NavItem {
        NavItem {
            id,
            href,
            label_key,
        }
    }
}

/// Page context, extracted in every handler.
#[derive(Clone)]
pub struct Ctx {
    pub tr: Tr,
    pub visitor: Visitor,
    pub csrf: String,
    pub path: String,
    /// Where the language switch returns to.
    pub back: String,
    pub active: &'static str,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let visitor = parts
            .extensions
            .get::<Visitor>()
            .cloned()
            .ok_or(StatusCode::INTERNAL_SERVER_ERROR)?;
        let mut c = Ctx::from_visitor(visitor, parts.uri.path());
        // The language switch returns to the same page, query included (the setup link's token).
        c.back = parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_else(|| c.path.clone());
        Ok(c)
    }
}

/// What a page handler needs of its request: the server's state and the visitor's context, in
/// one extractor (`Hall(state, c): Hall`).
pub struct Hall(pub super::AppState, pub Ctx);

impl<S: Send + Sync> FromRequestParts<S> for Hall {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = parts
            .extensions
            .get::<super::AppState>()
            .cloned()
            .ok_or(StatusCode::INTERNAL_SERVER_ERROR)?;
        let c = Ctx::from_request_parts(parts, state).await?;
        Ok(Hall(app, c))
    }
}

/// A page's words come from its language: `c.t(..)`, `c.t1(..)`, `c.date(..)` and the rest are
/// the translator's.
impl std::ops::Deref for Ctx {
    type Target = crate::i18n::Tr;

    fn deref(&self) -> &crate::i18n::Tr {
        &self.tr
    }
}

impl Ctx {
    pub fn from_visitor(visitor: Visitor, path: &str) -> Ctx {
        Ctx {
            tr: crate::i18n::Tr::new(visitor.lang),
            csrf: visitor.csrf.clone(),
            visitor,
            path: path.to_string(),
            back: path.to_string(),
            active: "",
        }
    }

    pub fn active(mut self, id: &'static str) -> Ctx {
        self.active = id;
        self
    }

    /// "佐藤 花子（管理者）" in the header.
    pub fn signed_in_as(&self, user: &User) -> String {
        self.tr.t2(
            crate::mkey!("signed-in-as"),
            "name",
            &user.display_name,
            "role",
            &self.role_label(),
        )
    }

    pub fn lang(&self) -> &'static str {
        self.tr.lang.code()
    }

    pub fn is_ja(&self) -> bool {
        self.tr.lang == Lang::Ja
    }

    pub fn user(&self) -> Option<&User> {
        self.visitor.user()
    }

    /// The acting user; handlers behind a signed-in route always have one.
    pub fn actor(&self) -> Actor {
        self.visitor
            .actor()
            .unwrap_or_else(|| Actor::anonymous("anonymous", &self.visitor.ip, None))
    }

    /// The signed-in user's facility; every record a page shows belongs to it.
    pub fn facility_id(&self) -> Option<i64> {
        self.user().map(|u| u.facility_id)
    }

    /// The facility of a signed-in page; refused for anyone else.
    pub fn facility(&self) -> Result<i64, crate::kernel::RoomError> {
        self.facility_id()
            .ok_or(crate::kernel::RoomError::Forbidden)
    }

    pub fn role(&self) -> Option<Role> {
        self.user().map(|u| u.role)
    }

    pub fn can_edit(&self) -> bool {
        self.role().is_some_and(|r| r.can_edit())
    }

    pub fn is_admin(&self) -> bool {
        self.role().is_some_and(|r| r.is_admin())
    }

    /// The tab group the current page belongs to, if its room shows tabs.
    fn tab_group(&self) -> Option<&'static super::room::TabGroup> {
        ROOMS
            .iter()
            .filter_map(|room| room.tabs)
            .find(|group| group.tabs.iter().any(|t| t.id == self.active))
    }

    /// The menu entry to highlight: every tab of a group lights up its menu entry.
    pub fn nav_group(&self) -> &'static str {
        self.tab_group().map_or(self.active, |group| group.menu_id)
    }

    /// The tabs of the current page's group, for signed-in users who see the menu.
    pub fn tabs(&self) -> &'static [NavItem] {
        match self.tab_group() {
            Some(group) if !self.nav().is_empty() => group.tabs,
            _ => &[],
        }
    }

    /// The name of the tab bar, for screen readers.
    pub fn tabs_label(&self) -> String {
        self.tab_group()
            .map(|group| self.t(group.label_key))
            .unwrap_or_default()
    }

    pub fn nav(&self) -> Vec<NavItem> {
        match self.role() {
            Some(role) if !self.visitor.must_enrol_totp() => super::nav_items(role),
            _ => Vec::new(),
        }
    }

    pub fn role_label(&self) -> String {
        self.role()
            .map(|r| self.t(r.label_key()))
            .unwrap_or_default()
    }

    pub fn version(&self) -> &'static str {
        crate::VERSION
    }

    pub fn static_url(&self, file: &str) -> String {
        super::assets::url(file)
    }
}

/// Problems found in a submitted form, by field name, already translated.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors {
    errors: Vec<(String, String)>,
}

impl FieldErrors {
    pub fn from_keys(tr: &Tr, problems: &[(&str, &str)]) -> FieldErrors {
        FieldErrors {
            errors: problems
                .iter()
                .map(|(field, key)| (field.to_string(), tr.t(key)))
                .collect(),
        }
    }

    pub fn get(&self, field: &str) -> String {
        self.errors
            .iter()
            .filter(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn has(&self, field: &str) -> bool {
        self.errors.iter().any(|(f, _)| f == field)
    }

    pub fn any(&self) -> bool {
        !self.errors.is_empty()
    }
}
