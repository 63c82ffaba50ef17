//! Evidence on a form: linking a record, uploading a file, taking evidence off, serving a file.

use axum::Form as PostForm;
use axum::extract::{Multipart, Path};
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

use super::form_pages::{ItemTrouble, anchor_of, form_page};
use super::pages::messages;
use super::store::ChecklistError;
use crate::kernel::PageResult;
use crate::kernel::upload::read_upload;
use crate::web::Hall;

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct LinkForm {
    item: String,
    table: String,
    reference: String,
}

pub(super) async fn link_record(
    Hall(state, c): Hall,
    Path(id): Path<i64>,
    PostForm(form): PostForm<LinkForm>,
) -> PageResult {
    Ok(
        match super::evidence::link_record(
            &state.db,
            &c.actor(),
            id,
            &form.item,
            &form.table,
            &form.reference,
        )
        .await
        {
            Ok(()) => Redirect::to(&anchor_of(&state, &c, id, &form.item).await).into_response(),
            Err(ChecklistError::Rejected(problems)) => {
                let message = messages(&c, &problems);
                form_page(
                    &state,
                    &c,
                    id,
                    Some(ItemTrouble::Evidence(form.item, message)),
                )
                .await?
            }
            Err(e) => return Err(e.into()),
        },
    )
}

pub(super) async fn upload(
    Hall(state, c): Hall,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> PageResult {
    let upload = read_upload(
        &mut multipart,
        &state.upload_dir(),
        "file",
        "file",
        super::evidence::MAX_FILE_BYTES,
    )
    .await?;
    let too_large = upload.too_large;
    let item = upload.field("item").unwrap_or_default().to_string();
    let file = upload.file;
    let item = item.trim().to_string();
    let refused = |key: &str| {
        form_page(
            &state,
            &c,
            id,
            Some(ItemTrouble::Evidence(item.clone(), c.t(key))),
        )
    };
    if too_large {
        return refused("checklist-file-too-large").await;
    }
    let Some(file) = file else {
        return refused("checklist-file-required").await;
    };
    let (name, bytes) = (&file.name, &file.bytes);
    Ok(
        match super::evidence::attach_file(&state.db, &c.actor(), id, &item, name, bytes).await {
            Ok(_) => Redirect::to(&anchor_of(&state, &c, id, &item).await).into_response(),
            Err(ChecklistError::Rejected(problems)) => {
                let key = problems
                    .first()
                    .map(|p| p.key)
                    .unwrap_or("checklist-file-type");
                refused(key).await?
            }
            Err(e) => return Err(e.into()),
        },
    )
}

pub(super) async fn remove_evidence(Hall(state, c): Hall, Path(id): Path<i64>) -> PageResult {
    Ok(
        match super::evidence::remove_evidence(&state.db, &c.actor(), id).await {
            Ok(form_id) => Redirect::to(&format!("/checklist/forms/{form_id}")).into_response(),
            Err(e) => return Err(e.into()),
        },
    )
}

/// `filename*=` in RFC 5987 form, so Japanese names survive the download.
pub(super) fn disposition(kind: &str, name: &str) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let ascii: String = name
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ".-_".contains(ch) {
                ch
            } else {
                '_'
            }
        })
        .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

pub(super) async fn file(Hall(state, c): Hall, Path(id): Path<i64>) -> PageResult {
    Ok(
        match super::evidence::file(&state.db, &c.actor(), id).await {
            Ok((info, bytes)) => {
                let inline = info.is_image() || info.content_type == "application/pdf";
                (
                    [
                        (header::CONTENT_TYPE, info.content_type.clone()),
                        (
                            header::CONTENT_DISPOSITION,
                            disposition(if inline { "inline" } else { "attachment" }, &info.name),
                        ),
                        (header::CACHE_CONTROL, "private, no-store".to_string()),
                    ],
                    bytes,
                )
                    .into_response()
            }
            Err(e) => return Err(e.into()),
        },
    )
}
