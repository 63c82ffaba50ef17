//! Running nmap from mamori (`mamori discover 192.168.10.0/24`, or the button on the discovery
//! page): the range is checked, the exact command is shown before it runs, it runs without a
//! shell and is killed at the time limit, and its XML output is recorded like an uploaded scan.

use std::path::PathBuf;
use std::time::Duration;

use super::model::Cidr;

/// The largest range one run may scan: a /16 is already 65,536 addresses.
const SMALLEST_PREFIX_V4: u8 = 16;
const SMALLEST_PREFIX_V6: u8 = 112;
/// How long a run from the web page may take before it is stopped.
pub const WEB_TIME_LIMIT: Duration = Duration::from_secs(300);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RunError {
    #[error("{0:?} is not an address range such as 192.168.10.0/24")]
    NotARange(String),
    #[error("{0} is too large to scan at once; scan /{SMALLEST_PREFIX_V4} or smaller ranges")]
    TooLarge(String),
    #[error("nmap is not installed on this server (Debian: apt-get install nmap)")]
    NotInstalled,
    #[error("nmap did not finish within {0} seconds and was stopped; scan a smaller range")]
    TimedOut(u64),
    #[error("nmap failed: {0}")]
    Failed(String),
}

/// Checks a range typed by a person; returns it normalised (`192.168.10.7/24` → `192.168.10.0/24`).
pub fn check_range(text: &str) -> Result<Cidr, RunError> {
    let text = text.trim();
    let cidr = Cidr::parse(text).ok_or_else(|| RunError::NotARange(text.to_string()))?;
    let smallest = if cidr.network.is_ipv4() {
        SMALLEST_PREFIX_V4
    } else {
        SMALLEST_PREFIX_V6
    };
    if cidr.prefix < smallest {
        return Err(RunError::TooLarge(cidr.to_string()));
    }
    Ok(cidr)
}

/// Whether this process may use nmap's OS detection (`-O` needs root).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|euid| euid == "0"))
        })
        .unwrap_or(false)
}

/// The command's arguments, as shown to the person and as run.
pub fn command(range: &Cidr) -> Vec<String> {
    let mut args: Vec<String> = vec!["nmap".into(), "-sV".into()];
    if is_root() {
        args.push("-O".into());
    }
    if range.network.is_ipv6() {
        args.push("-6".into());
    }
    args.extend(["-oX".into(), "-".into(), range.to_string()]);
    args
}

pub fn command_line(range: &Cidr) -> String {
    command(range).join(" ")
}

/// Where nmap is, if installed.
pub fn nmap_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("nmap"))
        .find(|candidate| candidate.is_file())
}

/// Runs the scan and returns nmap's XML.
pub async fn run(range: &Cidr, limit: Duration) -> Result<Vec<u8>, RunError> {
    let program = nmap_path().ok_or(RunError::NotInstalled)?;
    let args = command(range);
    let child = tokio::process::Command::new(program)
        .args(&args[1..])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| RunError::Failed(e.to_string()))?;
    let output = tokio::time::timeout(limit, child.wait_with_output())
        .await
        .map_err(|_| RunError::TimedOut(limit.as_secs()))?
        .map_err(|e| RunError::Failed(e.to_string()))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        return Err(RunError::Failed(
            said.lines()
                .last()
                .unwrap_or("no message")
                .trim()
                .to_string(),
        ));
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked() {
        assert_eq!(
            check_range(" 192.168.10.7/24 ").map(|c| c.to_string()),
            Ok("192.168.10.0/24".to_string())
        );
        assert_eq!(
            check_range("10.0.0.1").map(|c| c.to_string()),
            Ok("10.0.0.1/32".to_string())
        );
        assert!(matches!(
            check_range("10.0.0.0/8"),
            Err(RunError::TooLarge(_))
        ));
        for bad in [
            "",
            "192.168.10.0/24; rm -rf /",
            "-oN /etc/passwd",
            "example.com",
        ] {
            assert!(
                matches!(check_range(bad), Err(RunError::NotARange(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_command_ends_with_the_range_and_writes_xml() {
        let range = check_range("192.168.10.0/24").expect("range");
        let args = command(&range);
        assert_eq!(args[0], "nmap");
        assert!(args.contains(&"-sV".to_string()));
        assert_eq!(&args[args.len() - 3..], ["-oX", "-", "192.168.10.0/24"]);
    }
}
