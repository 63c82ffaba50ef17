//! CPE names suggested for a device from its メーカー, 型番 and OS, out of the product names
//! loaded from the CPE dictionary and NVD. A person confirms each before it is used.

use std::sync::{Arc, Mutex};

use mamori_formats::cpe_suggest::{Catalogue, Device, Product};

use super::store::VulnError;
use crate::db::Db;
use crate::ledger::api::Record;

#[derive(Debug, Clone)]
pub struct Suggested {
    pub cpe23: String,
    pub title: String,
    pub score_percent: u32,
    pub why: String,
    /// The device names it already.
    pub already: bool,
}

/// Moves (in `meta`) every time product names are imported.
pub const PRODUCTS_STAMP: &str = "vuln_products_stamp";

/// Which loaded products a built catalogue is of: the database, and its products' stamp.
type CatalogueKey = (String, String);

/// The catalogue is built once per set of loaded products (tens of thousands of names), per
/// database (tests open several in one process).
static CATALOGUE: Mutex<Vec<(CatalogueKey, Arc<Catalogue>)>> = Mutex::new(Vec::new());

async fn catalogue(db: &Db) -> Result<Option<Arc<Catalogue>>, VulnError> {
    let stamp = match crate::db::meta::get(db, PRODUCTS_STAMP).await? {
        Some(stamp) => stamp,
        // Products loaded before the stamp existed: known by their number until the next import.
        None => {
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM vuln_products")
                .fetch_one(db.pool())
                .await?;
            if count == 0 {
                return Ok(None);
            }
            format!("rows:{count}")
        }
    };
    let key: CatalogueKey = (db.target().to_string(), stamp);
    if let Ok(guard) = CATALOGUE.lock()
        && let Some((_, cat)) = guard.iter().find(|(k, _)| *k == key)
    {
        return Ok(Some(cat.clone()));
    }
    let rows: Vec<(String, String, String, String, String)> =
        sqlx::query_as("SELECT part, vendor, product, title, title_ja FROM vuln_products")
            .fetch_all(db.pool())
            .await?;
    let products: Vec<Product> = rows
        .into_iter()
        .filter_map(|(part, vendor, product, title, title_ja)| {
            Some(Product {
                part: part.chars().next()?,
                vendor,
                product,
                title: if title.is_empty() { title_ja } else { title },
            })
        })
        .collect();
    let built = Arc::new(
        tokio::task::spawn_blocking(move || Catalogue::new(products))
            .await
            .map_err(|e| VulnError::Internal(e.to_string()))?,
    );
    if built.is_empty() {
        return Ok(None);
    }
    if let Ok(mut guard) = CATALOGUE.lock() {
        guard.retain(|(k, _)| k.0 != key.0);
        guard.push((key, built.clone()));
    }
    Ok(Some(built))
}

/// Up to eight suggestions, best first, and whether any product names are loaded at all.
pub async fn for_device(db: &Db, device: &Record) -> Result<(Vec<Suggested>, bool), VulnError> {
    let Some(catalogue) = catalogue(db).await? else {
        return Ok((Vec::new(), false));
    };
    let has: Vec<String> = device
        .get("cpes")
        .split_whitespace()
        .filter_map(|c| mamori_formats::cpe::parse(c).ok()?.vendor_product())
        .collect();
    let found = catalogue.suggest(
        &Device {
            maker: device.get("maker"),
            model: device.get("model"),
            os_name: device.get("os_name"),
            os_version: device.get("os_version"),
        },
        8,
    );
    Ok((
        found
            .into_iter()
            .map(|s| Suggested {
                already: mamori_formats::cpe::parse(&s.cpe23)
                    .ok()
                    .and_then(|w| w.vendor_product())
                    .is_some_and(|key| has.contains(&key)),
                score_percent: (s.score * 100.0).round().clamp(0.0, 100.0) as u32,
                why: s.why.join("; "),
                title: s.title,
                cpe23: s.cpe23,
            })
            .collect(),
        true,
    ))
}
