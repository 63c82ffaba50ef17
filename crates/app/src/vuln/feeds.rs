//! Reading feed files: unpacking (`.gz`, `.zip`), telling which feed a file is by its content,
//! and parsing it with the pure readers of `mamori_formats`. No database here.

use std::path::{Path, PathBuf};

use std::io::Read;

use mamori_formats::archive::{self, Contents};
use mamori_formats::{cpe_dictionary, jvn, kev, nvd};

/// A parsed feed file.
#[derive(Debug)]
pub enum Loaded {
    Kev(kev::Catalog),
    Nvd(nvd::Feed),
    Jvn(jvn::Feed),
    /// Product names from the CPE dictionary or NVD's products API.
    Products(Products),
}

#[derive(Debug, Default)]
pub struct Products {
    pub timestamp: String,
    /// Distinct (part, vendor, product, English title, Japanese title).
    pub items: Vec<Product>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    pub part: String,
    pub vendor: String,
    pub product: String,
    pub title: String,
    pub title_ja: String,
}

#[derive(Debug)]
pub struct FeedFile {
    pub name: String,
    pub loaded: Loaded,
}

impl FeedFile {
    /// Which source the file is, and its identity: a newer file of the same identity replaces
    /// an older one, and an older one is refused.
    pub fn identity(&self) -> (&'static str, String) {
        let stem = stem(&self.name);
        match &self.loaded {
            Loaded::Kev(_) => ("kev", "kev".into()),
            Loaded::Nvd(_) => ("nvd", format!("nvd:{stem}")),
            Loaded::Jvn(_) => ("jvn", format!("jvn:{stem}")),
            Loaded::Products(_) => ("cpe", format!("cpe:{stem}")),
        }
    }

    /// The feed's own version or timestamp ("" when it gives none).
    pub fn version(&self) -> String {
        match &self.loaded {
            Loaded::Kev(c) => c.version.clone(),
            Loaded::Nvd(f) => f.timestamp.clone(),
            Loaded::Jvn(f) => f.timestamp.clone(),
            Loaded::Products(p) => p.timestamp.clone(),
        }
    }

    pub fn entries(&self) -> usize {
        match &self.loaded {
            Loaded::Kev(c) => c.entries.len(),
            Loaded::Nvd(f) => f.cves.len(),
            Loaded::Jvn(f) => f.entries.len(),
            Loaded::Products(p) => p.items.len(),
        }
    }
}

/// The file name without folders and without `.json`, `.xml`, `.csv`, `.gz`, `.zip`.
fn stem(name: &str) -> String {
    let mut base = name.rsplit(['/', '\\']).next().unwrap_or(name).to_string();
    loop {
        let lower = base.to_ascii_lowercase();
        let Some(cut) = [".gz", ".zip", ".json", ".xml", ".csv"]
            .iter()
            .find(|ext| lower.ends_with(*ext))
        else {
            break;
        };
        base.truncate(base.len() - cut.len());
    }
    base
}

/// What is wrong with a feed file, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {place}{}{message}", if place.is_empty() { "" } else { ": " })]
pub struct FeedError {
    pub file: String,
    pub place: String,
    pub message: String,
}

impl FeedError {
    fn new(file: &str, place: impl Into<String>, message: impl Into<String>) -> FeedError {
        FeedError {
            file: file.to_string(),
            place: place.into(),
            message: message.into(),
        }
    }
}

/// The files to import from a path: the file itself, or a folder's feed files (not its
/// subfolders) in name order.
pub fn files_in(path: &Path) -> Result<Vec<PathBuf>, FeedError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| FeedError::new(&shown, "", format!("cannot read: {e}")))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| FeedError::new(&shown, "", format!("cannot list the folder: {e}")))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && is_feed_name(&p.to_string_lossy()))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(FeedError::new(
            &shown,
            "",
            "the folder holds no feed files (.json, .json.gz, .zip, .xml, .xml.gz, .csv)",
        ));
    }
    Ok(files)
}

fn is_feed_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".json", ".json.gz", ".zip", ".xml", ".xml.gz", ".csv", ".gz",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
}

/// Feeds parsed in one piece (KEV, JVN, NVD API pages and product lists) are never larger than
/// this unpacked; the big ones (NVD yearly feeds, the CPE dictionary) are read as streams.
const MAX_WHOLE_FEED: u64 = 64 * 1024 * 1024;

impl From<archive::ArchiveError> for FeedError {
    fn from(e: archive::ArchiveError) -> FeedError {
        FeedError::new(&e.place, "", e.message)
    }
}

/// Reads and parses one file (which may unpack to several).
pub fn read_file(path: &Path) -> Result<Vec<FeedFile>, FeedError> {
    let name = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|e| FeedError::new(&name, "", format!("cannot read: {e}")))?;
    read_bytes(&name, bytes)
}

/// Parses a feed file's bytes, unpacking first; each file inside is parsed whole, so this is
/// for the small feeds (API pages, KEV, JVN). Big imports go through [`read_streamed`].
pub fn read_bytes(name: &str, bytes: Vec<u8>) -> Result<Vec<FeedFile>, FeedError> {
    let mut out = Vec::new();
    archive::each_file(name, &bytes, |inner, contents| {
        if !is_feed_name(inner) && inner != name {
            return Ok(true);
        }
        let loaded = match contents {
            Contents::Whole(bytes) => parse(inner, bytes)?,
            Contents::Stream(reader) => parse(
                inner,
                &archive::read_at_most(inner, reader, MAX_WHOLE_FEED)?,
            )?,
        };
        out.push(FeedFile {
            loaded,
            name: inner.to_string(),
        });
        Ok::<bool, FeedError>(true)
    })?;
    if out.is_empty() {
        return Err(FeedError::new(name, "", "the archive holds no feed file"));
    }
    Ok(out)
}

/// A CVE made ready for the database while the feed is still being read: everything the
/// writer binds, worked out on the reading thread.
#[derive(Debug, Clone)]
pub struct NvdRow {
    pub id: String,
    pub published: String,
    pub last_modified: String,
    pub description: String,
    pub cvss_version: String,
    pub cvss_score_x10: i64,
    pub cvss_severity: String,
    pub cvss_vector: String,
    pub cwes: String,
    pub refs: String,
    /// The configurations as stored (JSON of `model::StoredConfig`).
    pub configurations: String,
    /// vendor:product keys of its criteria, for the candidate index.
    pub product_keys: Vec<String>,
}

impl NvdRow {
    pub fn of(cve: nvd::Cve) -> NvdRow {
        let (cvss_version, cvss_score_x10, cvss_severity, cvss_vector) = match cve.cvss {
            Some(s) => (
                s.version,
                (s.score * 10.0).round() as i64,
                s.severity,
                s.vector,
            ),
            None => (String::new(), 0, String::new(), String::new()),
        };
        // Plain data of strings and booleans: serialising it cannot fail.
        let configurations =
            serde_json::to_string(&super::model::stored_configs(&cve.configurations))
                .unwrap_or_else(|_| "[]".to_string());
        NvdRow {
            product_keys: super::model::product_keys(&cve.configurations),
            published: super::store::normalize_time(&cve.published),
            last_modified: super::store::normalize_time(&cve.last_modified),
            id: cve.id,
            description: cve.description,
            cvss_version,
            cvss_score_x10,
            cvss_severity,
            cvss_vector,
            cwes: cve.cwes.join(" "),
            refs: cve.references.join("\n"),
            configurations,
        }
    }
}

/// CVEs handed to the writer at a time while a big NVD feed is read.
const NVD_BATCH: usize = 1000;

/// What the reading thread hands the writer, in file order.
#[derive(Debug)]
pub enum Piece {
    /// CVEs of the NVD file `file` (more may follow).
    Nvd { file: String, rows: Vec<NvdRow> },
    /// The NVD file `file` was read to its end.
    NvdEnd {
        file: String,
        feed: String,
        timestamp: String,
        entries: usize,
    },
    /// Any other feed file, whole.
    File(FeedFile),
}

/// Reads one file (which may unpack to several) and hands it over piece by piece (see
/// [`read_streamed`]).
pub fn read_file_streamed(
    path: &Path,
    send: &mut dyn FnMut(Piece) -> bool,
) -> Result<(), FeedError> {
    let name = path.display().to_string();
    let bytes =
        std::fs::read(path).map_err(|e| FeedError::new(&name, "", format!("cannot read: {e}")))?;
    read_streamed(&name, &bytes, send)
}

/// Reads a file's bytes (which may unpack to several files) and hands them over piece by piece:
/// NVD files as batches of prepared CVEs while they are being read (and unpacked), the CPE
/// dictionary as it is unpacked, other feeds whole. No unpacked file is held whole in memory
/// except the small kinds (at most 64 MB each). `send` returns false when the writer has
/// stopped. A file with a problem ends with the error, after whatever pieces came before it;
/// the caller must then drop what it got.
pub fn read_streamed(
    name: &str,
    bytes: &[u8],
    send: &mut dyn FnMut(Piece) -> bool,
) -> Result<(), FeedError> {
    let mut any = false;
    archive::each_file(name, bytes, |inner, contents| {
        if !is_feed_name(inner) && inner != name {
            return Ok(true);
        }
        any = true;
        match contents {
            Contents::Whole(bytes) => {
                if sniff(bytes) == Some(Kind::Nvd) {
                    send_nvd(inner, send, |each| nvd::parse_each(bytes, each))
                } else {
                    let loaded = parse(inner, bytes)?;
                    Ok(send(Piece::File(FeedFile {
                        loaded,
                        name: inner.to_string(),
                    })))
                }
            }
            Contents::Stream(reader) => {
                let head = archive::peek(reader, 8192)
                    .map_err(|e| FeedError::new(inner, "", format!("cannot unpack: {e}")))?;
                let kind = sniff(&head);
                let mut whole = std::io::Cursor::new(head.clone()).chain(reader);
                if kind == Some(Kind::Nvd) {
                    return send_nvd(inner, send, |each| nvd::parse_each_read(whole, each));
                }
                let loaded = if kind == Some(Kind::Xml) && is_cpe_dictionary(&head) {
                    let mut builder = ProductsBuilder::default();
                    let summary = cpe_dictionary::read_xml(
                        std::io::BufReader::with_capacity(256 * 1024, whole),
                        |item| {
                            builder.add(item);
                            Ok::<(), cpe_dictionary::DictionaryError>(())
                        },
                    )
                    .map_err(|e| FeedError::new(inner, e.place, e.message))?;
                    Loaded::Products(builder.finish(summary.timestamp))
                } else {
                    parse(
                        inner,
                        &archive::read_at_most(inner, &mut whole, MAX_WHOLE_FEED)?,
                    )?
                };
                Ok(send(Piece::File(FeedFile {
                    loaded,
                    name: inner.to_string(),
                })))
            }
        }
    })?;
    if !any {
        return Err(FeedError::new(name, "", "the archive holds no feed file"));
    }
    Ok(())
}

/// Hands an NVD file over as batches of prepared CVEs while `read` parses it, then its end.
/// Returns whether the writer still listens.
fn send_nvd(
    file: &str,
    send: &mut dyn FnMut(Piece) -> bool,
    read: impl FnOnce(&mut dyn FnMut(nvd::Cve) -> bool) -> Result<nvd::Head, nvd::NvdError>,
) -> Result<bool, FeedError> {
    let mut batch = Vec::with_capacity(NVD_BATCH);
    let mut open = true;
    let head = read(&mut |cve| {
        batch.push(NvdRow::of(cve));
        if batch.len() >= NVD_BATCH {
            let rows = std::mem::replace(&mut batch, Vec::with_capacity(NVD_BATCH));
            open = send(Piece::Nvd {
                file: file.to_string(),
                rows,
            });
        }
        open
    });
    if !open {
        return Ok(false);
    }
    let head = head.map_err(|e| FeedError::new(file, e.place, e.message))?;
    if !batch.is_empty()
        && !send(Piece::Nvd {
            file: file.to_string(),
            rows: batch,
        })
    {
        return Ok(false);
    }
    Ok(send(Piece::NvdEnd {
        feed: format!("nvd:{}", stem(file)),
        file: file.to_string(),
        timestamp: head.timestamp,
        entries: head.count,
    }))
}

/// What a file holds, judged by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    KevJson,
    KevCsv,
    Nvd,
    NvdProducts,
    Xml,
}

pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = text.iter().position(|b| !b.is_ascii_whitespace())?;
    let head = &text[start..text.len().min(start + 8192)];
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    match head.first()? {
        b'<' => Some(Kind::Xml),
        b'{' | b'[' => {
            if has(b"\"catalogVersion\"") || has(b"\"cveID\"") {
                Some(Kind::KevJson)
            } else if has(b"\"products\"") || has(b"\"cpeName\"") {
                Some(Kind::NvdProducts)
            } else {
                Some(Kind::Nvd)
            }
        }
        _ if has(b"cveID") => Some(Kind::KevCsv),
        _ => None,
    }
}

fn parse(name: &str, bytes: &[u8]) -> Result<Loaded, FeedError> {
    let kind = sniff(bytes).ok_or_else(|| {
        FeedError::new(
            name,
            "",
            "not a feed mamori knows (CISA KEV JSON/CSV, NVD JSON, JVN XML, CPE dictionary XML)",
        )
    })?;
    match kind {
        Kind::KevJson | Kind::KevCsv => kev::parse(bytes)
            .map(Loaded::Kev)
            .map_err(|e| FeedError::new(name, e.place, e.message)),
        Kind::Nvd => nvd::parse(bytes)
            .map(Loaded::Nvd)
            .map_err(|e| FeedError::new(name, e.place, e.message)),
        Kind::NvdProducts => {
            let (summary, items) = cpe_dictionary::parse_api_products(bytes)
                .map_err(|e| FeedError::new(name, e.place, e.message))?;
            Ok(Loaded::Products(products(summary.timestamp, items)))
        }
        Kind::Xml => {
            if is_cpe_dictionary(bytes) {
                let mut builder = ProductsBuilder::default();
                let summary = cpe_dictionary::read_xml(bytes, |item| {
                    builder.add(item);
                    Ok::<(), cpe_dictionary::DictionaryError>(())
                })
                .map_err(|e| FeedError::new(name, e.place, e.message))?;
                Ok(Loaded::Products(builder.finish(summary.timestamp)))
            } else {
                jvn::parse(bytes)
                    .map(Loaded::Jvn)
                    .map_err(|e| FeedError::new(name, e.place, e.message))
            }
        }
    }
}

fn is_cpe_dictionary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    head.windows(8).any(|w| w == b"cpe-list")
}

/// Distinct products of dictionary items: one row per part:vendor:product, with the title of
/// its first (usually oldest) version stripped of the version words where it ends with them.
fn products(timestamp: String, items: Vec<cpe_dictionary::Item>) -> Products {
    let mut builder = ProductsBuilder::default();
    for item in items {
        builder.add(item);
    }
    builder.finish(timestamp)
}

/// Gathers [`products`] one dictionary item at a time, so the whole dictionary (over a million
/// items) is never held: only its distinct products.
#[derive(Default)]
struct ProductsBuilder {
    seen: std::collections::HashMap<(String, String, String), usize>,
    out: Vec<Product>,
}

impl ProductsBuilder {
    fn add(&mut self, item: cpe_dictionary::Item) {
        if item.deprecated {
            return;
        }
        let Ok(wfn) = mamori_formats::cpe::parse_fs(&item.cpe23) else {
            return;
        };
        let (Some(part), Some(vendor), Some(product)) =
            (wfn.part.plain(), wfn.vendor.plain(), wfn.product.plain())
        else {
            return;
        };
        let version = wfn.version.plain().unwrap_or_default();
        let title_of = |t: &str| {
            let t = t.trim();
            match t.strip_suffix(version.as_str()) {
                Some(rest) if !version.is_empty() && !rest.trim().is_empty() => {
                    rest.trim().to_string()
                }
                _ => t.to_string(),
            }
        };
        let key = (part.clone(), vendor.clone(), product.clone());
        match self.seen.get(&key) {
            Some(&i) => {
                if self.out[i].title_ja.is_empty() && !item.title_ja.is_empty() {
                    self.out[i].title_ja = title_of(&item.title_ja);
                }
            }
            None => {
                self.seen.insert(key, self.out.len());
                self.out.push(Product {
                    part,
                    vendor,
                    product,
                    title: title_of(&item.title_en),
                    title_ja: title_of(&item.title_ja),
                });
            }
        }
    }

    fn finish(self, timestamp: String) -> Products {
        Products {
            timestamp,
            items: self.out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_and_sniffing() {
        assert_eq!(stem("/x/nvdcve-1.1-2018.json.gz"), "nvdcve-1.1-2018");
        assert_eq!(stem("a.zip/CVE-2018-13379.json"), "CVE-2018-13379");
        assert_eq!(
            sniff(b"\xEF\xBB\xBF {\"catalogVersion\":1}"),
            Some(Kind::KevJson)
        );
        assert_eq!(sniff(b"cveID,vendorProject\n"), Some(Kind::KevCsv));
        assert_eq!(
            sniff(b"{\"resultsPerPage\":1,\"vulnerabilities\":[]}"),
            Some(Kind::Nvd)
        );
        assert_eq!(sniff(b"  <?xml version=\"1.0\"?>"), Some(Kind::Xml));
        assert_eq!(sniff(b"hello"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn unknown_content_names_the_file() {
        let e = read_bytes("notes.json", b"hello".to_vec()).expect_err("not a feed");
        assert_eq!(e.file, "notes.json");
        assert!(e.to_string().starts_with("notes.json: not a feed"), "{e}");
        let e = read_bytes("cut.json", b"{\"vulnerabilities\": [".to_vec()).expect_err("cut");
        assert!(e.to_string().starts_with("cut.json: "), "{e}");
        assert!(e.to_string().contains("line"), "{e}");
    }
}
