//! Alerts by e-mail over SMTP.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Mailbox, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::NetError;

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Security {
    /// Plain text (only for a relay on the same machine or a trusted LAN).
    None,
    /// Plain connection upgraded with `STARTTLS`, which is required (usually
    /// port 587).
    #[default]
    StartTls,
    /// TLS from the first byte ("SMTPS", usually port 465).
    Tls,
}

/// The SMTP server to send through.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Log in (`AUTH PLAIN`/`LOGIN`, as the server offers) when set.
    pub username: Option<String>,
    /// Never logged nor shown.
    pub password: Option<String>,
    /// The sender, `alerts@example.jp` or `"mamori 通知" <alerts@example.jp>`.
    pub from: String,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("from", &self.from)
            .finish()
    }
}

/// How long one SMTP command may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Sends a plain-text e-mail to `to`. Subject and body may be any UTF-8
/// (Japanese): the subject is sent as RFC 2047 encoded words, the body as
/// `text/plain; charset=utf-8` in base64. Line breaks in the subject become
/// spaces. TLS certificates are checked against the operating system's
/// roots. HTTP proxies do not apply to SMTP.
pub async fn send_mail(
    settings: &SmtpSettings,
    to: &[String],
    subject: &str,
    body: &str,
) -> Result<(), NetError> {
    let server = format!("{}:{}", settings.host, settings.port);
    if to.is_empty() {
        return Err(NetError::Config(
            "an e-mail needs at least one recipient".into(),
        ));
    }
    let mut builder = Message::builder()
        .from(mailbox(&settings.from)?)
        .subject(subject.replace(['\r', '\n'], " "));
    for address in to {
        builder = builder.to(mailbox(address)?);
    }
    let message = builder
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .header(ContentTransferEncoding::Base64)
                .body(body.to_owned()),
        )
        .map_err(|e| NetError::Config(format!("could not build the e-mail: {e}")))?;

    let tls_parameters = || {
        TlsParameters::new_rustls(settings.host.clone()).map_err(|e| NetError::Mail {
            server: server.clone(),
            detail: e.to_string(),
            hint: "TLS could not be set up",
            transient: false,
        })
    };
    let tls = match settings.security {
        Security::None => Tls::None,
        Security::StartTls => Tls::Required(tls_parameters()?),
        Security::Tls => Tls::Wrapper(tls_parameters()?),
    };
    let mut transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
        .port(settings.port)
        .tls(tls)
        .timeout(Some(SMTP_TIMEOUT));
    if let Some(user) = &settings.username {
        if settings.security == Security::None && !is_loopback(&settings.host) {
            tracing::warn!(
                server = %server,
                "logging in to an SMTP server without TLS; the password crosses the network in clear text"
            );
        }
        transport = transport.credentials(Credentials::new(
            user.clone(),
            settings.password.clone().unwrap_or_default(),
        ));
    }
    let mailer = transport.build();
    match mailer.send(message).await {
        Ok(response) => {
            tracing::info!(server = %server, recipients = to.len(), code = %response.code(), "e-mail sent");
            Ok(())
        }
        Err(e) => Err(mail_error(&server, settings, &e)),
    }
}

fn mailbox(address: &str) -> Result<Mailbox, NetError> {
    address.trim().parse().map_err(
        |e: lettre::address::AddressError| NetError::InvalidAddress {
            address: address.to_owned(),
            detail: e.to_string(),
        },
    )
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn mail_error(
    server: &str,
    settings: &SmtpSettings,
    error: &lettre::transport::smtp::Error,
) -> NetError {
    let mut detail = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        let text = e.to_string();
        if !detail.contains(&text) {
            detail.push_str(": ");
            detail.push_str(&text);
        }
        source = e.source();
    }
    if let Some(pw) = settings.password.as_deref().filter(|p| !p.is_empty()) {
        detail = detail.replace(pw, "***");
    }
    let code = error.status().map(|c| c.to_string());
    let (hint, transient) = if error.is_tls() {
        (
            "the TLS connection failed; check the security setting (STARTTLS on 587, TLS on 465) and that the server's certificate is trusted by the operating system",
            false,
        )
    } else if error.is_timeout() {
        ("the server did not answer in time; try again later", true)
    } else if code
        .as_deref()
        .is_some_and(|c| c == "535" || c == "534" || c == "530")
    {
        (
            "the server rejected the login; check the user name and password",
            false,
        )
    } else if error.is_permanent() {
        (
            "the server refused the message; check the sender and recipient addresses and the relay permissions",
            false,
        )
    } else if error.is_transient() {
        (
            "the server is temporarily unable to accept mail; try again later",
            true,
        )
    } else if error.is_response() || error.is_client() {
        (
            "the server's answer was not understood; check host, port and security setting",
            false,
        )
    } else {
        (
            "could not talk to the SMTP server; check host, port and security setting, and that the firewall allows this connection",
            true,
        )
    };
    NetError::Mail {
        server: server.to_owned(),
        detail,
        hint,
        transient,
    }
}
