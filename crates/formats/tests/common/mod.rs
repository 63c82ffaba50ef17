//! Helpers shared by the integration tests.

use std::path::PathBuf;

/// The shared data folder, or None (skipping, with a message) when it is absent outside CI.
pub fn shared(sub: &str) -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(sub);
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but {} is missing", dir.display());
    }
    eprintln!(
        "SKIPPED: {} is absent (the shared data folder sits beside the project)",
        dir.display()
    );
    None
}
