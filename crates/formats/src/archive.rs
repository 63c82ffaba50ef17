//! Feed files arrive packed: NVD's yearly feeds as `.json.gz` or `.zip`, the CPE dictionary as
//! `.xml.gz`. This unpacks them in memory (bytes in, named bytes out), recognising the packing
//! by content rather than by file name, with a ceiling so a hostile archive cannot fill memory.

use std::io::Read;

/// Unpacked files larger than this are refused: the largest real feed (an NVD yearly 1.1 feed)
/// is about 100 MB.
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

/// The files inside `bytes`: itself when not packed, the gzip member(s) unpacked, or each file
/// of a zip (folders skipped). `name` is the outer file's name; inner names are
/// `outer.zip/inner.json`, or the outer name without `.gz`.
pub fn unpack(name: &str, bytes: Vec<u8>) -> Result<Vec<(String, Vec<u8>)>, ArchiveError> {
    if is_gzip(&bytes) {
        let inner = name
            .strip_suffix(".gz")
            .or_else(|| name.strip_suffix(".GZ"))
            .unwrap_or(name)
            .to_string();
        let out = read_limited(flate2::read::MultiGzDecoder::new(&bytes[..]), name)?;
        return Ok(vec![(inner, out)]);
    }
    if is_zip(&bytes) {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
            .map_err(|e| error(name, format!("not a readable zip file: {e}")))?;
        let mut files = Vec::new();
        for i in 0..archive.len() {
            let mut file = archive
                .by_index(i)
                .map_err(|e| error(format!("{name}: entry {}", i + 1), e.to_string()))?;
            if file.is_dir() {
                continue;
            }
            let inner = match file.name() {
                Ok(inner) => format!("{name}/{inner}"),
                Err(e) => return Err(error(format!("{name}: entry {}", i + 1), e.to_string())),
            };
            let mut out = Vec::new();
            (&mut file)
                .take(MAX_UNPACKED + 1)
                .read_to_end(&mut out)
                .map_err(|e| error(&inner, format!("cannot unpack: {e}")))?;
            if out.len() as u64 > MAX_UNPACKED {
                return Err(error(&inner, "larger than 1 GiB unpacked"));
            }
            files.push((inner, out));
        }
        return Ok(files);
    }
    Ok(vec![(name.to_string(), bytes)])
}

fn read_limited(reader: impl Read, name: &str) -> Result<Vec<u8>, ArchiveError> {
    let mut out = Vec::new();
    reader
        .take(MAX_UNPACKED + 1)
        .read_to_end(&mut out)
        .map_err(|e| {
            error(
                name,
                format!("the gzip data is damaged or cut short ({e}); download the file again"),
            )
        })?;
    if out.len() as u64 > MAX_UNPACKED {
        return Err(error(name, "larger than 1 GiB unpacked"));
    }
    Ok(out)
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

    #[test]
    fn plain_gzip_and_zip() {
        assert_eq!(
            unpack("a.json", b"{}".to_vec()).expect("plain"),
            vec![("a.json".to_string(), b"{}".to_vec())]
        );
        assert_eq!(
            unpack("a.json.gz", gzip(b"{\"x\":1}")).expect("gz"),
            vec![("a.json".to_string(), b"{\"x\":1}".to_vec())]
        );
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            z.add_directory("d/", options).expect("dir");
            z.start_file("d/b.json", options).expect("start");
            z.write_all(b"[1]").expect("write");
            z.finish().expect("finish");
        }
        assert_eq!(
            unpack("f.zip", buf.into_inner()).expect("zip"),
            vec![("f.zip/d/b.json".to_string(), b"[1]".to_vec())]
        );
    }

    #[test]
    fn truncated_gzip_says_so() {
        let mut data = gzip(&[b'x'; 10_000]);
        data.truncate(data.len() / 2);
        let e = unpack("n.json.gz", data).expect_err("truncated");
        assert_eq!(e.place, "n.json.gz");
        assert!(e.message.contains("cut short"), "{e}");
        assert!(unpack("z.zip", b"PK\x03\x04broken".to_vec()).is_err());
    }
}
