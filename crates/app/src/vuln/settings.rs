//! The vulnerability room's settings: `[alerts]` (where alerts go besides the in-app list) and
//! `[feeds]` (where `mamori feeds update` downloads from).

use std::sync::Arc;

use serde::Deserialize;

use crate::config::{Config, ConfigError, RoomSettings, SettingsSection, bad, section_from};

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

    pub(crate) fn check(&self) -> Result<(), ConfigError> {
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
            kev_url: super::update::KEV_URL.to_string(),
            nvd_url: super::update::NVD_URL.to_string(),
            jvn_url: super::update::JVN_URL.to_string(),
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
    pub(crate) fn check(&self) -> Result<(), ConfigError> {
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

pub static SECTIONS: [SettingsSection; 2] = [
    SettingsSection {
        key: "alerts",
        parse: |value| {
            let mut alerts: AlertSettings = section_from("alerts", value)?;
            alerts.check()?;
            if let Ok(password) = std::env::var("MAMORI_SMTP_PASSWORD")
                && !password.is_empty()
            {
                alerts.smtp_password = password;
            }
            Ok(Arc::new(alerts) as Arc<dyn RoomSettings>)
        },
    },
    SettingsSection {
        key: "feeds",
        parse: |value| {
            let mut feeds: FeedSettings = section_from("feeds", value)?;
            feeds.check()?;
            if let Ok(key) = std::env::var("MAMORI_NVD_API_KEY")
                && !key.trim().is_empty()
            {
                feeds.nvd_api_key = key.trim().to_string();
            }
            Ok(Arc::new(feeds) as Arc<dyn RoomSettings>)
        },
    },
];

/// The `[alerts]` in force.
pub fn alerts(config: &Config) -> AlertSettings {
    config
        .section::<AlertSettings>()
        .cloned()
        .unwrap_or_default()
}

/// The `[feeds]` in force.
pub fn feeds(config: &Config) -> FeedSettings {
    config
        .section::<FeedSettings>()
        .cloned()
        .unwrap_or_default()
}
