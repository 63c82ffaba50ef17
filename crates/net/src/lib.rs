//! Outbound network access: feed downloads, webhooks and e-mail.
//!
//! This is the one crate of mamori that talks to the outside world. Everything
//! else works offline; when a hospital's clinical LAN has no internet (the
//! usual case) only the functions here fail, with messages that say which
//! address could not be reached and what to do about it.
//!
//! * HTTP goes through [`Client`] (reqwest on hyper, HTTP/1.1 only, TLS by
//!   rustls with the *ring* provider, roots from the operating system's store
//!   so that a hospital's TLS-inspecting proxy CA installed with
//!   `update-ca-certificates` is trusted). Proxies come from `HTTPS_PROXY`,
//!   `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (see [`ProxyConfig`]).
//! * [`download`] fetches a file resumably (`<dest>.part`, `Range`) and
//!   conditionally (`<dest>.meta`, `If-None-Match`/`If-Modified-Since`).
//! * [`nvd_changes`] pages through the NVD CVE API 2.0 within its rate limits.
//! * [`post_json`] sends a webhook, [`send_mail`] an e-mail over SMTP.
//!
//! Secrets (proxy credentials, the NVD API key, webhook URL paths, the SMTP
//! password) never appear in errors or log lines.

mod client;
mod download;
mod error;
mod mail;
mod nvd;
mod webhook;

pub use client::{Client, ClientConfig, ProxyConfig, ProxySetting, redact_url};
pub use download::{Downloaded, download};
pub use error::{NetError, NvdError};
pub use mail::{Security, SmtpSettings, send_mail};
pub use nvd::{NvdApi, PagesFetched, nvd_changes, nvd_timestamp};
pub use webhook::post_json;
