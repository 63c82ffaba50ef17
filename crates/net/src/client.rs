//! The HTTP client: TLS, proxies, timeouts, and mapping of errors to messages
//! an operator can act on.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::error::NetError;

/// How to build a [`Client`].
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The `User-Agent` header, e.g. `mamori/0.1.0`.
    pub user_agent: String,
    /// Connect timeout, and the longest wait for the next piece of a response
    /// (not the whole transfer, so that big downloads on slow lines work);
    /// webhooks must finish within it. Default 60 s (NVD can take tens of
    /// seconds before answering a 2,000-CVE page).
    pub timeout: Duration,
    /// Which proxy to use.
    pub proxy: ProxySetting,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            user_agent: concat!("mamori/", env!("CARGO_PKG_VERSION")).to_owned(),
            timeout: Duration::from_secs(60),
            proxy: ProxySetting::FromEnv,
        }
    }
}

/// Which proxy the client uses.
#[derive(Clone, Debug, Default)]
pub enum ProxySetting {
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY` (lower-case forms
    /// first), read once when the client is built. See
    /// [`ProxyConfig::from_lookup`].
    #[default]
    FromEnv,
    /// Connect directly, whatever the environment says.
    None,
    /// This proxy for both `http://` and `https://` URLs, no exceptions.
    Url(String),
    /// Explicit settings (for a configuration file, and for tests).
    Manual(ProxyConfig),
}

/// Proxy settings in the form of the conventional environment variables.
///
/// Proxy URLs may lack the scheme (`proxy.example:3128` means
/// `http://proxy.example:3128`) and may carry credentials
/// (`http://user:password@proxy:3128`, sent as `Proxy-Authorization: Basic`).
/// HTTPS URLs are tunnelled with `CONNECT`, so TLS stays end-to-end (a
/// TLS-inspecting proxy needs its CA in the operating system's store).
///
/// `no_proxy` is a list separated by commas or spaces of: `*` (no proxy at
/// all); host names, which also match their subdomains (`example.org`,
/// `.example.org` and `*.example.org` all match `a.example.org`); IP
/// addresses; CIDR blocks (`10.0.0.0/8`, `fd00::/8`); any of these with
/// `:port`. Loopback is not implicitly exempt (as with curl).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    /// Proxy for `http://` URLs.
    pub http: Option<String>,
    /// Proxy for `https://` URLs.
    pub https: Option<String>,
    /// Hosts reached directly.
    pub no_proxy: Option<String>,
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("http", &self.http.as_deref().map(redact_url))
            .field("https", &self.https.as_deref().map(redact_url))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl ProxyConfig {
    /// Reads the process environment; see [`ProxyConfig::from_lookup`].
    pub fn from_env() -> ProxyConfig {
        ProxyConfig::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the settings from environment-like variables given by `get`
    /// (a pure function, so it can be tested without touching the process
    /// environment).
    ///
    /// * `https://` URLs: `https_proxy`, `HTTPS_PROXY`, `all_proxy`, `ALL_PROXY`;
    /// * `http://` URLs: `http_proxy`, `HTTP_PROXY`, `all_proxy`, `ALL_PROXY`
    ///   (`HTTP_PROXY` is ignored when `REQUEST_METHOD` is set, i.e. in a CGI
    ///   context, against "httpoxy");
    /// * exceptions: `no_proxy`, `NO_PROXY`.
    ///
    /// The first variable that is set and not blank wins.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> ProxyConfig {
        let first = |names: &[&str]| {
            names.iter().find_map(|name| {
                get(name)
                    .map(|v| v.trim().to_owned())
                    .filter(|v| !v.is_empty())
            })
        };
        let cgi = get("REQUEST_METHOD").is_some();
        let http = if cgi {
            first(&["http_proxy", "all_proxy", "ALL_PROXY"])
        } else {
            first(&["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"])
        };
        ProxyConfig {
            http,
            https: first(&["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]),
            no_proxy: first(&["no_proxy", "NO_PROXY"]),
        }
    }

    /// Whether any proxy is configured.
    pub fn is_empty(&self) -> bool {
        self.http.is_none() && self.https.is_none()
    }

    /// The proxy (as configured, unredacted) that a request to `url` uses,
    /// or `None` for a direct connection.
    pub fn proxy_for(&self, url: &Url) -> Option<&str> {
        proxy_of_scheme(
            url,
            self.http.as_deref(),
            self.https.as_deref(),
            self.no_proxy.as_deref(),
        )
    }

    fn validated(self) -> Result<ValidProxies, NetError> {
        let parse = |value: Option<String>| -> Result<Option<Url>, NetError> {
            value.map(|v| parse_proxy_url(&v)).transpose()
        };
        Ok(ValidProxies {
            http: parse(self.http)?,
            https: parse(self.https)?,
            no_proxy: self.no_proxy,
        })
    }
}

/// The proxy for `url`'s scheme, unless `no_proxy` lists its host.
fn proxy_of_scheme<'a, P: ?Sized>(
    url: &Url,
    http: Option<&'a P>,
    https: Option<&'a P>,
    no_proxy: Option<&str>,
) -> Option<&'a P> {
    let proxy = match url.scheme() {
        "http" => http,
        "https" => https,
        _ => None,
    }?;
    let host = url.host_str()?;
    let port = url.port_or_known_default().unwrap_or(0);
    match no_proxy {
        Some(list) if no_proxy_matches(list, host, port) => None,
        _ => Some(proxy),
    }
}

/// Proxy settings after parsing, used at request time.
#[derive(Clone)]
struct ValidProxies {
    http: Option<Url>,
    https: Option<Url>,
    no_proxy: Option<String>,
}

impl ValidProxies {
    fn proxy_for(&self, url: &Url) -> Option<&Url> {
        proxy_of_scheme(
            url,
            self.http.as_ref(),
            self.https.as_ref(),
            self.no_proxy.as_deref(),
        )
    }

    /// Credentials that must never show up in messages.
    fn secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        for url in [&self.http, &self.https].into_iter().flatten() {
            if let Some(pw) = url.password() {
                out.push(pw.to_owned());
                if let Ok(decoded) = percent_decode(pw) {
                    out.push(decoded);
                }
            }
        }
        out.retain(|s| !s.is_empty());
        out
    }
}

fn percent_decode(s: &str) -> Result<String, std::string::FromUtf8Error> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out)
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

fn parse_proxy_url(value: &str) -> Result<Url, NetError> {
    let with_scheme = if value.contains("://") {
        value.to_owned()
    } else {
        format!("http://{value}")
    };
    let bad = |reason: &str| {
        NetError::Config(format!(
            "proxy {} is not usable: {reason}",
            redact_url(&with_scheme)
        ))
    };
    let url = Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
    match url.scheme() {
        "http" | "https" => {}
        other => {
            return Err(bad(&format!(
                "scheme {other}:// is not supported; mamori supports HTTP(S) proxies only"
            )));
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad("no host"));
    }
    Ok(url)
}

/// Whether `host:port` is listed in a `NO_PROXY`-style list.
fn no_proxy_matches(list: &str, host: &str, port: u16) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let host_ip: Option<IpAddr> = host.parse().ok();
    for entry in list.split(|c: char| c == ',' || c.is_whitespace()) {
        let entry = entry.trim().to_ascii_lowercase();
        if entry.is_empty() {
            continue;
        }
        if entry == "*" {
            return true;
        }
        if let Some((net, bits)) = entry.split_once('/') {
            if let (Some(ip), Ok(net), Ok(bits)) = (host_ip, net.parse::<IpAddr>(), bits.parse())
                && in_cidr(ip, net, bits)
            {
                return true;
            }
            continue;
        }
        let (name, entry_port) = split_port(&entry);
        if entry_port.is_some_and(|p| p != port) {
            continue;
        }
        if let Ok(ip) = name.parse::<IpAddr>() {
            if host_ip == Some(ip) {
                return true;
            }
            continue;
        }
        let domain = name
            .trim_start_matches("*.")
            .trim_start_matches('.')
            .trim_end_matches('.');
        if domain.is_empty() {
            continue;
        }
        if host == domain
            || (host.len() > domain.len()
                && host.ends_with(domain)
                && host.as_bytes()[host.len() - domain.len() - 1] == b'.')
        {
            return true;
        }
    }
    false
}

/// Splits `name:port`, `[v6]:port`, `[v6]`; a bare IPv6 address has no port.
fn split_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((ip, tail)) => (ip, tail.strip_prefix(':').and_then(|p| p.parse().ok())),
            None => (entry, None),
        };
    }
    match entry.split_once(':') {
        Some((name, port)) if !port.contains(':') => match port.parse() {
            Ok(p) => (name, Some(p)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u32) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// Query parameters whose values [`redact_url`] hides (matched as
/// substrings of the lower-cased name).
const SECRET_PARAMS: &[&str] = &[
    "key",
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "sig",
    "auth",
    "credential",
];

/// `url` with any user name and password, and the values of query parameters
/// that look secret (`apiKey`, `token`, `sig`, …), replaced by `***`, for
/// messages and logs. Text that does not parse as a URL is cut at the last
/// `@` before the path.
pub fn redact_url(url: &str) -> String {
    // Without `://` (`user:pw@proxy:3128`) the text would parse as a URL
    // with the scheme `user`; cut textually instead.
    let parsed = if url.contains("://") {
        Url::parse(url).ok().filter(Url::has_host)
    } else {
        None
    };
    match parsed {
        Some(mut parsed) => {
            if !parsed.username().is_empty() || parsed.password().is_some() {
                let _ = parsed.set_password(None);
                let _ = parsed.set_username("***");
            }
            let mut redacted = false;
            let pairs: Vec<(String, String)> = parsed
                .query_pairs()
                .map(|(k, v)| {
                    let name = k.to_ascii_lowercase();
                    if SECRET_PARAMS.iter().any(|s| name.contains(s)) {
                        redacted = true;
                        (k.into_owned(), "***".to_owned())
                    } else {
                        (k.into_owned(), v.into_owned())
                    }
                })
                .collect();
            if redacted {
                parsed.query_pairs_mut().clear().extend_pairs(pairs);
            }
            parsed.to_string()
        }
        None => {
            let start = url.find("://").map_or(0, |i| i + 3);
            let end = url[start..].find('/').map_or(url.len(), |i| start + i);
            match url[start..end].rfind('@') {
                Some(at) => format!("{}***@{}", &url[..start], &url[start + at + 1..]),
                None => url.to_owned(),
            }
        }
    }
}

/// Only the origin of a URL (`https://hooks.example:443/…`), for URLs whose
/// path or query may hold a token (webhooks).
pub(crate) fn origin_only(url: &Url) -> String {
    format!("{}/…", url.origin().ascii_serialization())
}

pub(crate) fn parse_url(url: &str) -> Result<Url, NetError> {
    let parsed = Url::parse(url).map_err(|e| NetError::InvalidUrl {
        url: redact_url(url),
        reason: e.to_string(),
    })?;
    match parsed.scheme() {
        "http" | "https" => Ok(parsed),
        other => Err(NetError::InvalidUrl {
            url: redact_url(url),
            reason: format!("scheme {other}:// is not supported (use http:// or https://)"),
        }),
    }
}

/// An HTTP client for mamori's outbound requests. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    /// Follows up to 5 redirects (downloads).
    pub(crate) http: reqwest::Client,
    /// Follows no redirects (requests carrying secrets: NVD key, webhooks).
    pub(crate) strict: reqwest::Client,
    proxies: Option<Arc<ValidProxies>>,
    pub(crate) timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field(
                "http_proxy",
                &self
                    .proxies
                    .as_ref()
                    .and_then(|p| p.http.as_ref())
                    .map(|u| redact_url(u.as_str())),
            )
            .field(
                "https_proxy",
                &self
                    .proxies
                    .as_ref()
                    .and_then(|p| p.https.as_ref())
                    .map(|u| redact_url(u.as_str())),
            )
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client. Fails only on an unusable proxy setting.
    ///
    /// Root certificates come from the operating system (`/etc/ssl/certs`,
    /// or `SSL_CERT_FILE`/`SSL_CERT_DIR`); if none are found HTTPS fails
    /// with a message saying so, plain HTTP still works.
    pub fn new(config: ClientConfig) -> Result<Client, NetError> {
        let proxies = match config.proxy {
            ProxySetting::None => None,
            ProxySetting::FromEnv => Some(ProxyConfig::from_env()),
            ProxySetting::Url(url) => Some(ProxyConfig {
                http: Some(url.clone()),
                https: Some(url),
                no_proxy: None,
            }),
            ProxySetting::Manual(manual) => Some(manual),
        }
        .filter(|p| !p.is_empty())
        .map(ProxyConfig::validated)
        .transpose()?
        .map(Arc::new);

        if let Some(p) = &proxies {
            tracing::debug!(
                http = ?p.http.as_ref().map(|u| redact_url(u.as_str())),
                https = ?p.https.as_ref().map(|u| redact_url(u.as_str())),
                no_proxy = ?p.no_proxy,
                "using proxy"
            );
        }

        let tls = tls_config()?;
        let build = |redirects: reqwest::redirect::Policy| {
            let mut builder = reqwest::Client::builder()
                .user_agent(config.user_agent.clone())
                .connect_timeout(config.timeout)
                .read_timeout(config.timeout)
                .redirect(redirects)
                .tls_backend_preconfigured(tls.clone())
                .no_proxy();
            if let Some(p) = &proxies {
                let p = Arc::clone(p);
                builder = builder.proxy(reqwest::Proxy::custom(move |url| {
                    p.proxy_for(url).map(|u| u.as_str().to_owned())
                }));
            }
            builder.build().map_err(|e| {
                NetError::Config(format!("could not build the HTTP client: {}", chain(&e)))
            })
        };
        Ok(Client {
            http: build(reqwest::redirect::Policy::limited(5))?,
            strict: build(reqwest::redirect::Policy::none())?,
            proxies,
            timeout: config.timeout,
        })
    }

    /// The proxy a request to `url` goes through, redacted for messages.
    pub fn proxy_for(&self, url: &Url) -> Option<String> {
        self.proxies
            .as_ref()
            .and_then(|p| p.proxy_for(url))
            .map(|u| redact_url(u.as_str()))
    }

    /// Turns a reqwest error into a message naming `shown` (the URL as it
    /// may be displayed) with advice.
    pub(crate) fn send_error(&self, err: reqwest::Error, url: &Url, shown: &str) -> NetError {
        let proxy = self.proxy_for(url);
        let mut detail = chain(&err);
        if let Some(p) = &self.proxies {
            for secret in p.secrets() {
                detail = detail.replace(&secret, "***");
            }
        }
        let lower = detail.to_ascii_lowercase();
        let shown = shown.to_owned();
        if err.is_timeout() {
            NetError::Timeout {
                url: shown,
                proxy,
                detail,
            }
        } else if lower.contains("certificate") || lower.contains("handshake") {
            NetError::Tls {
                url: shown,
                proxy,
                detail,
                hint: "the server's certificate is not trusted; if this network uses a \
                       TLS-inspecting proxy, install its CA certificate into the operating \
                       system (copy it to /usr/local/share/ca-certificates/ and run \
                       update-ca-certificates); also check the system clock",
            }
        } else if err.is_connect() || err.is_request() {
            let hint = if proxy.is_none() {
                "is this machine allowed to reach the internet? set HTTPS_PROXY (and HTTP_PROXY) if you use a proxy"
            } else if lower.contains("407") || lower.contains("auth") {
                "the proxy requires authentication; put the credentials into the proxy URL (http://user:password@proxy:port)"
            } else {
                "check that the proxy is running and reachable, or list this host in NO_PROXY"
            };
            NetError::Connect {
                url: shown,
                proxy,
                detail,
                hint,
            }
        } else {
            NetError::BadResponse { url: shown, detail }
        }
    }
}

/// The messages of an error's causes, joined (the URL left out: callers
/// show their own, redacted).
pub(crate) fn chain(err: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    if parts.is_empty() {
        parts.push(err.to_string());
    }
    parts.join(": ")
}

fn tls_config() -> Result<rustls::ClientConfig, NetError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        tracing::warn!(%error, "could not load some system root certificates");
    }
    let (added, ignored) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        tracing::warn!(
            "no system root certificates found; HTTPS will fail (install the ca-certificates package)"
        );
    } else {
        tracing::debug!(added, ignored, "loaded system root certificates");
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| NetError::Config(format!("TLS setup failed: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
