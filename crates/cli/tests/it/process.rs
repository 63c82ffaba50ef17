//! Running the mamori binary headlessly and reading a process's memory. Shared by the tests and
//! the benchmarks (which include this file by its path).

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_mamori");

/// A figure of `/proc/PID/status` in KiB: `VmHWM` (peak resident), `VmRSS` (resident now).
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| {
            l.strip_prefix(field)
                .is_some_and(|rest| rest.starts_with(':'))
        })?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// mamori in `dir` (its default data folder), untouched by the settings of the shell running
/// the tests.
pub fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .args(args)
        .env_remove("MAMORI_DATABASE_URL")
        .env_remove("MAMORI_DATA")
        .env_remove("MAMORI_LISTEN");
    command
}

/// mamori started in `dir` with its output piped to the caller.
pub fn spawn_piped(dir: &Path, args: &[&str]) -> std::process::Child {
    command(dir, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs mamori in `dir` (its default data folder) with `input` on standard input.
pub fn mamori_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut child = command(dir, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Sets up the data folder in `dir` with a facility and its first administrator, `admin`.
pub fn add_admin(dir: &Path, facility: &str) -> Output {
    mamori_stdin(
        dir,
        &[
            "user",
            "add",
            "--login",
            "admin",
            "--name",
            "管理者",
            "--role",
            "admin",
            "--facility-name",
            facility,
            "--password-stdin",
        ],
        "correct-horse-battery-staple\n",
    )
}
