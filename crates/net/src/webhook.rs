//! Alerts by webhook: a JSON `POST`.

use reqwest::header::{CONTENT_TYPE, HeaderValue};

use crate::client::{Client, origin_only, parse_url};
use crate::error::{NetError, body_excerpt, status_hint};

/// POSTs `body` as `application/json; charset=utf-8` to `url` and returns
/// the HTTP status. A status outside 2xx is an error carrying the status and
/// the start of the response body. Redirects are not followed (a webhook
/// should be configured with its final address). Because webhook URLs often
/// hold a token in their path or query, messages and logs show only the
/// origin (`https://host:port/…`). The whole request must finish within the
/// client's timeout.
pub async fn post_json(
    client: &Client,
    url: &str,
    body: &serde_json::Value,
) -> Result<u16, NetError> {
    let parsed = parse_url(url)?;
    let shown = origin_only(&parsed);
    let payload = serde_json::to_vec(body)
        .map_err(|e| NetError::Config(format!("the webhook payload is not valid JSON: {e}")))?;
    let response = client
        .strict
        .post(parsed.clone())
        .header(
            CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        )
        .timeout(client.timeout)
        .body(payload)
        .send()
        .await
        .map_err(|e| client.send_error(e, &parsed, &shown))?;
    let status = response.status();
    tracing::debug!(url = %shown, %status, "webhook sent");
    if status.is_success() {
        return Ok(status.as_u16());
    }
    let body = response.bytes().await.unwrap_or_default();
    Err(NetError::Status {
        url: shown,
        status: status.as_u16(),
        excerpt: body_excerpt(&body),
        hint: status_hint(status.as_u16()),
    })
}
