//! Reading one uploaded file (and the small text fields around it) from a multipart form. The
//! file is streamed to a private temporary file while it arrives (a slow upload holds no memory),
//! against the caller's limit, so an oversized upload is refused without holding any of it. Only
//! once it has arrived whole is it read into memory for the room to parse, and only a few uploads
//! at a time: the others wait their turn (see [`UploadedFile`]).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use axum::extract::Multipart;

/// Text fields beside the file are short (a kind, an item number, a checkbox).
const FIELD_LIMIT: usize = 4 * 1024;
/// Uploads held in memory at once, being parsed; the rest wait on disk.
const IN_MEMORY_AT_ONCE: usize = 2;
/// How long an upload waits for its turn before the visitor is told the server is busy.
const TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

#[derive(Debug, Default)]
pub struct Upload {
    /// The file, once it has arrived whole; `None` when no file part came.
    pub file: Option<UploadedFile>,
    /// The other fields, by name, in the order sent.
    pub fields: Vec<(String, String)>,
    /// The file passed the limit: reading stopped there, and `file` is `None`. Fields sent
    /// before the file are kept, so the page can show the refusal in its place.
    pub too_large: bool,
}

/// An uploaded file in memory. While it lives it holds one of the few turns for uploads in
/// memory, so keep it (not only its bytes) until the room is done with them.
#[derive(Debug)]
pub struct UploadedFile {
    /// The file's name as sent by the browser.
    pub name: String,
    pub bytes: Vec<u8>,
    _turn: tokio::sync::OwnedSemaphorePermit,
}

impl Upload {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The file, unless it is missing or empty.
    pub fn non_empty_file(self) -> Option<UploadedFile> {
        self.file.filter(|f| !f.bytes.is_empty())
    }
}

/// The upload was cut off or malformed, or the server is too busy to take it now.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UploadError {
    pub message: String,
    /// Other uploads held it up past its wait: nothing is wrong with it.
    pub busy: bool,
}

impl UploadError {
    fn new(message: impl Into<String>) -> UploadError {
        UploadError {
            message: message.into(),
            busy: false,
        }
    }
}

/// A private temporary file, removed when dropped.
struct Spool {
    path: PathBuf,
    file: std::fs::File,
}

impl Spool {
    fn create(dir: &Path) -> std::io::Result<Spool> {
        crate::kernel::files::private_dir(dir)?;
        let mut name = [0u8; 12];
        crate::auth::secrets::fill_random(&mut name);
        let path = dir.join(format!(
            "upload-{}.part",
            data_encoding::HEXLOWER.encode(&name)
        ));
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path)?;
        Ok(Spool { path, file })
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn turns() -> std::sync::Arc<tokio::sync::Semaphore> {
    static TURNS: std::sync::OnceLock<std::sync::Arc<tokio::sync::Semaphore>> =
        std::sync::OnceLock::new();
    TURNS
        .get_or_init(|| std::sync::Arc::new(tokio::sync::Semaphore::new(IN_MEMORY_AT_ONCE)))
        .clone()
}

/// Reads the part named `file_field` as the file (named `default_name` when the browser gives no
/// name), spooling it in `spool_dir`, and every other part as a short text field.
pub async fn read_upload(
    multipart: &mut Multipart,
    spool_dir: &Path,
    file_field: &str,
    default_name: &str,
    limit: usize,
) -> Result<Upload, UploadError> {
    let broken = |e: axum::extract::multipart::MultipartError| UploadError::new(e.to_string());
    let disk = |e: std::io::Error| UploadError::new(format!("cannot keep the upload: {e}"));
    let mut upload = Upload::default();
    let mut spooled: Option<(String, Spool, usize)> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == file_field {
            let file_name = field
                .file_name()
                .filter(|n| !n.is_empty())
                .unwrap_or(default_name)
                .to_string();
            let mut spool = Spool::create(spool_dir).map_err(disk)?;
            let mut size = 0usize;
            while let Some(chunk) = field.chunk().await.map_err(broken)? {
                if size + chunk.len() > limit {
                    upload.too_large = true;
                    return Ok(upload);
                }
                size += chunk.len();
                spool.file.write_all(&chunk).map_err(disk)?;
            }
            spooled = Some((file_name, spool, size));
        } else {
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(broken)? {
                if text.len() + chunk.len() > FIELD_LIMIT {
                    return Err(UploadError::new(format!("field {name} is too long")));
                }
                text.extend_from_slice(&chunk);
            }
            upload
                .fields
                .push((name, String::from_utf8_lossy(&text).into_owned()));
        }
    }
    if let Some((name, mut spool, size)) = spooled {
        let turn = tokio::time::timeout(TURN_WAIT, turns().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or(UploadError {
                message: "the server is busy with other uploads; try again".into(),
                busy: true,
            })?;
        let bytes = tokio::task::spawn_blocking(move || {
            use std::io::Seek;
            let mut bytes = Vec::with_capacity(size);
            spool.file.seek(std::io::SeekFrom::Start(0))?;
            spool.file.read_to_end(&mut bytes)?;
            Ok::<_, std::io::Error>(bytes)
        })
        .await
        .map_err(|e| UploadError::new(e.to_string()))?
        .map_err(disk)?;
        upload.file = Some(UploadedFile {
            name,
            bytes,
            _turn: turn,
        });
    }
    Ok(upload)
}
