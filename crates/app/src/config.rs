//! Server settings: defaults that just work, then `mamori.toml`, then `MAMORI_*` environment
//! variables and command-line flags (clap merges those two, flags winning).

use std::any::Any;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// Host names the server answers to besides IP addresses and `localhost` (DNS rebinding:
    /// a page elsewhere must not reach mamori under a name of its own).
    pub hostnames: Vec<String>,
    /// Administrators must enrol two-factor authentication before anything else (default on;
    /// `admin_two_factor = false` only for a test installation).
    pub admin_two_factor: bool,
    /// The rooms' sections, by key.
    pub sections: Vec<(&'static str, Arc<dyn RoomSettings>)>,
}

/// A room's section of `mamori.toml` (`[alerts]`, `[feeds]`…), registered in the room list.
pub struct SettingsSection {
    pub key: &'static str,
    /// Reads the section (`None` when the file has none: the defaults), checks it, and applies
    /// the room's environment variables.
    pub parse: ParseSection,
}

pub type ParseSection = fn(Option<toml::Value>) -> Result<Arc<dyn RoomSettings>, ConfigError>;

/// A room's typed settings, kept in [`Config`] and found again by their type.
pub trait RoomSettings: Any + std::fmt::Debug + Send + Sync {
    fn as_any(&self) -> &dyn Any;
}

impl<T: Any + std::fmt::Debug + Send + Sync> RoomSettings for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Reads a section into the room's settings type, naming the section in the error.
pub fn section_from<T: serde::de::DeserializeOwned + Default>(
    key: &str,
    value: Option<toml::Value>,
) -> Result<T, ConfigError> {
    match value {
        None => Ok(T::default()),
        Some(value) => value
            .try_into()
            .map_err(|e: toml::de::Error| bad(key, e.message().to_string())),
    }
}

/// Every room's settings sections.
fn sections() -> impl Iterator<Item = &'static SettingsSection> {
    crate::rooms::ROOMS
        .iter()
        .flat_map(|room| room.settings.iter())
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
            hostnames: Vec::new(),
            admin_two_factor: true,
            sections: sections()
                .filter_map(|s| (s.parse)(None).ok().map(|v| (s.key, v)))
                .collect(),
        }
    }
}

/// The settings `mamori.toml` may hold. Unknown keys are errors, so a typo is not silently
/// ignored: the top-level ones by serde, the rest when resolving (they must be rooms' sections).
#[derive(Debug, Default, Deserialize)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data: Option<PathBuf>,
    pub database_url: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub session_idle_minutes: Option<i64>,
    pub session_absolute_hours: Option<i64>,
    pub hostnames: Option<Vec<String>>,
    pub admin_two_factor: Option<bool>,
    /// The rooms' sections (`[alerts]`, `[feeds]`…) and anything unknown.
    #[serde(flatten)]
    pub sections: BTreeMap<String, toml::Value>,
}

/// Values given as flags or environment variables; `None` means "not given".
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub data: Option<PathBuf>,
    pub database_url: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub hostnames: Option<Vec<String>>,
}

/// One line saying which setting is wrong and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("setting `{setting}`: {reason}")]
pub struct ConfigError {
    pub setting: String,
    pub reason: String,
}

pub fn bad(setting: &str, reason: impl Into<String>) -> ConfigError {
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
        let mut given = file.sections;
        config.sections = sections()
            .map(|s| (s.parse)(given.remove(s.key)).map(|v| (s.key, v)))
            .collect::<Result<_, _>>()?;
        if let Some(unknown) = given.keys().next() {
            return Err(bad(
                unknown,
                "unknown setting; see the README for the settings",
            ));
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
        if let Some(names) = file.hostnames {
            config.hostnames = names;
        }
        if let Some(required) = file.admin_two_factor {
            config.admin_two_factor = required;
        }
        if let Ok(text) = std::env::var("MAMORI_ADMIN_TWO_FACTOR") {
            config.admin_two_factor = match text.trim() {
                "true" | "1" | "yes" => true,
                "false" | "0" | "no" => false,
                other => {
                    return Err(bad(
                        "MAMORI_ADMIN_TWO_FACTOR",
                        format!("`{other}` is not true or false"),
                    ));
                }
            };
        }
        if let Some(names) = flags.hostnames {
            config.hostnames = names;
        }
        for name in &mut config.hostnames {
            *name = name.trim().trim_end_matches('.').to_ascii_lowercase();
            let plain = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
            if !plain {
                return Err(bad(
                    "hostnames",
                    format!(
                        "`{name}` is not a host name such as mamori.hospital.local (no port, no scheme)"
                    ),
                ));
            }
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

    /// A room's settings, by their type.
    pub fn section<T: Any>(&self) -> Option<&T> {
        self.sections
            .iter()
            .find_map(|(_, v)| v.as_ref().as_any().downcast_ref::<T>())
    }

    pub fn database_url(&self) -> String {
        crate::db::database_url(&self.data_dir, self.database_url.as_deref())
    }

    pub fn tls(&self) -> bool {
        self.tls_cert.is_some()
    }

    /// Whether a request's `Host` (name or address, with or without a port) is one this server
    /// answers to: an IP address, `localhost`, or one of [`Config::hostnames`].
    pub fn answers_to(&self, host: &str) -> bool {
        let name = match host.strip_prefix('[') {
            // [::1]:8080
            Some(rest) => {
                return rest
                    .split(']')
                    .next()
                    .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok());
            }
            None => host.rsplit_once(':').map_or(host, |(name, port)| {
                if port.chars().all(|c| c.is_ascii_digit()) {
                    name
                } else {
                    host
                }
            }),
        };
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        name.parse::<std::net::IpAddr>().is_ok()
            || name == "localhost"
            || self.hostnames.contains(&name)
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
    fn the_server_answers_to_addresses_localhost_and_its_names() {
        let config = Config {
            hostnames: vec!["mamori.hospital.local".into()],
            ..Config::default()
        };
        for host in [
            "127.0.0.1:8080",
            "192.168.10.5",
            "[::1]:8443",
            "localhost:8080",
            "LOCALHOST",
            "mamori.hospital.local:8443",
            "Mamori.Hospital.Local.",
        ] {
            assert!(config.answers_to(host), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:8080",
            "mamori.hospital.local.evil.example",
            "[evil]:80",
        ] {
            assert!(!config.answers_to(host), "{host}");
        }
    }

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
        let file = toml::from_str::<FileConfig>("lisen = \"x\"").expect("toml");
        let err = Config::resolve(file, Overrides::default()).expect_err("unknown key");
        assert_eq!(err.setting, "lisen");
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
