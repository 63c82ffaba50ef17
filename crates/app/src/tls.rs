//! `mamori tls self-signed`: a certificate for a LAN host name, so the browser talks HTTPS.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot make the certificate: {0}")]
    Generate(String),
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("{0} already exists; remove it first or choose another folder")]
    Exists(String),
}

pub struct Made {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub sha256: String,
}

/// Writes `<host>.crt` and `<host>.key` (key readable by the owner only) into `dir`.
pub fn self_signed(host: &str, dir: &Path) -> Result<Made, TlsError> {
    let mut names = vec![host.to_string()];
    if host != "localhost" {
        names.push("localhost".to_string());
    }
    let certified =
        rcgen::generate_simple_self_signed(names).map_err(|e| TlsError::Generate(e.to_string()))?;
    let safe: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let cert = dir.join(format!("{safe}.crt"));
    let key = dir.join(format!("{safe}.key"));
    for path in [&cert, &key] {
        if path.exists() {
            return Err(TlsError::Exists(path.display().to_string()));
        }
    }
    let write = |path: &Path, text: &str, private: bool| -> Result<(), TlsError> {
        crate::kernel::files::private_dir(dir).map_err(|e| TlsError::Write {
            path: dir.display().to_string(),
            reason: e.to_string(),
        })?;
        std::fs::write(path, text).map_err(|e| TlsError::Write {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(
                |e| TlsError::Write {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                },
            )?;
        }
        #[cfg(not(unix))]
        let _ = private;
        Ok(())
    };
    write(&cert, &certified.cert.pem(), false)?;
    write(&key, &certified.signing_key.serialize_pem(), true)?;
    use sha2::Digest;
    let digest = sha2::Sha256::digest(certified.cert.der());
    let sha256 = digest
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    Ok(Made { cert, key, sha256 })
}
