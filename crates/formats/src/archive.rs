//! Feed files arrive packed: NVD's yearly feeds as `.json.gz` or `.zip`, the CPE dictionary as
//! `.xml.gz`. This hands out the files inside one at a time, as a stream, recognising the packing
//! by content rather than by file name. Nothing is unpacked whole: a reader parses each file as it
//! is unpacked, and all files of one archive together may unpack to [`MAX_UNPACKED`] at most, so a
//! small hostile archive cannot fill memory (a 4 MB zip of zeros would be 4 GB).

use std::io::Read;

/// All files of one archive together may unpack to this many bytes: the largest real feeds (an
/// NVD yearly feed, the CPE dictionary) are a few hundred MB.
pub const MAX_UNPACKED: u64 = 1024 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct ArchiveError {
    pub place: String,
    pub message: String,
}

fn error(place: impl Into<String>, message: impl Into<String>) -> ArchiveError {
    ArchiveError {
        place: place.into(),
        message: message.into(),
    }
}

pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

pub fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// One file of an archive, as handed to the caller.
pub enum Contents<'a> {
    /// The outer file was not packed: its bytes as they are.
    Whole(&'a [u8]),
    /// A file being unpacked. Reading past the archive's limit fails with an I/O error, and
    /// whatever `each` then returns, [`each_file`] reports the limit.
    Stream(&'a mut dyn Read),
}

/// Counts what all files of one archive unpack to.
#[derive(Debug, Default)]
struct Limit {
    read: u64,
    exceeded: bool,
}

impl Limit {
    /// The problem to report for `place` once the limit was passed.
    fn error(place: &str) -> ArchiveError {
        error(
            place,
            format!(
                "the archive unpacks to more than {} GiB; it is damaged or not a feed",
                MAX_UNPACKED / 1024 / 1024 / 1024
            ),
        )
    }
}

/// A reader that fails once the archive's files together pass [`MAX_UNPACKED`].
struct Capped<'a, R> {
    inner: R,
    limit: &'a mut Limit,
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.limit.read = self.limit.read.saturating_add(n as u64);
        if self.limit.read > MAX_UNPACKED {
            self.limit.exceeded = true;
            return Err(std::io::Error::other("the archive unpacks to too much"));
        }
        Ok(n)
    }
}

/// Calls `each` with every file inside `bytes`, one after the other: itself when not packed, the
/// gzip member(s) unpacked, or each file of a zip (folders skipped). `name` is the outer file's
/// name; inner names are `outer.zip/inner.json`, or the outer name without `.gz`. `each` returns
/// false to stop. What `each` reads of a stream counts against the archive's limit.
pub fn each_file<E: From<ArchiveError>>(
    name: &str,
    bytes: &[u8],
    mut each: impl FnMut(&str, Contents<'_>) -> Result<bool, E>,
) -> Result<(), E> {
    let mut limit = Limit::default();
    if is_gzip(bytes) {
        let inner = name
            .strip_suffix(".gz")
            .or_else(|| name.strip_suffix(".GZ"))
            .unwrap_or(name)
            .to_string();
        let mut stream = GzipStream {
            capped: Capped {
                inner: flate2::read::MultiGzDecoder::new(bytes),
                limit: &mut limit,
            },
        };
        let keep = each(&inner, Contents::Stream(&mut stream));
        drop(stream);
        return match keep {
            Err(_) if limit.exceeded => Err(Limit::error(&inner).into()),
            other => other.map(|_| ()),
        };
    }
    if is_zip(bytes) {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| error(name, format!("not a readable zip file: {e}")))?;
        for i in 0..archive.len() {
            let file = archive
                .by_index(i)
                .map_err(|e| error(format!("{name}: entry {}", i + 1), e.to_string()))?;
            if file.is_dir() {
                continue;
            }
            let inner = match file.name() {
                Ok(inner) => format!("{name}/{inner}"),
                Err(e) => {
                    return Err(error(format!("{name}: entry {}", i + 1), e.to_string()).into());
                }
            };
            let mut capped = Capped {
                inner: file,
                limit: &mut limit,
            };
            let keep = each(&inner, Contents::Stream(&mut capped));
            drop(capped);
            match keep {
                Err(_) if limit.exceeded => return Err(Limit::error(&inner).into()),
                Err(e) => return Err(e),
                Ok(false) => return Ok(()),
                Ok(true) => {}
            }
        }
        return Ok(());
    }
    each(name, Contents::Whole(bytes)).map(|_| ())
}

/// A gzip stream whose damage (a file cut short) is told as such.
struct GzipStream<'a, R> {
    capped: Capped<'a, R>,
}

impl<R: Read> Read for GzipStream<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.capped.read(buf).map_err(|e| {
            if self.capped.limit.exceeded {
                e
            } else {
                std::io::Error::other(format!(
                    "the gzip data is damaged or cut short ({e}); download the file again"
                ))
            }
        })
    }
}

/// Reads a whole stream into memory, refusing more than `max` bytes (for the small feeds that
/// are parsed in one piece).
pub fn read_at_most(place: &str, reader: &mut dyn Read, max: u64) -> Result<Vec<u8>, ArchiveError> {
    let mut out = Vec::new();
    reader
        .take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| error(place, format!("cannot unpack: {e}")))?;
    if out.len() as u64 > max {
        return Err(error(
            place,
            format!(
                "larger than {} MB unpacked: this kind of feed is never that large",
                max / 1024 / 1024
            ),
        ));
    }
    Ok(out)
}

/// Reads up to `n` bytes from the start of a stream (to tell what it holds), returning them.
pub fn peek(reader: &mut dyn Read, n: usize) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    reader.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).expect("write");
        e.finish().expect("finish")
    }

    /// Every file as (name, bytes), read through the streams.
    fn files(name: &str, bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, ArchiveError> {
        let mut out = Vec::new();
        each_file(name, bytes, |inner, contents| {
            let data = match contents {
                Contents::Whole(b) => b.to_vec(),
                Contents::Stream(r) => read_at_most(inner, r, 1024 * 1024)?,
            };
            out.push((inner.to_string(), data));
            Ok::<bool, ArchiveError>(true)
        })?;
        Ok(out)
    }

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            z.add_directory("d/", options).expect("dir");
            for (name, data) in entries {
                z.start_file(*name, options).expect("start");
                z.write_all(data).expect("write");
            }
            z.finish().expect("finish");
        }
        buf.into_inner()
    }

    #[test]
    fn plain_gzip_and_zip() {
        assert_eq!(
            files("a.json", b"{}").expect("plain"),
            vec![("a.json".to_string(), b"{}".to_vec())]
        );
        assert_eq!(
            files("a.json.gz", &gzip(b"{\"x\":1}")).expect("gz"),
            vec![("a.json".to_string(), b"{\"x\":1}".to_vec())]
        );
        assert_eq!(
            files("f.zip", &zip_of(&[("d/b.json", b"[1]")])).expect("zip"),
            vec![("f.zip/d/b.json".to_string(), b"[1]".to_vec())]
        );
    }

    #[test]
    fn truncated_gzip_says_so() {
        let mut data = gzip(&[b'x'; 10_000]);
        data.truncate(data.len() / 2);
        let e = files("n.json.gz", &data).expect_err("truncated");
        assert_eq!(e.place, "n.json");
        assert!(e.message.contains("cut short"), "{e}");
        assert!(files("z.zip", b"PK\x03\x04broken").is_err());
    }

    #[test]
    fn what_a_stream_may_hold_in_memory_is_capped() {
        let e = files("big.json.gz", &gzip(&vec![b' '; 2 * 1024 * 1024])).expect_err("big");
        assert!(e.message.contains("larger than 1 MB"), "{e}");
    }

    /// Reading past the archive's limit stops the stream, and the file is named.
    #[test]
    fn an_archive_that_unpacks_past_the_limit_is_stopped() {
        // Zeros compress about 1000:1: 2 entries of 600 MiB are 1.2 GB unpacked.
        let zeros = vec![0u8; 8 * 1024 * 1024];
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .large_file(true);
            for name in ["a.json", "b.json"] {
                z.start_file(name, options).expect("start");
                for _ in 0..75 {
                    z.write_all(&zeros).expect("write");
                }
            }
            z.finish().expect("finish");
        }
        let bytes = buf.into_inner();
        assert!(bytes.len() < 4 * 1024 * 1024, "{}", bytes.len());
        let mut seen = Vec::new();
        let e = each_file("bomb.zip", &bytes, |inner, contents| {
            seen.push(inner.to_string());
            if let Contents::Stream(r) = contents {
                std::io::copy(r, &mut std::io::sink()).map_err(|e| error(inner, e.to_string()))?;
            }
            Ok::<bool, ArchiveError>(true)
        })
        .expect_err("past the limit");
        assert_eq!(e.place, "bomb.zip/b.json");
        assert!(e.message.contains("more than 1 GiB"), "{e}");
        assert_eq!(seen, ["bomb.zip/a.json", "bomb.zip/b.json"]);
    }
}
