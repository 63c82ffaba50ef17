//! Server settings: defaults that just work, then `mamori.toml`, then `MAMORI_*` environment
//! variables and command-line flags (clap merges those two, flags winning).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "mamori-data";
pub const CONFIG_FILE: &str = "mamori.toml";

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub session_idle_minutes: i64,
    pub session_absolute_hours: i64,
    pub alerts: AlertSettings,
    pub feeds: FeedSettings,
}

/// Where vulnerability alerts go besides the in-app list (`[alerts]` in mamori.toml). All
/// optional: without them alerts stay in mamori. The SMTP password may instead come from the
/// environment variable MAMORI_SMTP_PASSWORD, so it need not sit in a file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertSettings {
    #[serde(default)]
    pub email_to: Vec<String>,
    #[serde(default)]
    pub email_from: String,
    #[serde(default)]
    pub smtp_host: String,
    pub smtp_port: Option<u16>,
    /// "starttls" (default), "tls" or "none".
    #[serde(default)]
    pub smtp_security: String,
    #[serde(default)]
    pub smtp_username: String,
    #[serde(default)]
    pub smtp_password: String,
    /// A URL that receives each batch of alerts as a JSON POST.
    #[serde(default)]
    pub webhook_url: String,
}

impl AlertSettings {
    pub fn email_enabled(&self) -> bool {
        !self.smtp_host.is_empty() && !self.email_to.is_empty()
    }

    fn check(&self) -> Result<(), ConfigError> {
        if !matches!(
            self.smtp_security.as_str(),
            "" | "starttls" | "tls" | "none"
        ) {
            return Err(bad(
                "alerts.smtp_security",
                "must be \"starttls\", \"tls\" or \"none\"",
            ));
        }
        if !self.email_to.is_empty() && self.smtp_host.is_empty() {
            return Err(bad(
                "alerts.smtp_host",
                "email_to is set, so an SMTP server is needed",
            ));
        }
        if self.email_enabled() && self.email_from.is_empty() {
            return Err(bad(
                "alerts.email_from",
                "the sender address is needed to send e-mail",
            ));
        }
        let url = &self.webhook_url;
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            return Err(bad(
                "alerts.webhook_url",
                "must start with https:// or http://",
            ));
        }
        Ok(())
    }
}

/// Where `mamori feeds update` downloads from (`[feeds]` in mamori.toml). The defaults are the
/// official addresses; a hospital may point them at a mirror on its own network. The NVD API key
/// is optional (it only raises NVD's rate limit) and may instead come from the environment
/// variable MAMORI_NVD_API_KEY, so it need not sit in a file.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedSettings {
    /// The CISA KEV catalog (JSON or CSV).
    pub kev_url: String,
    /// The NVD CVE API 2.0 endpoint.
    pub nvd_url: String,
    /// The MyJVN API endpoint; mamori adds the query (getVulnOverviewList).
    pub jvn_url: String,
    pub nvd_api_key: String,
}

impl Default for FeedSettings {
    fn default() -> Self {
        FeedSettings {
            kev_url: crate::vuln::update::KEV_URL.to_string(),
            nvd_url: crate::vuln::update::NVD_URL.to_string(),
            jvn_url: crate::vuln::update::JVN_URL.to_string(),
            nvd_api_key: String::new(),
        }
    }
}

// By hand, so that the API key never reaches a log line or an error.
impl std::fmt::Debug for FeedSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedSettings")
            .field("kev_url", &mamori_net::redact_url(&self.kev_url))
            .field("nvd_url", &mamori_net::redact_url(&self.nvd_url))
            .field("jvn_url", &mamori_net::redact_url(&self.jvn_url))
            .field(
                "nvd_api_key",
                &if self.nvd_api_key.is_empty() {
                    ""
                } else {
                    "***"
                },
            )
            .finish()
    }
}

impl FeedSettings {
    fn check(&self) -> Result<(), ConfigError> {
        for (setting, url) in [
            ("feeds.kev_url", &self.kev_url),
            ("feeds.nvd_url", &self.nvd_url),
            ("feeds.jvn_url", &self.jvn_url),
        ] {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(bad(setting, "must start with https:// or http://"));
            }
        }
        Ok(())
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            database_url: None,
            tls_cert: None,
            tls_key: None,
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            alerts: AlertSettings::default(),
            feeds: FeedSettings::default(),
        }
    }
}

/// The settings `mamori.toml` may hold. Unknown keys are errors, so a typo is not silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data: Option<PathBuf>,
    pub database_url: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub session_idle_minutes: Option<i64>,
    pub session_absolute_hours: Option<i64>,
    pub alerts: Option<AlertSettings>,
    pub feeds: Option<FeedSettings>,
}

/// Values given as flags or environment variables; `None` means "not given".
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data: Option<PathBuf>,
    pub database_url: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
}

/// One line saying which setting is wrong and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("setting `{setting}`: {reason}")]
pub struct ConfigError {
    pub setting: String,
    pub reason: String,
}

fn bad(setting: &str, reason: impl Into<String>) -> ConfigError {
    ConfigError {
        setting: setting.to_string(),
        reason: reason.into(),
    }
}

impl FileConfig {
    /// Reads the file if it exists. `explicit` is true when the user named the file, in which
    /// case a missing file is an error.
    pub fn load(path: &Path, explicit: bool) -> Result<FileConfig, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
                return Ok(FileConfig::default());
            }
            Err(e) => {
                return Err(bad(
                    "config",
                    format!("cannot read {}: {e}", path.display()),
                ));
            }
        };
        toml::from_str(&text).map_err(|e| {
            let reason = e.message().to_string();
            bad("config", format!("{}: {reason}", path.display()))
        })
    }
}

impl Config {
    pub fn resolve(file: FileConfig, flags: Overrides) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        if let Some(listen) = file.listen {
            config.listen = listen.parse().map_err(|_| {
                bad(
                    "listen",
                    format!("`{listen}` is not an address with a port, such as {DEFAULT_LISTEN}"),
                )
            })?;
        }
        if let Some(data) = file.data {
            config.data_dir = data;
        }
        config.database_url = file.database_url;
        config.tls_cert = file.tls_cert;
        config.tls_key = file.tls_key;
        if let Some(alerts) = file.alerts {
            alerts.check()?;
            config.alerts = alerts;
        }
        if let Some(feeds) = file.feeds {
            feeds.check()?;
            config.feeds = feeds;
        }
        if let Ok(key) = std::env::var("MAMORI_NVD_API_KEY")
            && !key.trim().is_empty()
        {
            config.feeds.nvd_api_key = key.trim().to_string();
        }
        if let Ok(password) = std::env::var("MAMORI_SMTP_PASSWORD")
            && !password.is_empty()
        {
            config.alerts.smtp_password = password;
        }
        if let Some(m) = file.session_idle_minutes {
            if !(1..=1440).contains(&m) {
                return Err(bad("session_idle_minutes", "must be between 1 and 1440"));
            }
            config.session_idle_minutes = m;
        }
        if let Some(h) = file.session_absolute_hours {
            if !(1..=72).contains(&h) {
                return Err(bad("session_absolute_hours", "must be between 1 and 72"));
            }
            config.session_absolute_hours = h;
        }
        if let Some(listen) = flags.listen {
            config.listen = listen;
        }
        if let Some(data) = flags.data {
            config.data_dir = data;
        }
        if flags.database_url.is_some() {
            config.database_url = flags.database_url;
        }
        if flags.tls_cert.is_some() {
            config.tls_cert = flags.tls_cert;
        }
        if flags.tls_key.is_some() {
            config.tls_key = flags.tls_key;
        }
        if let Some(url) = &config.database_url
            && crate::db::backend_of(url).is_none()
        {
            return Err(bad(
                "database-url",
                "must start with sqlite:// or postgres:// (for example postgres://mamori@localhost/mamori)",
            ));
        }
        match (&config.tls_cert, &config.tls_key) {
            (Some(_), None) => return Err(bad("tls-key", "--tls-cert needs --tls-key too")),
            (None, Some(_)) => return Err(bad("tls-cert", "--tls-key needs --tls-cert too")),
            (Some(cert), Some(key)) => {
                for (name, path) in [("tls-cert", cert), ("tls-key", key)] {
                    if !path.is_file() {
                        return Err(bad(
                            name,
                            format!("{} is not a readable file", path.display()),
                        ));
                    }
                }
            }
            (None, None) => {}
        }
        Ok(config)
    }

    pub fn database_url(&self) -> String {
        crate::db::database_url(&self.data_dir, self.database_url.as_deref())
    }

    pub fn tls(&self) -> bool {
        self.tls_cert.is_some()
    }

    /// Whether people on other machines could reach the server.
    pub fn listens_beyond_loopback(&self) -> bool {
        !self.listen.ip().is_loopback()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_file_and_defaults_apply() {
        let file: FileConfig =
            toml::from_str("listen = \"0.0.0.0:9000\"\nsession_idle_minutes = 15").expect("toml");
        let config = Config::resolve(
            file,
            Overrides {
                listen: Some(SocketAddr::from(([127, 0, 0, 1], 9100))),
                ..Default::default()
            },
        )
        .expect("valid");
        assert_eq!(config.listen.port(), 9100);
        assert_eq!(config.session_idle_minutes, 15);
        assert_eq!(config.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
        assert!(config.database_url().starts_with("sqlite://"));
    }

    #[test]
    fn bad_settings_name_the_setting() {
        let err = Config::resolve(
            FileConfig {
                listen: Some("everywhere".into()),
                ..Default::default()
            },
            Overrides::default(),
        )
        .expect_err("invalid");
        assert_eq!(err.setting, "listen");
        let err = toml::from_str::<FileConfig>("lisen = \"x\"").expect_err("unknown key");
        assert!(err.to_string().contains("lisen"), "{err}");
        let err = Config::resolve(
            FileConfig::default(),
            Overrides {
                database_url: Some("mysql://x".into()),
                ..Default::default()
            },
        )
        .expect_err("invalid");
        assert_eq!(err.setting, "database-url");
    }
}
