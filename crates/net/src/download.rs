//! Resumable, conditional file download.
//!
//! Files next to `dest`:
//! * `<dest>.part` — bytes received so far; renamed to `dest` when complete;
//! * `<dest>.part.meta` — the validators (ETag/Last-Modified) of the
//!   response the `.part` came from, sent as `If-Range` when resuming so that
//!   a file changed on the server in the meantime is fetched anew instead of
//!   being spliced;
//! * `<dest>.meta` — the validators of the complete `dest`, sent as
//!   `If-None-Match`/`If-Modified-Since` next time.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use serde::{Deserialize, Serialize};
use tokio::io::AsyncWriteExt;
use url::Url;

use crate::client::{Client, parse_url, redact_url};
use crate::error::{NetError, body_excerpt, status_hint};

/// How often a broken transfer is resumed within one [`download`] call.
const ATTEMPTS: u32 = 3;

/// The result of [`download`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Downloaded {
    /// Size of the file now at `dest`.
    pub bytes: u64,
    /// Bytes received over the network by this call.
    pub transferred: u64,
    /// Whether an earlier partial download was continued (`206`).
    pub resumed: bool,
    /// Whether the server said the file is unchanged (`304`); `dest` was
    /// left as it was.
    pub not_modified: bool,
    /// The server's `ETag` for the file.
    pub etag: Option<String>,
    /// The server's `Last-Modified` for the file.
    pub last_modified: Option<String>,
}

/// Validators kept next to the file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Meta {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
}

impl Meta {
    fn from_headers(url: &str, headers: &HeaderMap) -> Meta {
        let get = |name: header::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Meta {
            url: url.to_owned(),
            etag: get(header::ETAG),
            last_modified: get(header::LAST_MODIFIED),
        }
    }

    fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

fn sidecar(dest: &Path, suffix: &str) -> PathBuf {
    let mut name = dest.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> NetError {
    let path = path.to_owned();
    move |source| NetError::Io {
        action,
        path,
        source,
    }
}

async fn read_meta(path: &Path, url: &str) -> Option<Meta> {
    let bytes = tokio::fs::read(path).await.ok()?;
    let meta: Meta = serde_json::from_slice(&bytes).ok()?;
    (meta.url == url && !meta.is_empty()).then_some(meta)
}

async fn write_meta(path: &Path, meta: &Meta) -> Result<(), NetError> {
    if meta.is_empty() {
        return remove_if_exists(path).await;
    }
    let json = serde_json::to_vec_pretty(meta).map_err(|e| NetError::Io {
        action: "write",
        path: path.to_owned(),
        source: std::io::Error::other(e),
    })?;
    tokio::fs::write(path, json)
        .await
        .map_err(io_error("write", path))
}

async fn remove_if_exists(path: &Path) -> Result<(), NetError> {
    match tokio::fs::remove_file(path).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_error("remove", path)(e)),
    }
}

async fn file_len(path: &Path) -> Result<Option<u64>, NetError> {
    match tokio::fs::metadata(path).await {
        Ok(m) => Ok(Some(m.len())),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("read", path)(e)),
    }
}

/// Downloads `url` to `dest`.
///
/// Data goes to `<dest>.part` first; `dest` is replaced only by a complete
/// file (length checked against `Content-Length`/`Content-Range` when the
/// server sends them). A `.part` left by an earlier run is continued with
/// `Range: bytes=N-`; a broken connection is resumed up to two more times
/// within this call, after which the error says to run the command again.
/// When `dest` exists and `<dest>.meta` holds validators from the last
/// download, the request is conditional and a `304` leaves `dest` as is
/// (`not_modified`). The body is stored as sent (no content decoding; `.gz`
/// files stay gzip).
///
/// `on_progress(done, total)` is called as data arrives; `total` is the full
/// size when known.
pub async fn download(
    client: &Client,
    url: &str,
    dest: &Path,
    mut on_progress: impl FnMut(u64, Option<u64>),
) -> Result<Downloaded, NetError> {
    let parsed = parse_url(url)?;
    let shown = redact_url(parsed.as_str());
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(io_error("create the directory", parent))?;
    }
    let mut job = Job {
        client,
        url: parsed,
        shown,
        dest,
        part: sidecar(dest, ".part"),
        part_meta: sidecar(dest, ".part.meta"),
        meta: sidecar(dest, ".meta"),
        transferred: 0,
        resumed: false,
    };
    let mut attempt = 0;
    loop {
        attempt += 1;
        match job.attempt(&mut on_progress).await {
            Ok(Some(done)) => return Ok(done),
            Ok(None) if attempt <= ATTEMPTS => {}
            Ok(None) => {
                return Err(NetError::BadResponse {
                    url: job.shown,
                    detail: "the server's answers to range requests are inconsistent; delete the .part file and try again".into(),
                });
            }
            Err(NetError::Interrupted { done, detail, .. }) if attempt < ATTEMPTS => {
                tracing::warn!(url = %job.shown, done, %detail, "download interrupted; resuming");
                tokio::time::sleep(Duration::from_millis(250 * u64::from(attempt))).await;
            }
            Err(e) => return Err(e),
        }
    }
}

struct Job<'a> {
    client: &'a Client,
    url: Url,
    shown: String,
    dest: &'a Path,
    part: PathBuf,
    part_meta: PathBuf,
    meta: PathBuf,
    transferred: u64,
    resumed: bool,
}

impl Job<'_> {
    /// One request. `Ok(None)`: the partial file was discarded, start over.
    async fn attempt(
        &mut self,
        on_progress: &mut impl FnMut(u64, Option<u64>),
    ) -> Result<Option<Downloaded>, NetError> {
        let have = file_len(&self.part).await?.unwrap_or(0);
        let mut request = self.client.http.get(self.url.clone());
        let mut conditional = None;
        if have > 0 {
            request = request.header(header::RANGE, format!("bytes={have}-"));
            if let Some(m) = read_meta(&self.part_meta, &self.shown).await {
                // A weak ETag may not be used in If-Range (RFC 9110 13.1.5).
                if let Some(etag) = m.etag.filter(|e| !e.starts_with("W/")) {
                    request = request.header(header::IF_RANGE, etag);
                } else if let Some(lm) = m.last_modified {
                    request = request.header(header::IF_RANGE, lm);
                }
            }
            tracing::info!(url = %self.shown, from = have, "resuming download");
        } else if file_len(self.dest).await?.is_some()
            && let Some(m) = read_meta(&self.meta, &self.shown).await
        {
            if let Some(etag) = &m.etag {
                request = request.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &m.last_modified {
                request = request.header(header::IF_MODIFIED_SINCE, lm);
            }
            conditional = Some(m);
        }

        let response = request
            .send()
            .await
            .map_err(|e| self.client.send_error(e, &self.url, &self.shown))?;
        let status = response.status();
        tracing::debug!(url = %self.shown, %status, "download response");

        match status {
            StatusCode::NOT_MODIFIED => {
                let Some(old) = conditional else {
                    return Err(NetError::BadResponse {
                        url: self.shown.clone(),
                        detail: "304 Not Modified to an unconditional request".into(),
                    });
                };
                let bytes = file_len(self.dest).await?.unwrap_or(0);
                let fresh = Meta::from_headers(&self.shown, response.headers());
                let meta = Meta {
                    url: self.shown.clone(),
                    etag: fresh.etag.or(old.etag),
                    last_modified: fresh.last_modified.or(old.last_modified),
                };
                write_meta(&self.meta, &meta).await?;
                on_progress(bytes, Some(bytes));
                Ok(Some(Downloaded {
                    bytes,
                    transferred: self.transferred,
                    resumed: false,
                    not_modified: true,
                    etag: meta.etag,
                    last_modified: meta.last_modified,
                }))
            }
            StatusCode::PARTIAL_CONTENT if have > 0 => {
                let range = response
                    .headers()
                    .get(header::CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_content_range);
                match range {
                    Some((Some((start, _)), total)) if start == have => {
                        self.resumed = true;
                        let total = total.or(response.content_length().map(|l| have + l));
                        self.receive(response, have, total, on_progress).await
                    }
                    _ => {
                        tracing::warn!(url = %self.shown, "unusable Content-Range; starting over");
                        self.discard_part().await?;
                        Ok(None)
                    }
                }
            }
            StatusCode::RANGE_NOT_SATISFIABLE if have > 0 => {
                let total = response
                    .headers()
                    .get(header::CONTENT_RANGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_content_range)
                    .and_then(|(_, total)| total);
                if total == Some(have) {
                    // The .part already holds the whole file.
                    self.resumed = true;
                    let meta = read_meta(&self.part_meta, &self.shown)
                        .await
                        .unwrap_or_else(|| Meta::from_headers(&self.shown, response.headers()));
                    on_progress(have, Some(have));
                    self.finish(have, meta).await.map(Some)
                } else {
                    tracing::warn!(url = %self.shown, "server cannot continue the partial file; starting over");
                    self.discard_part().await?;
                    Ok(None)
                }
            }
            s if s.is_success() && s != StatusCode::PARTIAL_CONTENT => {
                if have > 0 {
                    tracing::info!(url = %self.shown, "server sent the whole file; starting over");
                }
                let total = response.content_length();
                let meta = Meta::from_headers(&self.shown, response.headers());
                write_meta(&self.part_meta, &meta).await?;
                self.receive(response, 0, total, on_progress).await
            }
            _ => {
                let body = response.bytes().await.unwrap_or_default();
                Err(NetError::Status {
                    url: self.shown.clone(),
                    status: status.as_u16(),
                    excerpt: body_excerpt(&body),
                    hint: status_hint(status.as_u16()),
                })
            }
        }
    }

    async fn discard_part(&self) -> Result<(), NetError> {
        remove_if_exists(&self.part).await?;
        remove_if_exists(&self.part_meta).await
    }

    /// Streams the body into `.part` starting at `start`; `total` is the
    /// size of the whole file when known.
    async fn receive(
        &mut self,
        mut response: reqwest::Response,
        start: u64,
        total: Option<u64>,
        on_progress: &mut impl FnMut(u64, Option<u64>),
    ) -> Result<Option<Downloaded>, NetError> {
        let mut options = tokio::fs::OpenOptions::new();
        if start == 0 {
            options.write(true).create(true).truncate(true);
        } else {
            options.append(true);
        }
        let mut file = options
            .open(&self.part)
            .await
            .map_err(io_error("write", &self.part))?;
        let mut done = start;
        on_progress(done, total);
        let outcome = loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    file.write_all(&chunk)
                        .await
                        .map_err(io_error("write", &self.part))?;
                    let n = chunk.len() as u64;
                    done += n;
                    self.transferred += n;
                    on_progress(done, total);
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(crate::client::chain(&e)),
            }
        };
        file.flush().await.map_err(io_error("write", &self.part))?;
        file.sync_all()
            .await
            .map_err(io_error("write", &self.part))?;
        drop(file);

        if let Err(detail) = outcome {
            return Err(NetError::Interrupted {
                url: self.shown.clone(),
                done,
                detail,
            });
        }
        match total {
            Some(t) if done < t => {
                return Err(NetError::Interrupted {
                    url: self.shown.clone(),
                    done,
                    detail: format!("{t} bytes expected"),
                });
            }
            Some(t) if done > t => {
                self.discard_part().await?;
                return Err(NetError::BadResponse {
                    url: self.shown.clone(),
                    detail: format!("received {done} bytes but {t} were announced"),
                });
            }
            _ => {}
        }
        let meta = read_meta(&self.part_meta, &self.shown)
            .await
            .unwrap_or_else(|| Meta::from_headers(&self.shown, response.headers()));
        self.finish(done, meta).await.map(Some)
    }

    /// Moves the complete `.part` into place and records its validators.
    async fn finish(&self, bytes: u64, meta: Meta) -> Result<Downloaded, NetError> {
        tokio::fs::rename(&self.part, self.dest)
            .await
            .map_err(io_error("rename the download to", self.dest))?;
        write_meta(&self.meta, &meta).await?;
        remove_if_exists(&self.part_meta).await?;
        tracing::info!(url = %self.shown, bytes, resumed = self.resumed, "download complete");
        Ok(Downloaded {
            bytes,
            transferred: self.transferred,
            resumed: self.resumed,
            not_modified: false,
            etag: meta.etag,
            last_modified: meta.last_modified,
        })
    }
}

/// A `Content-Range`: the first and last byte sent (if any), the full size
/// (if known).
type ContentRange = (Option<(u64, u64)>, Option<u64>);

/// Parses `bytes 100-199/1000`, `bytes 100-199/*` or `bytes */1000`.
fn parse_content_range(value: &str) -> Option<ContentRange> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    let range = match range.trim() {
        "*" => None,
        r => {
            let (a, b) = r.split_once('-')?;
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        }
    };
    Some((range, total))
}
