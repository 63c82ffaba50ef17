//! Our own CSS and JavaScript, embedded in the binary (the clinical LAN has no internet).
//! URLs carry a content hash so browsers may cache them for good.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

const FILES: [(&str, &str, &[u8]); 2] = [
    (
        "app.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/app.js"),
    ),
];

fn hashes() -> &'static Vec<String> {
    static HASHES: OnceLock<Vec<String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        FILES
            .iter()
            .map(|(_, _, bytes)| {
                data_encoding::HEXLOWER.encode(&Sha256::digest(bytes))[..12].to_string()
            })
            .collect()
    })
}

/// `/static/app.<hash>.css` for `app.css`.
pub fn url(file: &str) -> String {
    match FILES.iter().position(|(name, _, _)| *name == file) {
        Some(i) => {
            let (stem, ext) = file.rsplit_once('.').unwrap_or((file, ""));
            format!("/static/{stem}.{}.{ext}", hashes()[i])
        }
        None => format!("/static/{file}"),
    }
}

pub async fn serve(Path(requested): Path<String>) -> Response {
    for (i, (name, mime, bytes)) in FILES.iter().enumerate() {
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
        let hashed = format!("{stem}.{}.{ext}", hashes()[i]);
        if requested == hashed || requested == *name {
            let cache = if requested == hashed {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            let mut response = bytes.into_response();
            let h = response.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            return response;
        }
    }
    StatusCode::NOT_FOUND.into_response()
}
