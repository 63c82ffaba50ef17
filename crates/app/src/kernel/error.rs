//! The error a page handler returns. Handlers use `?`; the hall turns the error into a plain
//! page in the visitor's language (it sees the [`ErrorPage`] mark on the response), and an
//! unexpected failure is logged with its detail while people see only that something failed.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub enum RoomError {
    NotFound,
    Forbidden,
    Conflict,
    /// Too much is being done at once (uploads waiting their turn): try again shortly.
    Busy,
    /// Anything unexpected (database, template, file); the text is for the log only.
    Internal(String),
}

pub type PageResult = Result<Response, RoomError>;

/// Marks a response whose body the hall replaces with its error page.
#[derive(Debug, Clone, Copy)]
pub struct ErrorPage(pub StatusCode);

impl RoomError {
    pub fn internal(e: impl std::fmt::Display) -> RoomError {
        RoomError::Internal(e.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            RoomError::NotFound => StatusCode::NOT_FOUND,
            RoomError::Forbidden => StatusCode::FORBIDDEN,
            RoomError::Conflict => StatusCode::CONFLICT,
            RoomError::Busy => StatusCode::TOO_MANY_REQUESTS,
            RoomError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl std::fmt::Display for RoomError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RoomError::NotFound => f.write_str("not found"),
            RoomError::Forbidden => f.write_str("forbidden"),
            RoomError::Conflict => f.write_str("conflict"),
            RoomError::Busy => f.write_str("busy"),
            RoomError::Internal(e) => f.write_str(e),
        }
    }
}

impl IntoResponse for RoomError {
    fn into_response(self) -> Response {
        if let RoomError::Internal(e) = &self {
            tracing::error!(error = %e, "page failed");
        }
        let status = self.status();
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorPage(status));
        response
    }
}

impl From<super::upload::UploadError> for RoomError {
    fn from(e: super::upload::UploadError) -> Self {
        if e.busy {
            RoomError::Busy
        } else {
            RoomError::internal(e)
        }
    }
}

impl From<crate::db::DbError> for RoomError {
    fn from(e: crate::db::DbError) -> Self {
        RoomError::internal(e)
    }
}

impl From<sqlx::Error> for RoomError {
    fn from(e: sqlx::Error) -> Self {
        RoomError::internal(e)
    }
}

impl From<askama::Error> for RoomError {
    fn from(e: askama::Error) -> Self {
        RoomError::internal(e)
    }
}

impl From<super::people::Forbidden> for RoomError {
    fn from(_: super::people::Forbidden) -> Self {
        RoomError::Forbidden
    }
}
impl std::error::Error for RoomError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_held_up_by_others_is_busy_not_broken() {
        let busy = crate::kernel::upload::UploadError {
            message: "busy".into(),
            busy: true,
        };
        assert_eq!(
            RoomError::from(busy).status(),
            StatusCode::TOO_MANY_REQUESTS
        );
        let broken = crate::kernel::upload::UploadError {
            message: "cut off".into(),
            busy: false,
        };
        assert_eq!(
            RoomError::from(broken).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
