//! Errors of outbound network access. Every message names the address that
//! failed (with secrets removed) and says what the operator can do.

use std::path::PathBuf;

/// What went wrong while talking to the outside.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetError {
    /// The configuration given to this crate is unusable.
    #[error("invalid network configuration: {0}")]
    Config(String),

    /// A URL could not be parsed or has an unsupported scheme.
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },

    /// No connection could be made (DNS, refused, unreachable, proxy down).
    #[error("could not connect to {url}{}: {detail} — {hint}", via(.proxy))]
    Connect {
        url: String,
        proxy: Option<String>,
        detail: String,
        hint: &'static str,
    },

    /// The TLS handshake failed (usually: certificate not trusted).
    #[error("TLS connection to {url}{} failed: {detail} — {hint}", via(.proxy))]
    Tls {
        url: String,
        proxy: Option<String>,
        detail: String,
        hint: &'static str,
    },

    /// The server did not answer in time.
    #[error(
        "{url}{} did not answer in time ({detail}) — the network or the server may be slow; try again later",
        via(.proxy)
    )]
    Timeout {
        url: String,
        proxy: Option<String>,
        detail: String,
    },

    /// The server answered with an unexpected HTTP status.
    #[error("{url} answered HTTP {status}{}{} — {hint}", reason(*.status), with_colon(.excerpt))]
    Status {
        url: String,
        status: u16,
        excerpt: String,
        hint: &'static str,
    },

    /// The connection broke during a transfer; what arrived is kept.
    #[error(
        "the transfer from {url} was interrupted after {done} bytes ({detail}); run the command again to resume"
    )]
    Interrupted {
        url: String,
        done: u64,
        detail: String,
    },

    /// The server answered something this crate cannot use.
    #[error("unexpected answer from {url}: {detail}")]
    BadResponse { url: String, detail: String },

    /// A local file could not be read or written.
    #[error("could not {action} {}: {source}", .path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// An e-mail address is not valid.
    #[error("invalid e-mail address {address:?}: {detail}")]
    InvalidAddress { address: String, detail: String },

    /// Sending e-mail failed.
    #[error("sending e-mail via {server} failed: {detail} — {hint}")]
    Mail {
        server: String,
        detail: String,
        hint: &'static str,
        transient: bool,
    },
}

impl NetError {
    /// The HTTP status, when the error is an HTTP answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            NetError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether trying again later may help (network trouble, rate limits,
    /// server errors), as opposed to configuration mistakes.
    pub fn is_transient(&self) -> bool {
        match self {
            NetError::Connect { .. } | NetError::Timeout { .. } | NetError::Interrupted { .. } => {
                true
            }
            NetError::Status { status, .. } => matches!(status, 403 | 408 | 429 | 500..=599),
            NetError::Mail { transient, .. } => *transient,
            _ => false,
        }
    }
}

/// Errors of [`crate::nvd_changes`]: the network, or the caller's page handler.
#[derive(Debug, thiserror::Error)]
pub enum NvdError<E> {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("processing an NVD page failed: {0}")]
    Callback(E),
}

fn via(proxy: &Option<String>) -> String {
    match proxy {
        Some(p) => format!(" through proxy {p}"),
        None => String::new(),
    }
}

fn reason(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| format!(" {r}"))
        .unwrap_or_default()
}

fn with_colon(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

/// A short, single-line excerpt of a response body for error messages.
pub(crate) fn body_excerpt(body: &[u8]) -> String {
    const MAX_CHARS: usize = 200;
    let text = String::from_utf8_lossy(body);
    let mut out = String::new();
    let mut last_space = true;
    for (n, c) in text.chars().enumerate() {
        if n >= MAX_CHARS {
            out.push('…');
            break;
        }
        if c.is_whitespace() || c.is_control() {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out.trim_end().to_owned()
}

/// What the operator can do about an HTTP status.
pub(crate) fn status_hint(status: u16) -> &'static str {
    match status {
        400 => {
            "the request was rejected; check the parameters (for NVD: date range at most 120 days)"
        }
        401 => "authentication failed; check the credentials or API key",
        403 => {
            "access denied (for NVD this also means the rate limit was exceeded; wait 30 seconds or use an API key); a proxy may also block this address"
        }
        404 => "the address may be wrong or the file has moved; check the URL in the configuration",
        407 => {
            "the proxy requires authentication; put the credentials into the proxy URL (http://user:password@proxy:port) in HTTPS_PROXY/HTTP_PROXY"
        }
        408 | 504 => "the server or a gateway timed out; try again later",
        429 => "too many requests; wait a while and try again",
        500..=599 => "the server has a problem; try again later",
        300..=399 => "the server redirected the request; configure the final address instead",
        _ => "check the URL and the server",
    }
}
