//! Error pages in the visitor's language, and the error type handlers return.

use askama::Template;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::ctx::Ctx;
use super::session::Visitor;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    c: &'a Ctx,
    status: u16,
    title: String,
    message: String,
}

pub fn render_error(visitor: &Visitor, status: StatusCode) -> Response {
    let c = Ctx::from_visitor(visitor.clone(), "");
    let (title, message) = default_text(&c, status);
    error_page(&c, status, title, message)
}

/// A form whose CSRF token is missing or wrong.
pub fn render_csrf_refusal(visitor: &Visitor) -> Response {
    let c = Ctx::from_visitor(visitor.clone(), "");
    error_page(
        &c,
        StatusCode::FORBIDDEN,
        c.t("error-csrf-title"),
        c.t("error-csrf"),
    )
}

fn error_page(c: &Ctx, status: StatusCode, title: String, message: String) -> Response {
    let page = ErrorPage {
        c,
        status: status.as_u16(),
        title,
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => status.into_response(),
    }
}

fn default_text(c: &Ctx, status: StatusCode) -> (String, String) {
    match status {
        StatusCode::FORBIDDEN => (c.t("error-forbidden-title"), c.t("error-forbidden")),
        StatusCode::NOT_FOUND => (c.t("error-not-found-title"), c.t("error-not-found")),
        StatusCode::UNAUTHORIZED => (c.t("error-signin-title"), c.t("error-signin")),
        StatusCode::CONFLICT => (c.t("error-conflict-title"), c.t("error-conflict")),
        StatusCode::PAYLOAD_TOO_LARGE => (c.t("error-too-large-title"), c.t("error-too-large")),
        StatusCode::TOO_MANY_REQUESTS => (c.t("error-busy-title"), c.t("server-busy")),
        StatusCode::BAD_REQUEST
        | StatusCode::UNPROCESSABLE_ENTITY
        | StatusCode::UNSUPPORTED_MEDIA_TYPE
        | StatusCode::METHOD_NOT_ALLOWED => {
            (c.t("error-bad-request-title"), c.t("error-bad-request"))
        }
        _ => (c.t("error-internal-title"), c.t("error-internal")),
    }
}

pub async fn not_found(req: Request) -> Response {
    match req.extensions().get::<Visitor>() {
        Some(visitor) => render_error(visitor, StatusCode::NOT_FOUND),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// What a handler can fail with (the kernel's room error).
pub type WebError = crate::kernel::RoomError;

/// Replaces the body of a response that a handler marked as an error (a [`RoomError`] it
/// returned), or a plain-text refusal of the framework (a form it could not read, a method the
/// route does not take), with the error page in the visitor's language.
///
/// [`RoomError`]: crate::kernel::RoomError
pub async fn error_pages(req: Request, next: axum::middleware::Next) -> Response {
    let visitor = req.extensions().get::<Visitor>().cloned();
    let path = req.uri().path().to_string();
    let reading = matches!(
        *req.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let response = next.run(req).await;
    // A page reached by a form (feeds imported, an answer refused) and then reloaded by address
    // or by the language switch: show the page the form belongs to, not "method not allowed".
    if reading && response.status() == StatusCode::METHOD_NOT_ALLOWED {
        return axum::response::Redirect::to(parent_of(&path)).into_response();
    }
    match (
        response
            .extensions()
            .get::<crate::kernel::error::ErrorPage>(),
        visitor,
    ) {
        (Some(mark), Some(visitor)) => {
            if mark.0 == StatusCode::INTERNAL_SERVER_ERROR {
                tracing::error!(path, "page failed");
            }
            render_error(&visitor, mark.0)
        }
        (None, Some(visitor)) if is_framework_refusal(&response) => {
            render_error(&visitor, response.status())
        }
        _ => response,
    }
}

/// The page a form's address belongs to: `/vuln/feeds/import` → `/vuln/feeds`.
fn parent_of(path: &str) -> &str {
    match path.trim_end_matches('/').rsplit_once('/') {
        Some(("", _)) | None => "/",
        Some((parent, _)) => parent,
    }
}

/// A 4xx answer that is not a page of ours: axum's rejections are plain text.
fn is_framework_refusal(response: &Response) -> bool {
    let status = response.status();
    let html = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    status.is_client_error() && !html && status != StatusCode::NOT_MODIFIED
}

/// Renders a template into a page; a template that fails becomes the error page.
pub fn render(page: &impl Template) -> crate::kernel::PageResult {
    Ok(Html(page.render()?).into_response())
}

/// An unexpected failure: logged with its detail, shown as a plain error page.
pub fn fail(c: &Ctx, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, path = c.path, "page failed");
    render_error(&c.visitor, StatusCode::INTERNAL_SERVER_ERROR)
}

pub fn status_page(c: &Ctx, e: WebError) -> Response {
    if let WebError::Internal(detail) = &e {
        tracing::error!(error = %detail, path = c.path, "page failed");
    }
    render_error(&c.visitor, e.status())
}

#[cfg(test)]
mod tests {
    use super::parent_of;

    #[test]
    fn a_form_address_leads_back_to_its_page() {
        assert_eq!(parent_of("/vuln/feeds/import"), "/vuln/feeds");
        assert_eq!(parent_of("/discovery/ignore"), "/discovery");
        assert_eq!(
            parent_of("/checklist/forms/12/answers"),
            "/checklist/forms/12"
        );
        assert_eq!(parent_of("/logout"), "/");
        assert_eq!(parent_of("/"), "/");
    }
}
