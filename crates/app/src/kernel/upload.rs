//! Reading one uploaded file (and the small text fields around it) from a multipart form. The
//! file is read in chunks against the caller's limit, so an oversized upload is refused without
//! holding all of it; the hall's body limit bounds the whole request before this runs.

use axum::extract::Multipart;

/// Text fields beside the file are short (a kind, an item number, a checkbox).
const FIELD_LIMIT: usize = 4 * 1024;

#[derive(Debug, Default)]
pub struct Upload {
    /// The file's name as sent by the browser, and its bytes; `None` when no file part came.
    pub file: Option<(String, Vec<u8>)>,
    /// The other fields, by name, in the order sent.
    pub fields: Vec<(String, String)>,
    /// The file passed the limit: reading stopped there, and `file` is `None`. Fields sent
    /// before the file are kept, so the page can show the refusal in its place.
    pub too_large: bool,
}

impl Upload {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The file, unless it is missing or empty.
    pub fn non_empty_file(self) -> Option<(String, Vec<u8>)> {
        self.file.filter(|(_, bytes)| !bytes.is_empty())
    }
}

/// The upload was cut off or malformed.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UploadError(String);

/// Reads the part named `file_field` as the file (named `default_name` when the browser gives no
/// name) and every other part as a short text field.
pub async fn read_upload(
    multipart: &mut Multipart,
    file_field: &str,
    default_name: &str,
    limit: usize,
) -> Result<Upload, UploadError> {
    let broken = |e: axum::extract::multipart::MultipartError| UploadError(e.to_string());
    let mut upload = Upload::default();
    while let Some(mut field) = multipart.next_field().await.map_err(broken)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == file_field {
            let file_name = field
                .file_name()
                .filter(|n| !n.is_empty())
                .unwrap_or(default_name)
                .to_string();
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(broken)? {
                if bytes.len() + chunk.len() > limit {
                    upload.too_large = true;
                    return Ok(upload);
                }
                bytes.extend_from_slice(&chunk);
            }
            upload.file = Some((file_name, bytes));
        } else {
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(broken)? {
                if text.len() + chunk.len() > FIELD_LIMIT {
                    return Err(UploadError(format!("field {name} is too long")));
                }
                text.extend_from_slice(&chunk);
            }
            upload
                .fields
                .push((name, String::from_utf8_lossy(&text).into_owned()));
        }
    }
    Ok(upload)
}
